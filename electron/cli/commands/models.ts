import { parseArgs } from 'node:util';
import { measuredBudget } from '../../core/api/hardware.ts';
import { InflowError } from '../../core/errors.ts';
import { modelCatalog } from '../../core/models/catalog.ts';
import type { DownloadProgress } from '../../core/models/download-file.ts';
import { estimateFit, formatBytes, freeDiskBytes } from '../../core/models/hardware-fit.ts';
import { listInstalledModels, removeInstalledModel } from '../../core/models/model-registry.ts';
import { pullModel } from '../../core/models/pull-model.ts';
import { addModelFile } from '../../core/models/add-model.ts';
import type { CliCommand, CliContext } from '../command.ts';

const usage = `Usage:
  inflow models list                       recommended and installed models, and whether each fits this machine
  inflow models pull ID [--url URL] [--force]
                                           download a catalog model (or any GGUF from --url under the id ID);
                                           resumes an interrupted download; --force skips the memory check
  inflow models add FILE [--link|--copy] [--name NAME]
                                           register a GGUF model you already have: --link (default) uses it
                                           where it is, --copy copies it into the models folder
  inflow models rm ID                      remove an installed model (deletes files in the models folder only;
                                           a file added with --link stays where it is)`;

/** A one-line progress bar on a terminal; on a pipe, a line every 10%. */
function progressPrinter(context: CliContext, label: string): (progress: DownloadProgress) => void {
  const tty = (context.stderr as NodeJS.WriteStream).isTTY === true;
  let lastDecile = -1;
  return ({ receivedBytes, totalBytes, bytesPerSecond }) => {
    const fraction = totalBytes === undefined ? 0 : receivedBytes / totalBytes;
    const percent = `${Math.floor(fraction * 100)}%`.padStart(4);
    const sizes = `${formatBytes(receivedBytes)}${totalBytes === undefined ? '' : ` / ${formatBytes(totalBytes)}`}`;
    if (tty) {
      const width = 30;
      const filled = Math.round(fraction * width);
      context.stderr.write(`\r${label} [${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${percent} ${sizes} ${formatBytes(bytesPerSecond)}/s   `);
      if (fraction >= 1) context.stderr.write('\n');
      return;
    }
    const decile = Math.floor(fraction * 10);
    if (decile !== lastDecile) {
      lastDecile = decile;
      context.stderr.write(`${label} ${percent} ${sizes}\n`);
    }
  };
}

/** `inflow models`: the model catalog, downloads and installed models. */
export const command: CliCommand = {
  name: 'models',
  summary: 'list, download (pull), add your own GGUF and remove local models',
  usage,
  async run(context, args) {
    const { values, positionals } = parseArgs({
      args,
      allowPositionals: true,
      options: {
        url: { type: 'string' },
        force: { type: 'boolean' },
        copy: { type: 'boolean' },
        link: { type: 'boolean' },
        name: { type: 'string' },
      },
    });
    const [action = 'list', id] = positionals;
    const backend = await context.backend();
    const modelsDir = backend.paths.models;
    switch (action) {
      case 'list': {
        const installed = listInstalledModels(modelsDir);
        const budget = await measuredBudget();
        const rows = [
          ...modelCatalog.map((entry) => {
            const fit = estimateFit({
              modelBytes: entry.approxBytes,
              kvBytes: entry.approxBytes * 0.1,
              budget,
              useGpu: budget.vramTotal > 0,
              label: entry.name,
            });
            return {
              id: entry.id,
              name: entry.name,
              bytes: entry.approxBytes,
              installed: installed.some((model) => model.id === entry.id),
              fits: fit.fits,
              recommended: entry.recommended === true,
              description: entry.description,
            };
          }),
          ...installed
            .filter((model) => !modelCatalog.some((entry) => entry.id === model.id))
            .map((model) => ({
              id: model.id,
              name: model.id,
              bytes: model.bytes,
              installed: true,
              fits: true,
              recommended: false,
              description: model.source,
            })),
        ];
        if (context.json) {
          context.printJson({ modelsDir, models: rows });
          return;
        }
        for (const row of rows) {
          const status = row.installed ? 'installed' : row.fits ? '' : 'too large';
          context.print(
            `${row.installed ? '*' : ' '} ${row.id.padEnd(32)} ${formatBytes(row.bytes).padStart(7)}  ${status.padEnd(9)}  ${row.description}${row.recommended ? ' (recommended)' : ''}`,
          );
        }
        context.print('');
        context.print(`Models folder: ${modelsDir} (${formatBytes(freeDiskBytes(modelsDir))} free). Download one with "inflow models pull ID".`);
        return;
      }
      case 'pull': {
        if (id === undefined) throw new InflowError('USAGE', 'Name the model to pull.', { hint: usage });
        // Asking for this download by name allows it (feature model-downloads, for this command only); it is logged.
        backend.network.grant('model-downloads');
        const result = await pullModel({
          fetch: backend.network.fetcher('model-downloads'),
          modelsDir,
          id,
          signal: context.signal,
          budget: await measuredBudget(),
          onProgress: progressPrinter(context, id),
          onVerify: () => {
            if (!context.json) context.stderr.write(`Verifying ${id}...\n`);
          },
          ...(values.url === undefined ? {} : { url: values.url }),
          ...(values.force === true ? { force: true } : {}),
        });
        if (context.json) context.printJson(result);
        else if (result.alreadyInstalled) context.print(`${id} is already installed.`);
        else
          context.print(
            `Installed ${id} (${formatBytes(result.model.bytes)}${result.resumed ? ', resumed' : ''}). Try: inflow chat --model ${id} "Hello"`,
          );
        return;
      }
      case 'add': {
        if (id === undefined) throw new InflowError('USAGE', 'Name the GGUF file to add.', { hint: usage });
        if (values.copy === true && values.link === true) throw new InflowError('USAGE', '--copy and --link exclude each other.', { hint: usage });
        const result = await addModelFile({
          modelsDir,
          file: id,
          mode: values.copy === true ? 'copy' : 'link',
          signal: context.signal,
          ...(values.name === undefined ? {} : { name: values.name }),
        });
        const where = result.model.path ?? `${modelsDir}/${result.model.file}`;
        if (context.json) context.printJson(result);
        else if (result.alreadyInstalled) context.print(`${where} is already installed as ${result.model.id}.`);
        else
          context.print(
            `Added ${result.model.id} (${formatBytes(result.model.bytes)}, ${result.model.path === undefined ? 'copied to' : 'used in place at'} ${where}). Try: inflow chat --model ${result.model.id} "Hello"`,
          );
        return;
      }
      case 'rm':
      case 'remove': {
        if (id === undefined) throw new InflowError('USAGE', 'Name the model to remove.', { hint: usage });
        const removed = removeInstalledModel(modelsDir, id);
        if (context.json) context.printJson({ removed });
        else if (removed.path !== undefined) context.print(`Removed ${id} from the installed models; the file ${removed.path} was left in place.`);
        else context.print(`Removed ${id} (${formatBytes(removed.bytes)} freed).`);
        return;
      }
      default:
        throw new InflowError('USAGE', `Unknown action "${action}".`, { hint: usage });
    }
  },
};
