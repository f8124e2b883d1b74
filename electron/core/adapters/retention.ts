import fs from 'node:fs';
import path from 'node:path';
import type { AdapterRecord, AdapterRegistry } from './adapter-registry.ts';
import type { TrainingStore } from '../training/training-store.ts';

/**
 * Which adapter files and trainer states stay on disk. Adapters of each base model: the promoted one, the best by
 * held-out accuracy, those the rollback history can return to, the one an unfinished run resumes from and the one
 * it started from (its KL reference), and the last `keepLast` versions; the others' files are deleted (their rows
 * stay, as history). Trainer states (optimizer checkpoints, ~3× an adapter): only the last one of each unfinished
 * run (running, paused, or failed, which `train --resume` also continues); every state of a finished run (completed,
 * cancelled) goes. Applied after each training run, failed ones included, and by `inflow adapters gc`; Settings shows
 * the rule and what it would free.
 */
export const retentionRule = { keepLast: 3 } as const;

/** The stores the rule reads: the back end's (backend.ts), passed by every caller. */
export interface RetentionStores {
  adapters: AdapterRegistry;
  training: TrainingStore;
}

export interface RetentionPlan {
  adapters: Array<{ adapter: AdapterRecord; bytes: number }>;
  states: Array<{ trainingRunId: string; step: number; path: string; bytes: number }>;
  bytes: number;
}

const size = (file: string): number => {
  try {
    return fs.statSync(file).size;
  } catch {
    return 0;
  }
};

/** Adapter ids the rollback history can still return to (replay as registry.rollback does). */
function rollbackStack(registry: AdapterRegistry, baseModel: string): Set<string> {
  const stack: Array<string | null> = [];
  for (const event of registry.events(baseModel)) {
    if (event.action === 'rollback') stack.pop();
    else stack.push(event.adapter_id);
  }
  return new Set(stack.filter((id): id is string => id !== null));
}

/** What the rule would delete now (files that still exist). */
export function planRetention(stores: RetentionStores, options: { keepLast?: number } = {}): RetentionPlan {
  const keepLast = options.keepLast ?? retentionRule.keepLast;
  const { adapters: registry, training } = stores;
  const resumeAdapters = new Set<string>();
  const startAdapters = new Set<string>();
  const latestState = new Map<string, number>();
  for (const run of training.unfinishedRuns()) {
    latestState.set(run.id, run.lastCompletedStep);
    const checkpoint = training.checkpoint(run.id, run.lastCompletedStep);
    if (checkpoint?.adapterId != null) resumeAdapters.add(checkpoint.adapterId);
    // the adapter the run started from is its KL reference on every resume
    if (run.initAdapter !== null) startAdapters.add(path.resolve(run.initAdapter));
  }
  const adapters: RetentionPlan['adapters'] = [];
  for (const baseModel of registry.baseModels()) {
    const keep = new Set<string>([...rollbackStack(registry, baseModel), ...resumeAdapters]);
    const active = registry.active(baseModel);
    const best = registry.best(baseModel);
    if (active !== null) keep.add(active.id);
    if (best !== null) keep.add(best.id);
    const versions = registry.list(baseModel).sort((a, b) => b.version - a.version);
    for (const adapter of versions.slice(0, keepLast)) keep.add(adapter.id);
    for (const adapter of versions) if (startAdapters.has(path.resolve(adapter.path))) keep.add(adapter.id);
    for (const adapter of versions) if (!keep.has(adapter.id) && fs.existsSync(adapter.path)) adapters.push({ adapter, bytes: size(adapter.path) });
  }
  const states: RetentionPlan['states'] = [];
  for (const row of training.stateFiles()) {
    if (latestState.get(row.trainingRunId) === row.step) continue;
    if (fs.existsSync(row.statePath))
      states.push({ trainingRunId: row.trainingRunId, step: row.step, path: row.statePath, bytes: size(row.statePath) });
  }
  return { adapters, states, bytes: [...adapters, ...states].reduce((sum, item) => sum + item.bytes, 0) };
}

/** Deletes what the plan names; returns it (with `bytes` freed). Rows stay: the history of versions and steps. */
export function applyRetention(stores: RetentionStores, options: { keepLast?: number } = {}): RetentionPlan {
  const plan = planRetention(stores, options);
  for (const { adapter } of plan.adapters) fs.rmSync(adapter.path, { force: true });
  for (const state of plan.states) fs.rmSync(state.path, { force: true });
  return plan;
}
