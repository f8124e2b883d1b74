import { app, shell, type WebContents } from 'electron';
import { isAppUrl, isSafeExternalUrl } from './window-options.ts';

/**
 * Locks down every web contents the app creates: no new windows (http(s) links go to the system browser),
 * no navigation away from the app, no webviews, no permission prompts.
 */
export function hardenWebContents(devServerUrl: string | undefined): void {
  app.on('web-contents-created', (_event, contents: WebContents) => {
    contents.setWindowOpenHandler(({ url }) => {
      if (isSafeExternalUrl(url)) void shell.openExternal(url);
      return { action: 'deny' };
    });
    contents.on('will-navigate', (event, url) => {
      if (!isAppUrl(url, devServerUrl)) event.preventDefault();
    });
    contents.on('will-redirect', (event, url) => {
      if (!isAppUrl(url, devServerUrl)) event.preventDefault();
    });
    contents.on('will-attach-webview', (event) => event.preventDefault());
    contents.session.setPermissionRequestHandler((_contents, _permission, callback) => callback(false));
  });
}
