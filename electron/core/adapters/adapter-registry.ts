import fs from 'node:fs';
import type { Database } from '../store/database.ts';
import { InflowError } from '../errors.ts';
import { newId } from '../store/ids.ts';

export type AdapterStatus = 'candidate' | 'promoted' | 'archived';

export interface AdapterRecord {
  id: string;
  trainingRunId: string | null;
  parentId: string | null;
  version: number;
  createdAt: number;
  path: string;
  baseModel: string;
  status: AdapterStatus;
  /** Held-out accuracy (`heldoutAccuracy`), the step that wrote it, and whatever else was measured. */
  metrics: Record<string, unknown>;
}

export interface RegisterAdapterInput {
  path: string;
  baseModel: string;
  trainingRunId?: string | null;
  parentId?: string | null;
  metrics?: Record<string, unknown>;
}

/**
 * The LoRA adapters of each base model and which one is active. Every update writes a new versioned candidate;
 * promoting makes it the one the agent uses, rollback returns to the adapter active before, `useBase` to the
 * bare model. Each change is an `adapter_events` row, so the history survives restarts. Listeners (shared by every
 * registry on the same database) are called after each change so the running engine can hot-swap the adapter
 * (engine `setAdapter`).
 */
type ActiveListener = (baseModel: string, active: AdapterRecord | null) => void;

/** Listeners per database, so a promotion made through any registry instance (the training loop's, the CLI's)
 * reaches the engine that listens through another. */
const listenersByDb = new WeakMap<Database, Set<ActiveListener>>();

export class AdapterRegistry {
  readonly db: Database;
  private readonly listeners: Set<ActiveListener>;

  constructor(db: Database) {
    this.db = db;
    let listeners = listenersByDb.get(db);
    if (listeners === undefined) listenersByDb.set(db, (listeners = new Set()));
    this.listeners = listeners;
  }

  /** Stores a new candidate; its version is one more than the base model's latest. */
  register(input: RegisterAdapterInput): AdapterRecord {
    if (!fs.existsSync(input.path)) {
      throw new InflowError('ADAPTER_NOT_FOUND', `The adapter file ${input.path} does not exist.`, {
        hint: 'Write the GGUF adapter before registering it.',
      });
    }
    const id = newId('adp');
    this.db
      .transaction(() => {
        const { v } = this.db.prepare('SELECT COALESCE(MAX(version), 0) AS v FROM adapters WHERE base_model = ?').get(input.baseModel) as {
          v: number;
        };
        this.db
          .prepare(
            `INSERT INTO adapters (id, training_run_id, parent_id, version, created_at, path, base_model, status, metrics)
        VALUES (?, ?, ?, ?, ?, ?, ?, 'candidate', ?)`,
          )
          .run(
            id,
            input.trainingRunId ?? null,
            input.parentId ?? null,
            v + 1,
            Date.now(),
            input.path,
            input.baseModel,
            JSON.stringify(input.metrics ?? {}),
          );
      })
      .immediate();
    return this.get(id);
  }

  /**
   * An adapter by id, or by version ("v2" or "2") of `baseModel`; without a base model, a version is looked up
   * across base models and must name one adapter (else USAGE: name the model).
   */
  get(idOrVersion: string, baseModel?: string): AdapterRecord {
    const version = /^v?\d+$/.test(idOrVersion) ? Number(idOrVersion.replace(/^v/, '')) : undefined;
    let row: Record<string, unknown> | undefined;
    if (version !== undefined && baseModel !== undefined) {
      row = this.db.prepare('SELECT * FROM adapters WHERE base_model = ? AND version = ?').get(baseModel, version) as
        Record<string, unknown> | undefined;
    } else {
      row = this.db.prepare('SELECT * FROM adapters WHERE id = ?').get(idOrVersion) as Record<string, unknown> | undefined;
      if (row === undefined && version !== undefined) {
        const rows = this.db.prepare('SELECT * FROM adapters WHERE version = ? ORDER BY base_model').all(version) as Record<string, unknown>[];
        if (rows.length > 1) {
          throw new InflowError('USAGE', `Version v${version} exists for ${rows.length} base models.`, {
            hint: `Name the model with --model: ${rows.map((r) => String(r.base_model)).join(', ')}.`,
          });
        }
        row = rows[0];
      }
    }
    if (row === undefined) {
      throw new InflowError('ADAPTER_NOT_FOUND', `No adapter "${idOrVersion}".`, { hint: 'List adapters with `inflow adapters list`.' });
    }
    return toRecord(row);
  }

  list(baseModel?: string): AdapterRecord[] {
    const rows = (
      baseModel === undefined
        ? this.db.prepare('SELECT * FROM adapters ORDER BY base_model, version').all()
        : this.db.prepare('SELECT * FROM adapters WHERE base_model = ? ORDER BY version').all(baseModel)
    ) as Record<string, unknown>[];
    return rows.map(toRecord);
  }

