import type { Migration } from './index.ts';

/**
 * The core record of everything Inflow does: tasks, agent runs, their steps and every module call (with token
 * ids and log-probs for training), long-term memory, rewards and feedback, datasets, training runs, adapters.
 * Token ids are little-endian int32 BLOBs and log-probs little-endian float32 BLOBs (see ../blobs.ts).
 */
export const migration0010: Migration = {
  version: 10,
  name: 'initial',
  up(db) {
    db.exec(`
      CREATE TABLE tasks (
        id TEXT PRIMARY KEY,
        created_at INTEGER NOT NULL,
        question TEXT NOT NULL,
        expected_answer TEXT,            -- JSON: string | string[] | number, when the answer is checkable
        answer_kind TEXT,                -- exact | numeric | choice | gameof24 | judge | ...
        source TEXT NOT NULL DEFAULT 'user',
        meta TEXT NOT NULL DEFAULT '{}'
      ) STRICT;

      CREATE TABLE runs (
        id TEXT PRIMARY KEY,
        task_id TEXT NOT NULL REFERENCES tasks(id) ON DELETE CASCADE,
        kind TEXT NOT NULL DEFAULT 'ask',      -- ask | rollout | eval
        group_id TEXT,                         -- rollouts of one task in one training step share it
        created_at INTEGER NOT NULL,
        ended_at INTEGER,
        status TEXT NOT NULL DEFAULT 'running',  -- running | ended
        stop_reason TEXT,                      -- answered | step_limit | time_limit | token_limit | cancelled | error | interrupted
        profile TEXT,
        planner_model TEXT,
        planner_adapter_id TEXT,
        config TEXT NOT NULL DEFAULT '{}',
        answer TEXT,
        error TEXT,
        total_tokens INTEGER NOT NULL DEFAULT 0
      ) STRICT;
      CREATE INDEX runs_task ON runs(task_id);
      CREATE INDEX runs_created ON runs(created_at);
      CREATE INDEX runs_group ON runs(group_id) WHERE group_id IS NOT NULL;

      CREATE TABLE steps (
        id INTEGER PRIMARY KEY,
        run_id TEXT NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
        idx INTEGER NOT NULL,
        created_at INTEGER NOT NULL,
        tool_name TEXT,
        sub_goal TEXT,
        context TEXT,
        command TEXT,                   -- JSON of the tool call
        result TEXT,                    -- JSON of the tool result (capped)
        verification TEXT,              -- JSON {analysis, stop}
        UNIQUE (run_id, idx)
      ) STRICT;

      CREATE TABLE module_calls (
        id INTEGER PRIMARY KEY,
        run_id TEXT NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
        step_idx INTEGER,               -- null for query analysis and the final answer
        module TEXT NOT NULL,           -- analyzer | planner | executor | verifier | generator | tool
        model_id TEXT,
        adapter_id TEXT,
        prompt_text TEXT NOT NULL,
        response_text TEXT NOT NULL,
        prompt_tokens BLOB,
        response_tokens BLOB,
        response_logprobs BLOB,
        started_at INTEGER NOT NULL,
        duration_ms REAL NOT NULL,
        meta TEXT NOT NULL DEFAULT '{}'
      ) STRICT;
      CREATE INDEX module_calls_run ON module_calls(run_id, id);

      CREATE TABLE memory_entries (
        id INTEGER PRIMARY KEY,
        kind TEXT NOT NULL DEFAULT 'fact',    -- fact | preference
        content TEXT NOT NULL,
        run_id TEXT REFERENCES runs(id) ON DELETE SET NULL,
        created_at INTEGER NOT NULL,
        updated_at INTEGER NOT NULL
      ) STRICT;
      CREATE VIRTUAL TABLE memory_fts USING fts5(content, content='memory_entries', content_rowid='id');
      CREATE TRIGGER memory_ai AFTER INSERT ON memory_entries BEGIN
        INSERT INTO memory_fts(rowid, content) VALUES (new.id, new.content);
      END;
      CREATE TRIGGER memory_ad AFTER DELETE ON memory_entries BEGIN
        INSERT INTO memory_fts(memory_fts, rowid, content) VALUES ('delete', old.id, old.content);
      END;
      CREATE TRIGGER memory_au AFTER UPDATE ON memory_entries BEGIN
        INSERT INTO memory_fts(memory_fts, rowid, content) VALUES ('delete', old.id, old.content);
        INSERT INTO memory_fts(rowid, content) VALUES (new.id, new.content);
      END;

      CREATE TABLE rewards (
        id INTEGER PRIMARY KEY,
        run_id TEXT NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
        value REAL NOT NULL CHECK (value >= 0 AND value <= 1),
        source TEXT NOT NULL,           -- exact | numeric | choice | gameof24 | judge | feedback | ...
        details TEXT NOT NULL DEFAULT '{}',
        created_at INTEGER NOT NULL
      ) STRICT;
      CREATE INDEX rewards_run ON rewards(run_id);

      CREATE TABLE feedback (
        id INTEGER PRIMARY KEY,
        run_id TEXT NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
        rating INTEGER NOT NULL CHECK (rating IN (-1, 1)),
        comment TEXT,
        created_at INTEGER NOT NULL
      ) STRICT;
      CREATE INDEX feedback_run ON feedback(run_id);

      CREATE TABLE datasets (
        id TEXT PRIMARY KEY,
        name TEXT NOT NULL UNIQUE,
        source TEXT,
        created_at INTEGER NOT NULL,
        meta TEXT NOT NULL DEFAULT '{}'
      ) STRICT;
      CREATE TABLE dataset_items (
        id INTEGER PRIMARY KEY,
        dataset_id TEXT NOT NULL REFERENCES datasets(id) ON DELETE CASCADE,
        idx INTEGER NOT NULL,
        split TEXT NOT NULL DEFAULT 'train',  -- train | heldout
        question TEXT NOT NULL,
        answer TEXT NOT NULL,                 -- JSON
        answer_kind TEXT,
        meta TEXT NOT NULL DEFAULT '{}',
        UNIQUE (dataset_id, idx)
      ) STRICT;

      CREATE TABLE training_runs (
        id TEXT PRIMARY KEY,
        created_at INTEGER NOT NULL,
        ended_at INTEGER,
        status TEXT NOT NULL DEFAULT 'running',   -- running | paused | completed | cancelled | failed
        dataset_id TEXT REFERENCES datasets(id) ON DELETE SET NULL,
        base_model TEXT NOT NULL,
        config TEXT NOT NULL DEFAULT '{}',
        last_completed_step INTEGER NOT NULL DEFAULT 0,
        error TEXT
      ) STRICT;
      CREATE TABLE training_steps (
        training_run_id TEXT NOT NULL REFERENCES training_runs(id) ON DELETE CASCADE,
        step INTEGER NOT NULL,
        created_at INTEGER NOT NULL,
        metrics TEXT NOT NULL DEFAULT '{}',
        PRIMARY KEY (training_run_id, step)
      ) STRICT;

      CREATE TABLE adapters (
        id TEXT PRIMARY KEY,
        training_run_id TEXT REFERENCES training_runs(id) ON DELETE SET NULL,
        parent_id TEXT REFERENCES adapters(id) ON DELETE SET NULL,
        version INTEGER NOT NULL,
        created_at INTEGER NOT NULL,
        path TEXT NOT NULL,
        base_model TEXT NOT NULL,
        status TEXT NOT NULL DEFAULT 'candidate',  -- candidate | promoted | archived
        metrics TEXT NOT NULL DEFAULT '{}'
      ) STRICT;

      CREATE TABLE settings (
        key TEXT PRIMARY KEY,
        value TEXT NOT NULL
      ) STRICT;
    `);
  },
};
