import os from 'node:os';
import type { HardwareSummary } from '../contract/app.ts';

/**
 * What the machine offers for local models: the compute backend node-llama-cpp picks, GPU name and VRAM,
 * CPU and memory. `gpu: false` probes the CPU build only (tests, machines without drivers).
 */
export async function probeHardware(options: { gpu: false | 'auto' }): Promise<HardwareSummary> {
  const base: HardwareSummary = {
    backend: 'cpu', gpuName: null, vramTotalBytes: null, vramFreeBytes: null,
    cpuModel: os.cpus()[0]?.model.trim() ?? 'unknown', cpuCores: os.availableParallelism(),
    memoryTotalBytes: os.totalmem(), memoryFreeBytes: os.freemem(), platform: process.platform, arch: process.arch, note: null,
  };
  try {
    const { getLlama } = await import('node-llama-cpp');
    const llama = await getLlama({ gpu: options.gpu, build: 'never', progressLogs: false });
    const backend = llama.gpu === false ? 'cpu' : llama.gpu;
    if (backend === 'cpu') return base;
    const vram = await llama.getVramState();
    const names = await llama.getGpuDeviceNames();
    return { ...base, backend, gpuName: names.join(', ') || null, vramTotalBytes: vram.total, vramFreeBytes: vram.free };
  } catch (error) {
    return { ...base, note: `The model engine could not be probed: ${error instanceof Error ? error.message : String(error)}` };
  }
}
