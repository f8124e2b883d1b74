import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { createBackend, type Backend } from '../core/backend.ts';
import { InflowError, serializeError } from '../core/errors.ts';
import { degradedReasonOf } from '../core/store/database.ts';
import { storageError } from '../core/store/storage-errors.ts';
import { dataDirChoiceFile, readDataDirChoice } from '../core/api/data-dir-choice.ts';
import { DATA_DIR_ENV, resolveDataDir } from '../core/paths.ts';
import type { CliCommand, CliContext } from './command.ts';
import { ExitCode, exitCodeFor } from './exit-codes.ts';
import { progressAsLines, watchClosedPipes } from './output.ts';

const commandsDir = path.join(import.meta.dirname, 'commands');

/** Command names: every command is one file in ./commands named after it, exporting `command`. */
function commandNames(): string[] {
  return fs
    .readdirSync(commandsDir)
    .filter((file) => file.endsWith('.ts'))
    .map((file) => file.slice(0, -3))
    .sort();
}

/** Imports one command's module only, so a problem in one command never breaks the others. */
async function loadCommand(name: string): Promise<CliCommand | undefined> {
  if (!commandNames().includes(name)) return undefined;
  const module = (await import(pathToFileURL(path.join(commandsDir, `${name}.ts`)).href)) as { command?: CliCommand };
  return module.command;
}

/** Every command, for the help text; one that fails to load is listed with its error. */
async function loadCommands(): Promise<Map<string, CliCommand>> {
  const commands = new Map<string, CliCommand>();
  for (const name of commandNames()) {
    try {
      const command = await loadCommand(name);
      if (command) commands.set(command.name, command);
    } catch (error) {
      commands.set(name, {
        name,
        summary: `(unavailable: ${(error as Error).message})`,
        usage: '',
        run: async () => {
          throw error;
        },
      });
    }
  }
  return commands;
}

function helpText(commands: Map<string, CliCommand>): string {
  const width = Math.max(...[...commands.keys()].map((name) => name.length));
  return [
    'Usage: inflow <command> [options]',
    '',
    'Commands:',
    ...[...commands.values()].map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    '',
    'Global options:',
    '  --data-dir DIR   where the database, models and adapters live (default: INFLOW_DATA_DIR or the platform folder)',
    '  --json           machine-readable output',
    '  -h, --help       help for a command: inflow <command> --help',
  ].join('\n');
}

/**
 * The data folder: --data-dir, else INFLOW_DATA_DIR, else the folder chosen in the desktop app's Settings
 * (recorded in the platform's config folder), else the platform default — the same order the app uses.
 */
function chooseDataDir(explicit: string | undefined): string {
  if (explicit !== undefined && explicit !== '') return resolveDataDir(explicit);
  if ((process.env[DATA_DIR_ENV] ?? '') !== '') return resolveDataDir();
  return resolveDataDir(readDataDirChoice(dataDirChoiceFile()));
}

export async function main(argv: string[]): Promise<number> {
  // A reader that goes away (`| head`) cancels the command; the CLI then exits 0 (see output.ts).
  const controller = new AbortController();
  const pipes = watchClosedPipes([process.stdout, process.stderr], () =>
    controller.abort(new InflowError('CANCELLED', 'The reader of the output went away.')),
  );
  try {
    const code = await runMain(argv, controller, pipes.closed);
    return pipes.closed() ? ExitCode.ok : code;
  } finally {
    pipes.dispose();
  }
}

/** An option parseArgs does not know, or one that lacks its value: node:util's errors, not the command's. */
function isParseArgsError(error: unknown): error is Error {
  return typeof (error as { code?: unknown })?.code === 'string' && (error as { code: string }).code.startsWith('ERR_PARSE_ARGS_');
}

