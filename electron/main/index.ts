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
import { boundedShutdown, devServerUrl as devServerUrlFor, shutdownLimitMs } from './lifecycle.ts';

/**
 * The Electron entry: one window over the shared back end. The back end (database, models, agent) lives in
 * this process as node-llama-cpp requires; training runs in a utility process. Quitting waits for the back
 * end to stop runs cleanly (they are recorded as cancelled, never lost) and closes the database. The data folder
 * is INFLOW_DATA_DIR, else the one chosen in Settings (recorded in dataDirChoiceFile()), else the default.
 */
const devServerUrl = devServerUrlFor(process.env, app.isPackaged);
const here = import.meta.dirname;

let mainWindow: BrowserWindow | null = null;

async function start(): Promise<void> {
  await app.whenReady();
  installMenu();
  serveRenderer(path.join(here, '..', '..', 'renderer'));
  const choiceFile = dataDirChoiceFile();
  const chosen = (process.env[DATA_DIR_ENV] ?? '') === '' ? readDataDirChoice(choiceFile) : undefined;
  const backend = await createBackend({ dataDir: resolveDataDir(chosen) });
  // Settings → "Use the CPU only" applies to inference from the start after it was set (training reads it per run)
  const cpuOnly = backend.settings.read().compute.cpuOnly;
  const api = createApi({
    backend,
    dataDirChoiceFile: choiceFile,
    ...(cpuOnly ? { gpu: false as const } : {}),
    pickPath: nativePathPicker(() => mainWindow),
    launchTraining: utilityTrainerLauncher(path.join(here, '..', 'core', 'training', 'trainer-worker.js')),
  });
  const unregister = registerIpc({ dispatch: api.dispatch, events: api.events, window: () => mainWindow, devServerUrl });
  const open = () => {
    mainWindow = createMainWindow({ preloadPath: path.join(here, '..', 'preload', 'index.cjs'), devServerUrl });
  };
  open();
  app.on('second-instance', () => {
    if (mainWindow?.isMinimized()) mainWindow.restore();
    mainWindow?.focus();
  });
  app.on('activate', () => {
    if (BrowserWindow.getAllWindows().length === 0) open();
  });
  app.on('window-all-closed', () => {
    if (process.platform !== 'darwin') app.quit();
  });

  let closing = false;
  app.on('before-quit', (event) => {
    if (closing) return;
    closing = true;
    event.preventDefault();
    unregister();
    // bounded: a run or a child that does not stop in time cannot keep the app from quitting
    void boundedShutdown(async () => {
      await api.dispose();
      backend.close();
    }).then((outcome) => {
      if (outcome !== 'done')
        console.error(`Inflow: shutdown ${outcome === 'timed-out' ? `took longer than ${shutdownLimitMs / 1000} s` : 'failed'}; exiting anyway.`);
      app.exit(0);
    });
  });
}

// A second instance hands over to the first (which focuses its window on 'second-instance') and exits at once,
// before it opens the database or a window.
if (!app.requestSingleInstanceLock()) {
  app.exit(0);
} else {
  registerAppScheme();
  hardenWebContents(devServerUrl);
  start().catch((error: unknown) => {
    const text = InflowError.isInstance(error) ? error.toUserString() : error instanceof Error ? error.message : String(error);
    dialog.showErrorBox('Inflow could not start', `${text}\n\nYour data was not changed.`);
    app.exit(1);
  });
}
