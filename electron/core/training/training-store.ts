import type { Database } from '../store/database.ts';
import { decodeFloats, decodeTokens } from '../store/blobs.ts';
import { InflowError } from '../errors.ts';
import { newId } from '../store/ids.ts';
import { RewardStore } from '../store/reward-store.ts';
import { storedTrainingConfig, type TrainingConfig } from './flow-grpo/training-config.ts';
import type { StepMetrics, StoredTurnSample, TrainingRunRecord, TrainingStatus } from './training-records.ts';

export type { StepMetrics, StoredTurnSample, TrainingRunRecord, TrainingStatus } from './training-records.ts';

/**
 * Training runs, their per-step metrics and checkpoints, rollout groups and turn samples. `commitStep` is the
 * one transaction that makes a step count: metrics, checkpoint, samples marked consumed, groups consumed and
 * `last_completed_step` move together, so a process killed at any moment resumes from a consistent step.
 */
export class TrainingStore {
  readonly db: Database;
  private readonly rewards: RewardStore;

  constructor(db: Database) {
    this.db = db;
    this.rewards = new RewardStore(db);
  }

  /** Replaces a run's stored configuration (a resumed run with a new judge or schedule). */
  setConfig(id: string, config: TrainingConfig): void {
    this.db.prepare('UPDATE training_runs SET config = ? WHERE id = ?').run(JSON.stringify(config), id);
  }

  /** Training runs with their dataset's name, newest first (or the one run `id`), as database rows. */
  runRowsWithDataset(id?: string): Record<string, unknown>[] {
    const select = 'SELECT tr.*, d.name AS dataset_name FROM training_runs tr LEFT JOIN datasets d ON d.id = tr.dataset_id';
    return (
      id === undefined
        ? this.db.prepare(`${select} ORDER BY tr.created_at DESC, tr.rowid DESC`).all()
        : this.db.prepare(`${select} WHERE tr.id = ?`).all(id)
    ) as Record<string, unknown>[];
  }

  /** A run's committed steps with their metrics as stored (JSON text), in step order. */
  stepRows(id: string): Array<{ step: number; createdAt: number; metrics: string }> {
    return (
      this.db.prepare('SELECT step, created_at, metrics FROM training_steps WHERE training_run_id = ? ORDER BY step').all(id) as Array<{
        step: number;
        created_at: number;
        metrics: string;
      }>
    ).map((row) => ({ step: row.step, createdAt: row.created_at, metrics: row.metrics }));
  }

  /**
   * The rollouts of a training run (or of all), for the JSONL export: run, task and group columns with the latest
   * reward, in step order.
   */
  exportRollouts(trainingRunId?: string): Iterable<Record<string, unknown>> {
    const filter = trainingRunId === undefined ? '' : 'WHERE g.training_run_id = @run';
    return this.db
      .prepare(
        `SELECT r.id, r.group_id, r.answer, r.stop_reason, r.planner_adapter_id, t.question, t.expected_answer, g.training_run_id, g.step,
        (SELECT value FROM rewards w WHERE w.run_id = r.id ORDER BY w.id DESC LIMIT 1) AS reward
      FROM rollout_groups g JOIN runs r ON r.group_id = g.id JOIN tasks t ON t.id = r.task_id ${filter}
      ORDER BY g.step, g.created_at, r.created_at, r.rowid`,
      )
      .iterate(trainingRunId === undefined ? {} : { run: trainingRunId }) as Iterable<Record<string, unknown>>;
  }

  /** A run's planner turns with their sample's advantage (null when not a turn sample), for the JSONL export. */
  exportPlannerTurns(runId: string): Record<string, unknown>[] {
    return this.db
      .prepare(
        `SELECT c.id, c.prompt_text, c.response_text, c.prompt_tokens, c.response_tokens, c.response_logprobs, c.step_idx, s.advantage
      FROM module_calls c LEFT JOIN turn_samples s ON s.module_call_id = c.id WHERE c.run_id = ? AND c.module = 'planner' ORDER BY c.id`,
      )
      .all(runId) as Record<string, unknown>[];
  }

  /** Runs not finished yet (running, paused, or failed: all three resume) with their last committed step. */
  unfinishedRuns(): Array<{ id: string; lastCompletedStep: number; initAdapter: string | null }> {
    const rows = this.db
      .prepare("SELECT id, last_completed_step AS lastCompletedStep, config FROM training_runs WHERE status IN ('running', 'paused', 'failed')")
      .all() as Array<{ id: string; lastCompletedStep: number; config: string | null }>;
    return rows.map(({ id, lastCompletedStep, config }) => {
      const initAdapter = (config === null ? {} : (JSON.parse(config) as { initAdapter?: unknown })).initAdapter;
      return { id, lastCompletedStep, initAdapter: typeof initAdapter === 'string' ? initAdapter : null };
    });
  }

