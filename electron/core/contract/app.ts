import { method } from './method.ts';
import { emptyInput } from './common.ts';

export interface HardwareSummary {
  /** Compute backend node-llama-cpp would use: cuda, metal, vulkan or cpu. */
  backend: string;
  gpuName: string | null;
  vramTotalBytes: number | null;
  vramFreeBytes: number | null;
  cpuModel: string;
  cpuCores: number;
  memoryTotalBytes: number;
  memoryFreeBytes: number;
  platform: string;
  arch: string;
  /** Set when the probe could not run (for example the engine is not installed); the rest is from the OS. */
  note: string | null;
}

export interface AppInfo {
  version: string;
  dataDir: string;
  databasePath: string;
  modelsDir: string;
  platform: string;
  /** Counts for the first-run screen: what the user has done so far. */
  counts: { runs: number; models: number; memory: number; datasets: number };
}

/** App-wide facts: version, where data lives, the machine. */
export const appContract = {
  info: method<AppInfo>()(emptyInput),
  hardware: method<HardwareSummary>()(emptyInput),
};
