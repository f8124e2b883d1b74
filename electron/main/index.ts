import path from 'node:path';
import { app, BrowserWindow, dialog } from 'electron';
import { InflowError } from '../core/errors.ts';
import { createBackend } from '../core/backend.ts';
import { createApi } from '../core/api/create-api.ts';
import { DATA_DIR_ENV, resolveDataDir } from '../core/paths.ts';
import { dataDirChoiceFile, readDataDirChoice } from '../core/api/data-dir-choice.ts';
import { nativePathPicker } from './pick-path.ts';
import { registerAppScheme, serveRenderer } from './app-protocol.ts';
import { registerIpc } from './ipc.ts';
import { hardenWebContents } from './security.ts';
import { createMainWindow } from './window.ts';
import { utilityTrainerLauncher } from './training-host.ts';
import { installMenu } from './menu.ts';

/**
 * The Electron entry: one window over the shared back end. The back end (database, models, agent) lives in
 * this process as node-llama-cpp requires; training runs in a utility process. Quitting waits for the back
 * end to stop runs cleanly (they are recorded as cancelled, never lost) and closes the database. The data folder
 * is INFLOW_DATA_DIR, else the one chosen in Settings (recorded in dataDirChoiceFile()), else the default.
 */
const devServerUrl = process.env.VITE_DEV_SERVER_URL;
const here = import.meta.dirname;

registerAppScheme();
hardenWebContents(devServerUrl);
if (!app.requestSingleInstanceLock()) app.quit();

let mainWindow: BrowserWindow | null = null;

async function start(): Promise<void> {
  await app.whenReady();
  installMenu();
  serveRenderer(path.join(here, '..', '..', 'renderer'));
  const choiceFile = dataDirChoiceFile();
  const chosen = (process.env[DATA_DIR_ENV] ?? '') === '' ? readDataDirChoice(choiceFile) : undefined;
  const backend = await createBackend({ dataDir: resolveDataDir(chosen) });
  const api = createApi({
    backend, dataDirChoiceFile: choiceFile, pickPath: nativePathPicker(() => mainWindow),
    launchTraining: utilityTrainerLauncher(path.join(here, '..', 'core', 'training', 'trainer-worker.js')),
  });
  const unregister = registerIpc({ dispatch: api.dispatch, events: api.events, window: () => mainWindow, devServerUrl });
  const open = () => { mainWindow = createMainWindow({ preloadPath: path.join(here, '..', 'preload', 'index.cjs'), devServerUrl }); };
  open();
  app.on('second-instance', () => { if (mainWindow?.isMinimized()) mainWindow.restore(); mainWindow?.focus(); });
  app.on('activate', () => { if (BrowserWindow.getAllWindows().length === 0) open(); });
  app.on('window-all-closed', () => { if (process.platform !== 'darwin') app.quit(); });

  let closing = false;
  app.on('before-quit', (event) => {
    if (closing) return;
    closing = true;
    event.preventDefault();
    unregister();
    void api.dispose().then(() => backend.close()).finally(() => app.exit(0));
  });
}

start().catch((error: unknown) => {
  const text = InflowError.isInstance(error) ? error.toUserString() : error instanceof Error ? error.message : String(error);
  dialog.showErrorBox('Inflow could not start', `${text}\n\nYour data was not changed.`);
  app.exit(1);
});