  /** Every checkpoint's trainer state file. */
  stateFiles(): Array<{ trainingRunId: string; step: number; statePath: string }> {
    return this.db.prepare('SELECT training_run_id AS trainingRunId, step, state_path AS statePath FROM training_checkpoints').all() as Array<{
      trainingRunId: string;
      step: number;
      statePath: string;
    }>;
  }

  /** The dataset an adapter was trained on (through its training run), or undefined. */
  datasetOfAdapter(adapterId: string): { name: string; source: string | null } | undefined {
    return this.db
      .prepare(
        `SELECT d.name AS name, d.source AS source FROM adapters a JOIN training_runs t ON t.id = a.training_run_id
      JOIN datasets d ON d.id = t.dataset_id WHERE a.id = ?`,
      )
      .get(adapterId) as { name: string; source: string | null } | undefined;
  }

  createRun(input: { datasetId: string; baseModel: string; config: TrainingConfig }): TrainingRunRecord {
    const id = newId('train');
    this.db
      .prepare('INSERT INTO training_runs (id, created_at, dataset_id, base_model, config) VALUES (?, ?, ?, ?, ?)')
      .run(id, Date.now(), input.datasetId, input.baseModel, JSON.stringify(input.config));
    return this.getRun(id);
  }

  getRun(id: string): TrainingRunRecord {
    const row = this.db.prepare('SELECT * FROM training_runs WHERE id = ?').get(id) as Record<string, unknown> | undefined;
    if (row === undefined)
      throw new InflowError('TRAINING_RUN_NOT_FOUND', `No training run "${id}".`, { hint: 'List runs with `inflow train --list`.' });
    return toRun(row);
  }

  listRuns(): TrainingRunRecord[] {
    return (this.db.prepare('SELECT * FROM training_runs ORDER BY created_at DESC, rowid DESC').all() as Record<string, unknown>[]).map(toRun);
  }

  /** The newest run that did not finish (killed, failed or paused), to resume. */
  latestUnfinished(): TrainingRunRecord | undefined {
    return this.listRuns().find((r) => r.status === 'running' || r.status === 'paused' || r.status === 'failed');
  }

  setStatus(id: string, status: TrainingStatus, error: string | null = null): void {
    const ended = status === 'running' || status === 'paused' ? null : Date.now();
    this.db.prepare('UPDATE training_runs SET status = ?, error = ?, ended_at = ? WHERE id = ?').run(status, error, ended, id);
  }

  stepMetrics(id: string): Array<{ step: number; createdAt: number; metrics: StepMetrics }> {
    return (this.db.prepare('SELECT * FROM training_steps WHERE training_run_id = ? ORDER BY step').all(id) as Record<string, unknown>[]).map(
      (row) => ({ step: row.step as number, createdAt: row.created_at as number, metrics: JSON.parse(row.metrics as string) as StepMetrics }),
    );
  }

  /** Records step 0 (the base model's held-out accuracy) once. */
  recordBaseline(id: string, metrics: StepMetrics): void {
    this.db
      .prepare('INSERT OR IGNORE INTO training_steps (training_run_id, step, created_at, metrics) VALUES (?, 0, ?, ?)')
      .run(id, Date.now(), JSON.stringify(metrics));
  }

  checkpoint(id: string, step: number): { statePath: string; adapterId: string | null } | undefined {
    const row = this.db.prepare('SELECT state_path, adapter_id FROM training_checkpoints WHERE training_run_id = ? AND step = ?').get(id, step) as
      { state_path: string; adapter_id: string | null } | undefined;
    return row === undefined ? undefined : { statePath: row.state_path, adapterId: row.adapter_id };
  }

  /** The latest checkpoint at or before `step` that wrote an adapter (its LoRA weights are the run's at `step`). */
  latestAdapterCheckpoint(id: string, step: number): { step: number; adapterId: string } | undefined {
    const row = this.db
      .prepare(
        'SELECT step, adapter_id FROM training_checkpoints WHERE training_run_id = ? AND step <= ? AND adapter_id IS NOT NULL ORDER BY step DESC LIMIT 1',
      )
      .get(id, step) as { step: number; adapter_id: string } | undefined;
    return row === undefined ? undefined : { step: row.step, adapterId: row.adapter_id };
  }

