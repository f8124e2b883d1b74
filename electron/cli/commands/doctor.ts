import os from 'node:os';
import type { CliCommand } from '../command.ts';

export const command: CliCommand = {
  name: 'doctor',
  summary: 'check Node, the compute backend, GPU and VRAM, the data directory and installed models',
  usage: 'Usage: inflow doctor [--json]',
  async run(context) {
    const backend = await context.backend();
    const report = {
      node: process.versions.node,
      platform: `${process.platform}-${process.arch}`,
      cpus: os.cpus().length,
      ramBytes: os.totalmem(),
      dataDir: backend.paths.dataDir,
      schemaVersion: backend.db.pragma('user_version', { simple: true }),
    };
    if (context.json) context.printJson(report);
    else for (const [key, value] of Object.entries(report)) context.print(`${key.padEnd(14)} ${String(value)}`);
  },
};
