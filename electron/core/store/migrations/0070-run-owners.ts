import type { Migration } from './index.ts';

/**
 * The process that runs a run (its id and start stamp, see process-identity.ts), so a start closes as
 * interrupted only the runs whose process is gone, not those another live process (the app, a second CLI) runs.
 * Runs recorded before this migration have no owner and are treated as before: interrupted when found running.
 */
export const migration0070: Migration = {
  version: 70,
  name: 'run-owners',
  up(db) {
    db.exec(`
      ALTER TABLE runs ADD COLUMN owner_pid INTEGER;
      ALTER TABLE runs ADD COLUMN owner_started_at INTEGER;
    `);
  },
};