  /** Finds this step's group for a dataset item (not discarded), or creates it with a fresh task. */
  groupFor(input: { trainingRunId: string; step: number; datasetItemId: number; createTask: () => string }): {
    id: string;
    taskId: string;
    status: string;
  } {
    const existing = this.db
      .prepare(
        `SELECT id, task_id, status FROM rollout_groups WHERE training_run_id = ? AND step = ? AND dataset_item_id = ?
      AND status <> 'discarded' ORDER BY created_at DESC LIMIT 1`,
      )
      .get(input.trainingRunId, input.step, input.datasetItemId) as { id: string; task_id: string; status: string } | undefined;
    if (existing !== undefined) return { id: existing.id, taskId: existing.task_id, status: existing.status };
    const id = newId('grp');
    const taskId = input.createTask();
    this.db
      .prepare('INSERT INTO rollout_groups (id, training_run_id, step, dataset_item_id, task_id, created_at) VALUES (?, ?, ?, ?, ?, ?)')
      .run(id, input.trainingRunId, input.step, input.datasetItemId, taskId, Date.now());
    return { id, taskId, status: 'collecting' };
  }

  /** Finished rollouts of a group that a restart may reuse: ended normally (not interrupted), with a reward. */
  finishedRollouts(groupId: string): Array<{ runId: string; reward: number }> {
    return this.db
      .prepare(
        `SELECT r.id AS runId, (SELECT value FROM rewards w WHERE w.run_id = r.id ORDER BY w.id DESC LIMIT 1) AS reward
      FROM runs r WHERE r.group_id = ? AND r.kind = 'rollout' AND r.status = 'ended' AND r.stop_reason NOT IN ('interrupted', 'cancelled')
      AND EXISTS (SELECT 1 FROM rewards w WHERE w.run_id = r.id) ORDER BY r.created_at, r.rowid`,
      )
      .all(groupId) as Array<{ runId: string; reward: number }>;
  }

  /** Rollouts that ended normally but whose reward was not stored (the process died in between). */
  unscoredRollouts(groupId: string): Array<{ runId: string; answer: string | null }> {
    return this.db
      .prepare(
        `SELECT r.id AS runId, r.answer FROM runs r WHERE r.group_id = ? AND r.kind = 'rollout' AND r.status = 'ended'
      AND r.stop_reason NOT IN ('interrupted', 'cancelled') AND NOT EXISTS (SELECT 1 FROM rewards w WHERE w.run_id = r.id) ORDER BY r.created_at, r.rowid`,
      )
      .all(groupId) as Array<{ runId: string; answer: string | null }>;
  }

  /** Stores a finished rollout's reward and its planner turn samples, in one transaction (idempotent per call). */
  recordRollout(input: { groupId: string; runId: string; reward: { value: number; source: string; details: Record<string, unknown> } }): number {
    return this.db.transaction(() => {
      this.rewards.add(input.runId, input.reward);
      return this.db
        .prepare(
          `INSERT OR IGNORE INTO turn_samples (group_id, run_id, module_call_id, reward)
        SELECT ?, run_id, id, ? FROM module_calls WHERE run_id = ? AND module = 'planner'
        AND prompt_tokens IS NOT NULL AND response_tokens IS NOT NULL AND length(response_tokens) > 0`,
        )
        .run(input.groupId, input.reward.value, input.runId).changes;
    })();
  }

  markGroup(groupId: string, status: 'complete' | 'discarded', stats: Record<string, unknown> = {}): void {
    this.db.prepare('UPDATE rollout_groups SET status = ?, stats = ? WHERE id = ?').run(status, JSON.stringify(stats), groupId);
  }

  /** Groups of a step in creation order. */
  groupsOfStep(trainingRunId: string, step: number): Array<{ id: string; status: string; datasetItemId: number | null }> {
    return this.db
      .prepare(
        `SELECT id, status, dataset_item_id AS datasetItemId FROM rollout_groups WHERE training_run_id = ? AND step = ? ORDER BY created_at, rowid`,
      )
      .all(trainingRunId, step) as Array<{ id: string; status: string; datasetItemId: number | null }>;
  }

