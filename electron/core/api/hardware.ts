import os from 'node:os';
import type { HardwareSummary } from '../contract/app.ts';
import { getEngine } from '../llm/engine.ts';
import { systemBudget, type HardwareBudget } from '../models/hardware-fit.ts';

/**
 * What the machine offers for local models: the compute backend node-llama-cpp picks, GPU name and VRAM,
 * CPU and memory; read from the model engine itself (the one the app and the CLI load models with), so
 * the Models screen, `inflow models list` and `inflow doctor` see the same machine. `gpu: false` probes
 * the CPU build only (tests, machines without drivers).
 */
export async function probeHardware(options: { gpu: false | 'auto' }): Promise<HardwareSummary> {
  const base: HardwareSummary = {
    backend: 'cpu',
    gpuName: null,
    vramTotalBytes: null,
    vramFreeBytes: null,
    cpuModel: os.cpus()[0]?.model.trim() ?? 'unknown',
    cpuCores: os.availableParallelism(),
    memoryTotalBytes: os.totalmem(),
    memoryFreeBytes: os.freemem(),
    platform: process.platform,
    arch: process.arch,
    note: null,
  };
  try {
    const info = await (await getEngine({ gpu: options.gpu })).info();
    if (info.backend === 'CPU') return base;
    return {
      ...base,
      backend: info.backend.toLowerCase(),
      gpuName: info.gpuDevices.join(', ') || null,
      vramTotalBytes: info.vram.total,
      vramFreeBytes: info.vram.free,
    };
  } catch (error) {
    return { ...base, note: `The model engine could not be probed: ${error instanceof Error ? error.message : String(error)}` };
  }
}

/** What a model must fit in: RAM, plus the GPU's VRAM when the engine finds a GPU (RAM only without one). */
export async function measuredBudget(options: { gpu: false | 'auto' } = { gpu: 'auto' }): Promise<HardwareBudget> {
  const hardware = await probeHardware(options);
  return systemBudget({ total: hardware.vramTotalBytes ?? 0, free: hardware.vramFreeBytes ?? 0 });
}
