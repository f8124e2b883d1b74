import path from 'node:path';
import { resourcesDir } from '../paths.ts';

/** A benchmark Inflow knows by name: the AgentFlow paper's evaluation sets. */
export interface BenchmarkInfo {
  name: string;
  title: string;
  file: string;
  domain: 'search' | 'agentic' | 'math' | 'science';
  /** The item field that splits results into categories (GAIA's Level). */
  categoryField?: string;
}

export const benchmarkCatalog: readonly BenchmarkInfo[] = [
  { name: 'bamboogle', title: 'Bamboogle', file: 'bamboogle.json', domain: 'search' },
  { name: '2wiki', title: '2Wiki', file: '2wiki.json', domain: 'search' },
  { name: 'hotpotqa', title: 'HotpotQA', file: 'hotpotqa.json', domain: 'search' },
  { name: 'musique', title: 'Musique', file: 'musique.json', domain: 'search' },
  { name: 'gaia', title: 'GAIA', file: 'gaia.json', domain: 'agentic', categoryField: 'Level' },
  { name: 'aime24', title: 'AIME24', file: 'aime24.json', domain: 'math' },
  { name: 'amc23', title: 'AMC23', file: 'amc23.json', domain: 'math' },
  { name: 'gameof24', title: 'Game of 24', file: 'gameof24.json', domain: 'math' },
  { name: 'medqa', title: 'MedQA', file: 'medqa.json', domain: 'science' },
];

/** Environment variable naming another folder of benchmark files. */
export const BENCHMARKS_DIR_ENV = 'INFLOW_BENCHMARKS_DIR';

/** The benchmark files that ship with Inflow (resources/benchmarks: source and licences in its README.md). */
export const shippedBenchmarksDir = path.join(resourcesDir, 'benchmarks');

/** Where named benchmarks are read from: the option, else INFLOW_BENCHMARKS_DIR, else the shipped resources/benchmarks. */
export function resolveBenchmarksDir(explicit?: string, env: NodeJS.ProcessEnv = process.env): string {
  if (explicit !== undefined && explicit !== '') return path.resolve(explicit);
  const fromEnv = env[BENCHMARKS_DIR_ENV];
  if (fromEnv !== undefined && fromEnv !== '') return path.resolve(fromEnv);
  return shippedBenchmarksDir;
}

/** The catalog entry for a name ("GAIA", "game-of-24" and "gameof24" all work); undefined when unknown. */
export function findBenchmark(name: string): BenchmarkInfo | undefined {
  const key = name.toLowerCase().replace(/[\s_-]+/g, '');
  return benchmarkCatalog.find((b) => b.name === key || b.title.toLowerCase().replace(/\s+/g, '') === key);
}