  /** Turn samples of a group with their tokens (runs in creation order, calls in order). */
  samplesOfGroup(groupId: string): StoredTurnSample[] {
    const rows = this.db
      .prepare(
        `SELECT s.id, s.group_id, s.run_id, s.reward, s.advantage, c.prompt_tokens, c.response_tokens, c.response_logprobs
      FROM turn_samples s JOIN module_calls c ON c.id = s.module_call_id WHERE s.group_id = ? ORDER BY s.id`,
      )
      .all(groupId) as Record<string, unknown>[];
    return rows.map((row) => ({
      id: row.id as number,
      groupId: row.group_id as string,
      runId: row.run_id as string,
      reward: row.reward as number,
      advantage: row.advantage as number | null,
      promptTokens: decodeTokens(row.prompt_tokens as Uint8Array) ?? [],
      responseTokens: decodeTokens(row.response_tokens as Uint8Array) ?? [],
      responseLogprobs: decodeFloats(row.response_logprobs as Uint8Array | null) ?? [],
    }));
  }

  setAdvantages(values: ReadonlyArray<{ id: number; advantage: number }>): void {
    const update = this.db.prepare('UPDATE turn_samples SET advantage = ? WHERE id = ? AND consumed_step IS NULL');
    this.db.transaction(() => {
      for (const v of values) update.run(v.advantage, v.id);
    })();
  }

  /** How many times each turn sample has been trained on (for the "never twice" guarantee and its test). */
  consumedCounts(trainingRunId: string): { samples: number; consumed: number } {
    return this.db
      .prepare(
        `SELECT COUNT(*) AS samples, COUNT(s.consumed_step) AS consumed FROM turn_samples s
      JOIN rollout_groups g ON g.id = s.group_id WHERE g.training_run_id = ?`,
      )
      .get(trainingRunId) as { samples: number; consumed: number };
  }

  /**
   * Makes step `step` count, atomically: metrics, checkpoint, its groups and samples consumed, the run's
   * last completed step; `extra` runs first inside the same transaction (adapter registration and promotion) and returns the adapter id
   * the checkpoint goes with.
   */
  /** Adds a warning to a committed step's metrics (a run that ended without learning says why). */
  addStepWarning(id: string, step: number, warning: string): void {
    const row = this.db.prepare('SELECT metrics FROM training_steps WHERE training_run_id = ? AND step = ?').get(id, step) as
      { metrics: string } | undefined;
    if (row === undefined) return;
    this.db
      .prepare('UPDATE training_steps SET metrics = ? WHERE training_run_id = ? AND step = ?')
      .run(JSON.stringify({ ...(JSON.parse(row.metrics) as StepMetrics), warning }), id, step);
  }

  commitStep(input: {
    trainingRunId: string;
    step: number;
    metrics: StepMetrics;
    statePath: string;
    adapterId: string | null;
    extra?: () => string | null;
  }): void {
    this.db
      .transaction(() => {
        const adapterId = input.extra === undefined ? input.adapterId : input.extra();
        this.db
          .prepare('INSERT OR REPLACE INTO training_steps (training_run_id, step, created_at, metrics) VALUES (?, ?, ?, ?)')
          .run(input.trainingRunId, input.step, Date.now(), JSON.stringify(input.metrics));
        this.db
          .prepare('INSERT OR REPLACE INTO training_checkpoints (training_run_id, step, state_path, adapter_id, created_at) VALUES (?, ?, ?, ?, ?)')
          .run(input.trainingRunId, input.step, input.statePath, adapterId, Date.now());
        this.db
          .prepare(
            `UPDATE turn_samples SET consumed_step = ? WHERE consumed_step IS NULL AND group_id IN
        (SELECT id FROM rollout_groups WHERE training_run_id = ? AND step = ? AND status = 'complete')`,
          )
          .run(input.step, input.trainingRunId, input.step);
        this.db
          .prepare("UPDATE rollout_groups SET status = 'consumed' WHERE training_run_id = ? AND step = ? AND status = 'complete'")
          .run(input.trainingRunId, input.step);
        this.db
          .prepare("UPDATE rollout_groups SET status = 'discarded' WHERE training_run_id = ? AND step = ? AND status = 'collecting'")
          .run(input.trainingRunId, input.step);
        this.db.prepare('UPDATE training_runs SET last_completed_step = ? WHERE id = ?').run(input.step, input.trainingRunId);
      })
      .immediate();
  }
}

function toRun(row: Record<string, unknown>): TrainingRunRecord {
  return {
    id: row.id as string,
    createdAt: row.created_at as number,
    endedAt: row.ended_at as number | null,
    status: row.status as TrainingStatus,
    datasetId: row.dataset_id as string | null,
    baseModel: row.base_model as string,
    config: storedTrainingConfig(JSON.parse(row.config as string) as Partial<TrainingConfig>),
    lastCompletedStep: row.last_completed_step as number,
    error: row.error as string | null,
  };
}