  /** Merges measured figures (e.g. held-out accuracy) into an adapter's metrics. */
  updateMetrics(id: string, metrics: Record<string, unknown>): AdapterRecord {
    const current = this.get(id);
    this.db.prepare('UPDATE adapters SET metrics = ? WHERE id = ?').run(JSON.stringify({ ...current.metrics, ...metrics }), id);
    return this.get(id);
  }

  /** The base models that have adapters. */
  baseModels(): string[] {
    return (this.db.prepare('SELECT DISTINCT base_model FROM adapters').all() as Array<{ base_model: string }>).map((row) => row.base_model);
  }

  /** The promote / return-to-base / rollback history of a base model, oldest first. */
  events(baseModel: string): Array<{ adapter_id: string | null; action: string }> {
    return this.db.prepare('SELECT adapter_id, action FROM adapter_events WHERE base_model = ? ORDER BY id').all(baseModel) as Array<{
      adapter_id: string | null;
      action: string;
    }>;
  }

  /** The adapter the agent should use with this base model, or null for the bare model. */
  active(baseModel: string): AdapterRecord | null {
    const row = this.db.prepare('SELECT adapter_id FROM adapter_events WHERE base_model = ? ORDER BY id DESC LIMIT 1').get(baseModel) as
      { adapter_id: string | null } | undefined;
    return row?.adapter_id == null ? null : this.get(row.adapter_id);
  }

  /**
   * The adapter a planner of this base model runs with: the promoted one while its file is there, else null (the bare
   * model; the file may have been deleted by hand). The one rule for the app's agent and `inflow ask`.
   */
  usableActive(baseModel: string): AdapterRecord | null {
    const active = this.active(baseModel);
    return active !== null && fs.existsSync(active.path) ? active : null;
  }

  /** The adapter with the best held-out accuracy so far (ties: the older one), or null. */
  best(baseModel: string): AdapterRecord | null {
    let best: AdapterRecord | null = null;
    for (const adapter of this.list(baseModel)) {
      const score = adapter.metrics.heldoutAccuracy;
      if (typeof score !== 'number') continue;
      if (best === null || score > (best.metrics.heldoutAccuracy as number)) best = adapter;
    }
    return best;
  }

  promote(id: string): AdapterRecord {
    const adapter = this.get(id);
    if (!fs.existsSync(adapter.path)) {
      throw new InflowError('ADAPTER_NOT_FOUND', `Adapter v${adapter.version} has lost its file ${adapter.path}.`, {
        hint: 'Promote another version, or return to the base model.',
      });
    }
    this.setActive(adapter.baseModel, adapter.id, 'promote');
    return this.get(id);
  }

  /** Returns to the adapter (or bare model) that was active before the current one. */
  rollback(baseModel: string): AdapterRecord | null {
    const events = this.events(baseModel);
    if (events.length === 0) {
      throw new InflowError('ADAPTER_NO_HISTORY', `Nothing to roll back for ${baseModel}: no adapter was ever promoted.`, {
        hint: 'Promote an adapter first with `inflow adapters promote`.',
      });
    }
    // Replay the history as a stack: promote and return-to-base push, rollback pops.
    const stack: Array<string | null> = [];
    for (const event of events) {
      if (event.action === 'rollback') stack.pop();
      else stack.push(event.adapter_id);
    }
    if (stack.length === 0) {
      throw new InflowError('ADAPTER_NO_HISTORY', `Already back at the base model of ${baseModel}; nothing earlier to roll back to.`, {
        hint: 'Promote an adapter with `inflow adapters promote`.',
      });
    }
    stack.pop();
    const target = stack.at(-1) ?? null;
    this.setActive(baseModel, target, 'rollback');
    return target === null ? null : this.get(target);
  }

  useBase(baseModel: string): void {
    this.setActive(baseModel, null, 'base');
  }

  /** Called with the new active adapter after every promote / rollback / return to base. */
  onActiveChange(listener: ActiveListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private setActive(baseModel: string, adapterId: string | null, action: string): void {
    this.db
      .transaction(() => {
        this.db.prepare("UPDATE adapters SET status = 'archived' WHERE base_model = ? AND status = 'promoted'").run(baseModel);
        if (adapterId !== null) this.db.prepare("UPDATE adapters SET status = 'promoted' WHERE id = ?").run(adapterId);
        this.db
          .prepare('INSERT INTO adapter_events (base_model, adapter_id, action, created_at) VALUES (?, ?, ?, ?)')
          .run(baseModel, adapterId, action, Date.now());
      })
      .immediate();
    const active = adapterId === null ? null : this.get(adapterId);
    for (const listener of this.listeners) listener(baseModel, active);
  }
}

function toRecord(row: Record<string, unknown>): AdapterRecord {
  return {
    id: row.id as string,
    trainingRunId: row.training_run_id as string | null,
    parentId: row.parent_id as string | null,
    version: row.version as number,
    createdAt: row.created_at as number,
    path: row.path as string,
    baseModel: row.base_model as string,
    status: row.status as AdapterStatus,
    metrics: JSON.parse(row.metrics as string) as Record<string, unknown>,
  };
}
