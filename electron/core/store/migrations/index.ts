import type { Database } from 'better-sqlite3';
import { migration0010 } from './0010-initial.ts';
import { migration0020 } from './0020-knowledge.ts';
import { migration0030 } from './0030-training.ts';
import { migration0040 } from './0040-eval.ts';
import { migration0060 } from './0060-egress.ts';
import { migration0070 } from './0070-run-owners.ts';

/** One schema step. Versions go up in tens; each runs in its own transaction and is never edited once shipped. */
export interface Migration {
  version: number;
  name: string;
  up(db: Database): void;
}

/**
 * Every migration, in order. Modules that own tables add their own file here
 * (0020 agent/knowledge, 0030 training, 0040 eval, 0050 mcp, ...).
 */
export const migrations: readonly Migration[] = [migration0010, migration0020, migration0030, migration0040, migration0060, migration0070];

export const latestSchemaVersion = migrations.reduce((max, m) => Math.max(max, m.version), 0);
