import type { Migration } from './index.ts';

/**
 * Flow-GRPO bookkeeping on top of 0010's training_runs/training_steps/adapters: the rollout groups of each
 * step (so a restarted run reuses finished groups and never trains on a sample twice), the planner turn
 * samples with their reward and advantage, the trainer checkpoints a run resumes from,
 * and the history of which adapter was active (for rollback).
 */
export const migration0030: Migration = {
  version: 30,
  name: 'training',
  up(db) {
    db.exec(`
      CREATE TABLE rollout_groups (
        id TEXT PRIMARY KEY,
        training_run_id TEXT NOT NULL REFERENCES training_runs(id) ON DELETE CASCADE,
        step INTEGER NOT NULL,
        dataset_item_id INTEGER REFERENCES dataset_items(id) ON DELETE SET NULL,
        task_id TEXT NOT NULL REFERENCES tasks(id) ON DELETE CASCADE,
        status TEXT NOT NULL DEFAULT 'collecting',  -- collecting | complete | consumed | discarded
        created_at INTEGER NOT NULL,
        stats TEXT NOT NULL DEFAULT '{}'
      ) STRICT;
      CREATE INDEX rollout_groups_step ON rollout_groups(training_run_id, step);

      CREATE TABLE turn_samples (
        id INTEGER PRIMARY KEY,
        group_id TEXT NOT NULL REFERENCES rollout_groups(id) ON DELETE CASCADE,
        run_id TEXT NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
        module_call_id INTEGER NOT NULL REFERENCES module_calls(id) ON DELETE CASCADE,
        reward REAL NOT NULL,
        advantage REAL,
        consumed_step INTEGER,
        UNIQUE (module_call_id)
      ) STRICT;
      CREATE INDEX turn_samples_group ON turn_samples(group_id);

      CREATE TABLE training_checkpoints (
        training_run_id TEXT NOT NULL REFERENCES training_runs(id) ON DELETE CASCADE,
        step INTEGER NOT NULL,
        state_path TEXT NOT NULL,
        adapter_id TEXT REFERENCES adapters(id) ON DELETE SET NULL,
        created_at INTEGER NOT NULL,
        PRIMARY KEY (training_run_id, step)
      ) STRICT;

      CREATE TABLE adapter_events (
        id INTEGER PRIMARY KEY,
        base_model TEXT NOT NULL,
        adapter_id TEXT REFERENCES adapters(id) ON DELETE SET NULL,  -- null: the base model alone
        action TEXT NOT NULL,            -- promote | rollback | base
        created_at INTEGER NOT NULL
      ) STRICT;
      CREATE INDEX adapter_events_base ON adapter_events(base_model, id);
    `);
  },
};
