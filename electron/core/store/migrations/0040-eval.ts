import type { Migration } from './index.ts';

/**
 * Evaluations: one row per benchmark pass of one planner (base model or adapter), and one row per scored item,
 * keyed by the item's position in the benchmark file (ids repeat in some sets, e.g. MedQA). An evaluation
 * resumes by skipping positions already in eval_items. Every item links to its agent run (kind 'eval').
 */
export const migration0040: Migration = {
  version: 40,
  name: 'eval',
  up(db) {
    db.exec(`
      CREATE TABLE evaluations (
        id TEXT PRIMARY KEY,
        created_at INTEGER NOT NULL,
        updated_at INTEGER NOT NULL,
        ended_at INTEGER,
        status TEXT NOT NULL DEFAULT 'running',  -- running | completed | interrupted | cancelled | failed
        benchmark TEXT NOT NULL,                 -- catalog name or file name
        benchmark_file TEXT NOT NULL,
        benchmark_hash TEXT NOT NULL,            -- sha256 of the file: a resumed run must see the same items
        item_count INTEGER NOT NULL,             -- items in the file
        planned_count INTEGER NOT NULL,          -- items this evaluation covers (--limit)
        planner_model TEXT,
        adapter_id TEXT,
        judge_model TEXT,
        config TEXT NOT NULL DEFAULT '{}',
        error TEXT
      ) STRICT;
      CREATE INDEX evaluations_created ON evaluations(created_at);

      CREATE TABLE eval_items (
        evaluation_id TEXT NOT NULL REFERENCES evaluations(id) ON DELETE CASCADE,
        position INTEGER NOT NULL,
        run_id TEXT REFERENCES runs(id) ON DELETE SET NULL,
        created_at INTEGER NOT NULL,
        category TEXT,
        answer_kind TEXT NOT NULL,
        expected TEXT NOT NULL,                  -- JSON
        answer TEXT,                             -- the run's full final answer
        extracted TEXT,
        correct INTEGER NOT NULL CHECK (correct IN (0, 1)),
        score REAL NOT NULL CHECK (score >= 0 AND score <= 1),
        method TEXT NOT NULL,                    -- exact | normalized | numeric | choice | gameof24 | judge | none
        reason TEXT NOT NULL,                    -- the scorer's or the judge's explanation
        stop_reason TEXT,
        steps INTEGER NOT NULL DEFAULT 0,
        tokens INTEGER NOT NULL DEFAULT 0,
        duration_ms REAL NOT NULL DEFAULT 0,
        tool_calls TEXT NOT NULL DEFAULT '{}',   -- JSON {tool name: count}
        PRIMARY KEY (evaluation_id, position)
      ) STRICT;
      CREATE INDEX eval_items_run ON eval_items(run_id);
    `);
  },
};
