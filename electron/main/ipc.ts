import { ipcMain, type BrowserWindow, type IpcMainInvokeEvent } from 'electron';
import { channelOf, eventChannelOf, methodNames } from '../core/contract/index.ts';
import type { Dispatch } from '../core/api/dispatch.ts';
import type { EventHub } from '../core/api/event-hub.ts';
import { isAppUrl } from './window-options.ts';

/**
 * Registers one `ipcMain.handle` per contract method. Each call must come from the app window's main frame
 * showing our own page; its input is validated by the contract's schema inside `dispatch`. Events from the
 * back end are forwarded to the window on their own channels. Returns a function that undoes all of it.
 */
export function registerIpc(options: {
  dispatch: Dispatch;
  events: EventHub;
  window: () => BrowserWindow | null;
  devServerUrl?: string;
}): () => void {
  const isTrustedSender = (event: IpcMainInvokeEvent): boolean => {
    const window = options.window();
    const frame = event.senderFrame;
    const main = event.sender.mainFrame;
    return (
      window !== null &&
      !window.isDestroyed() &&
      event.sender.id === window.webContents.id &&
      frame !== null &&
      frame.processId === main.processId &&
      frame.routingId === main.routingId &&
      isAppUrl(frame.url, options.devServerUrl)
    );
  };
  for (const name of methodNames) {
    ipcMain.handle(channelOf(name), async (event, input: unknown) => {
      if (!isTrustedSender(event)) {
        return { ok: false, error: { code: 'FORBIDDEN', message: 'This request did not come from the Inflow window.' } };
      }
      return options.dispatch(name, input);
    });
  }
  const unsubscribe = options.events.subscribe((name, payload) => {
    const window = options.window();
    if (window !== null && !window.isDestroyed()) window.webContents.send(eventChannelOf(name), payload);
  });
  return () => {
    unsubscribe();
    for (const name of methodNames) ipcMain.removeHandler(channelOf(name));
  };
}
