import path from 'node:path';
import { BrowserWindow, nativeTheme } from 'electron';
import { appOrigin, webPreferences, windowOptions } from './window-options.ts';

/** Creates the app window with the locked-down preferences and loads the renderer (dev server or app://). */
export function createMainWindow(options: { preloadPath: string; devServerUrl?: string }): BrowserWindow {
  const window = new BrowserWindow({
    ...windowOptions,
    backgroundColor: nativeTheme.shouldUseDarkColors ? '#1b1d22' : '#f6f7f9',
    webPreferences: { ...webPreferences, preload: path.resolve(options.preloadPath) },
  });
  window.once('ready-to-show', () => window.show());
  const url = options.devServerUrl !== undefined && options.devServerUrl !== '' ? options.devServerUrl : `${appOrigin}/index.html`;
  void window.loadURL(url);
  return window;
}
