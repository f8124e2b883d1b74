import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { InflowError } from '../errors.ts';

/**
 * Where the desktop app records the data folder the user chose in Settings: outside any data folder, in the
 * platform's config location — `$XDG_CONFIG_HOME/inflow/data-dir.json` (else `~/.config/inflow/`) on Linux,
 * `~/Library/Preferences/Inflow/data-dir.json` on macOS, `%LOCALAPPDATA%\Inflow\data-dir.json` on Windows.
 */
export function dataDirChoiceFile(env: NodeJS.ProcessEnv = process.env, platform: NodeJS.Platform = process.platform): string {
  const home = os.homedir();
  if (platform === 'win32') return path.join(env.LOCALAPPDATA ?? path.join(home, 'AppData', 'Local'), 'Inflow', 'data-dir.json');
  if (platform === 'darwin') return path.join(home, 'Library', 'Preferences', 'Inflow', 'data-dir.json');
  return path.join(env.XDG_CONFIG_HOME ?? path.join(home, '.config'), 'inflow', 'data-dir.json');
}

/**
 * The recorded data folder, or undefined when none is recorded. Read by Electron main at start, before the
 * back end opens. A damaged file is reported, not ignored, so the app never silently opens another folder.
 */
export function readDataDirChoice(file: string): string | undefined {
  if (!fs.existsSync(file)) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (error) {
    throw new InflowError('DATA_DIR_CHOICE_CORRUPT', `${file} is not valid JSON.`, {
      cause: error,
      hint: `Delete ${file} to use the default data folder, or fix it: {"dataDir": "/path"}.`,
    });
  }
  const dataDir = (parsed as { dataDir?: unknown } | null)?.dataDir;
  if (typeof dataDir !== 'string' || !path.isAbsolute(dataDir)) {
    throw new InflowError('DATA_DIR_CHOICE_INVALID', `${file} does not name an absolute "dataDir".`, {
      hint: `Delete ${file} to use the default data folder.`,
    });
  }
  return dataDir;
}

/**
 * Records `dataDir` as the folder to use from the next start (null removes the choice). Creates the folder
 * and checks it is writable; never moves, copies or deletes anything in the current data folder.
 */
export function writeDataDirChoice(file: string, dataDir: string | null): void {
  if (dataDir === null) {
    fs.rmSync(file, { force: true });
    return;
  }
  if (!path.isAbsolute(dataDir))
    throw new InflowError('INVALID_DATA_DIR', `"${dataDir}" is not an absolute path.`, {
      hint: 'Choose the folder with Browse…, or type a full path.',
    });
  const stat = fs.statSync(dataDir, { throwIfNoEntry: false });
  if (stat !== undefined && !stat.isDirectory())
    throw new InflowError('INVALID_DATA_DIR', `${dataDir} is a file, not a folder.`, { hint: 'Choose a folder.' });
  try {
    fs.mkdirSync(dataDir, { recursive: true });
    fs.accessSync(dataDir, fs.constants.W_OK);
  } catch (error) {
    throw new InflowError('INVALID_DATA_DIR', `Inflow cannot write to ${dataDir}: ${(error as Error).message}`, {
      cause: error,
      hint: 'Choose a folder you can write to.',
    });
  }
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const temporary = `${file}.tmp-${process.pid}`;
  fs.writeFileSync(temporary, `${JSON.stringify({ dataDir }, null, 2)}\n`);
  fs.renameSync(temporary, file);
}
