import os from 'node:os';
import { parseArgs } from 'node:util';
import { serializeError } from '../../core/errors.ts';
import { getEngine } from '../../core/llm/engine.ts';
import { formatBytes, freeDiskBytes } from '../../core/models/hardware-fit.ts';
import { listInstalledModels } from '../../core/models/model-registry.ts';
import { trainerStatus } from '../../core/training/trainer/trainer-status.ts';
import type { CliCommand } from '../command.ts';
import { ExitCode } from '../exit-codes.ts';
import { printEgress } from '../egress-table.ts';
import { schemaVersion } from '../../core/store/database.ts';

/** `inflow doctor`: what this machine offers Inflow, and what is missing. */
export const command: CliCommand = {
  name: 'doctor',
  summary: 'check Node, the compute backend, GPU and VRAM, the data directory and installed models',
  usage:
    'Usage: inflow doctor [--cpu] [--egress [--limit N]] [--json]\n  --cpu      check the CPU backend only (skip GPU detection)\n  --egress   what left this computer: the network log (time, feature, host, bytes), newest first (default 50 rows)',
  async run(context, args) {
    const { values } = parseArgs({ args, options: { cpu: { type: 'boolean' }, egress: { type: 'boolean' }, limit: { type: 'string' } } });
    const backend = await context.backend();
    if (values.egress === true) return printEgress(context, backend.egress, values.limit, command.usage);
    let engine: Record<string, unknown>;
    let engineOk = true;
    try {
      const info = await (await getEngine({ gpu: values.cpu === true ? false : 'auto' })).info();
      engine = { ...info };
    } catch (error) {
      engineOk = false;
      engine = { error: serializeError(error) };
    }
    const models = listInstalledModels(backend.paths.models);
    const report = {
      node: process.versions.node,
      platform: `${process.platform}-${process.arch}`,
      cpus: os.cpus().length,
      ramBytes: os.totalmem(),
      ramFreeBytes: os.freemem(),
      dataDir: backend.paths.dataDir,
      diskFreeBytes: freeDiskBytes(backend.paths.dataDir),
      schemaVersion: schemaVersion(backend.db),
      engine,
      modelsDir: backend.paths.models,
      models: models.map((model) => ({ id: model.id, bytes: model.bytes })),
      trainer: trainerStatus(backend.paths.dataDir, backend),
    };
    if (context.json) context.printJson(report);
    else {
      const row = (key: string, value: string) => context.print(`${key.padEnd(14)} ${value}`);
      row('node', `${report.node} (${report.platform}, ${report.cpus} CPUs)`);
      row('ram', `${formatBytes(report.ramBytes)} (${formatBytes(report.ramFreeBytes)} free)`);
      if (engineOk) {
        const info = engine as { backend: string; gpuDevices: string[]; vram: { total: number; free: number }; llamaCppRelease: string };
        row('backend', `${info.backend} (llama.cpp ${info.llamaCppRelease})`);
        row('gpu', info.gpuDevices.length === 0 ? 'none' : info.gpuDevices.join(', '));
        row('vram', info.vram.total === 0 ? '-' : `${formatBytes(info.vram.total)} (${formatBytes(info.vram.free)} free)`);
      } else {
        row('backend', `NOT AVAILABLE: ${(engine.error as { message: string }).message}`);
      }
      row('data dir', `${report.dataDir} (${formatBytes(report.diskFreeBytes)} free)`);
      row('database', `schema v${String(report.schemaVersion)}`);
      const trainer = report.trainer;
      row('trainer', trainer.addon.found ? `${trainer.addon.kind} (${trainer.addon.dir})` : `NOT AVAILABLE: ${trainer.addon.problem}`);
      row(
        'gpu check',
        trainer.selfChecks.length === 0
          ? 'not run yet (runs before the first training on a GPU)'
          : trainer.selfChecks
              .map(
                (c) =>
                  `${c.passed ? 'passed' : 'FAILED'} on ${c.device} (${c.checkedAt.slice(0, 10)}${c.passed ? `, step ${c.deviceStepSeconds?.toFixed(2)} s vs CPU ${c.cpuStepSeconds?.toFixed(2)} s` : `: ${c.reason ?? ''}; training uses the CPU`})`,
              )
              .join('; '),
      );
      row(
        'disk rule',
        `keeps promoted, best and last ${trainer.retention.keepLast} adapters; ${formatBytes(trainer.retention.reclaimableBytes)} reclaimable ("inflow adapters gc")`,
      );
      const allowed = Object.entries(backend.settings.read().privacy)
        .filter(([, on]) => on)
        .map(([name]) => name);
      row(
        'network',
        `${allowed.length === 0 ? 'nothing allowed (Settings → Privacy)' : `allowed: ${allowed.join(', ')}`}; ${backend.egress.count()} requests logged (inflow doctor --egress)`,
      );
      row(
        'models',
        models.length === 0 ? 'none installed: run "inflow models pull qwen2.5-3b-instruct-q4_k_m"' : models.map((model) => model.id).join(', '),
      );
    }
    return engineOk ? ExitCode.ok : ExitCode.failure;
  },
};
