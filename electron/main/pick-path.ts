import { dialog, type BrowserWindow, type OpenDialogOptions } from 'electron';
import type { PickPathRequest, PickPathResult } from '../core/contract/system.ts';

/**
 * `system.pickPath` in the app: the native open dialog, modal to the app window when there is one. The
 * renderer never sees anything but the path the user chose (or that they cancelled).
 */
export function nativePathPicker(window: () => BrowserWindow | null): (request: PickPathRequest) => Promise<PickPathResult> {
  return async (request) => {
    const options: OpenDialogOptions = {
      properties: request.kind === 'folder' ? ['openDirectory', 'createDirectory'] : ['openFile'],
      ...(request.title === undefined ? {} : { title: request.title }),
      ...(request.filters === undefined ? {} : { filters: request.filters }),
    };
    const parent = window();
    const answer = parent !== null && !parent.isDestroyed() ? await dialog.showOpenDialog(parent, options) : await dialog.showOpenDialog(options);
    const chosen = answer.filePaths[0];
    return answer.canceled || chosen === undefined ? { cancelled: true } : { path: chosen };
  };
}
