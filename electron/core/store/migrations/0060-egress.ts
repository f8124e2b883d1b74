import type { Migration } from './index.ts';

/**
 * The egress log: one row per connection the network module opened or refused (net/network.ts), so a user
 * can check what left the computer: when, for which feature, to which host, how many bytes each way.
 */
export const migration0060: Migration = {
  version: 60,
  name: 'egress',
  up(db) {
    db.exec(`
      CREATE TABLE egress (
        id INTEGER PRIMARY KEY,
        at INTEGER NOT NULL,                   -- ms since the epoch, when the request started
        feature TEXT NOT NULL,                 -- model-downloads | web | wikipedia | mcp-http | endpoint
        host TEXT NOT NULL,                    -- host[:port] of the URL
        method TEXT NOT NULL,
        outcome TEXT NOT NULL,                 -- ok | failed | refused
        status INTEGER,                        -- the HTTP status, when one came back
        bytes_out INTEGER NOT NULL DEFAULT 0,  -- request body bytes
        bytes_in INTEGER NOT NULL DEFAULT 0,   -- response body bytes read
        detail TEXT
      ) STRICT;
      CREATE INDEX egress_at ON egress(at);
    `);
  },
};