async function runMain(argv: string[], controller: AbortController, outputClosed: () => boolean): Promise<number> {
  const { values, tokens } = parseArgs({
    args: argv,
    options: { 'data-dir': { type: 'string' }, json: { type: 'boolean', default: false }, help: { type: 'boolean', short: 'h' } },
    strict: false,
    allowPositionals: true,
    tokens: true,
  });
  // Global options are taken out; everything else goes to the command untouched.
  const consumed = new Set<number>();
  for (const token of tokens) {
    if (token.kind === 'option' && ['data-dir', 'json'].includes(token.name)) {
      consumed.add(token.index);
      if (token.name === 'data-dir' && token.inlineValue !== true && token.value !== undefined) consumed.add(token.index + 1);
    }
  }
  const rest = argv.filter((_, index) => !consumed.has(index));
  const name = rest[0];
  if (name === undefined || name === 'help' || (name.startsWith('-') && values.help)) {
    const sub = name === 'help' ? rest[1] : undefined;
    const target = sub === undefined ? undefined : await loadCommand(sub);
    process.stdout.write(`${target ? target.usage : helpText(await loadCommands())}\n`);
    return name === undefined ? ExitCode.usage : ExitCode.ok;
  }
  const command = name.startsWith('-') ? undefined : await loadCommand(name);
  if (command === undefined) {
    process.stderr.write(`inflow: unknown command "${name}".\n\n${helpText(await loadCommands())}\n`);
    return ExitCode.usage;
  }
  const args = rest.slice(1);
  if (args.includes('--help') || args.includes('-h')) {
    process.stdout.write(`${command.usage}\n`);
    return ExitCode.ok;
  }

  const json = values.json === true;
  let dataDir: string;
  try {
    dataDir = chooseDataDir(typeof values['data-dir'] === 'string' ? values['data-dir'] : undefined);
  } catch (error) {
    process.stderr.write(`inflow: ${InflowError.isInstance(error) ? error.toUserString() : String(error)}\n`);
    return InflowError.isInstance(error) ? exitCodeFor(error.code) : ExitCode.failure;
  }
  const onSigint = () => {
    if (controller.signal.aborted) process.exit(ExitCode.cancelled);
    controller.abort(new InflowError('CANCELLED', 'Cancelled by the user.'));
  };
  process.on('SIGINT', onSigint);
  let backend: Backend | undefined;
  const context: CliContext = {
    dataDir,
    json,
    stdout: process.stdout,
    stderr: progressAsLines(process.stderr, outputClosed),
    signal: controller.signal,
    backend: async () => (backend ??= await createBackend({ dataDir: context.dataDir })),
    print: (line = '') => {
      if (!json && !outputClosed()) process.stdout.write(`${line}\n`);
    },
    printJson: (value) => {
      if (!outputClosed()) process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
    },
  };
  try {
    const code = await command.run(context, args);
    return code ?? ExitCode.ok;
  } catch (caught) {
    if (outputClosed()) return ExitCode.ok;
    // A full disk or a read-only data folder is a clear error with its exit code, not a SQLite stack trace.
    const error = storageError(caught, backend === undefined ? undefined : degradedReasonOf(backend.db)) ?? caught;
    // A usage error (node:util's parser, or the command's own USAGE) shows the command's usage.
    if (isParseArgsError(error) || (InflowError.isInstance(error) && error.code === 'USAGE' && !json)) {
      const hint = InflowError.isInstance(error) && error.hint !== undefined && error.hint !== command.usage ? `${error.hint}\n` : '';
      process.stderr.write(`inflow ${name}: ${error.message}\n${hint}\n${command.usage}\n`);
      return ExitCode.usage;
    }
    const serialized = serializeError(error);
    if (json) process.stdout.write(`${JSON.stringify({ error: serialized }, null, 2)}\n`);
    else
      process.stderr.write(`inflow ${name}: ${InflowError.isInstance(error) ? error.toUserString() : ((error as Error)?.stack ?? String(error))}\n`);
    return InflowError.isInstance(error) ? exitCodeFor(error.code) : ExitCode.failure;
  } finally {
    process.off('SIGINT', onSigint);
    await backend?.close();
  }
}

if (import.meta.main) {
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (error: unknown) => {
      process.stderr.write(`${String((error as Error)?.stack ?? error)}\n`);
      process.exitCode = ExitCode.failure;
    },
  );
}
