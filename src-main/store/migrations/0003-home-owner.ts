import type { Migration } from './index.js';

/**
 * The process that owns the workbench home: the one allowed to run the queue. A single row (slot 1) claimed
 * and released inside immediate transactions, with a heartbeat so a crashed owner can be told apart from a
 * live one.
 */
export const homeOwner: Migration = {
  version: 3,
  name: 'home owner',
  up(database) {
    database.exec(`
      CREATE TABLE home_owner (
        slot INTEGER PRIMARY KEY CHECK (slot = 1),
        pid INTEGER NOT NULL CHECK (pid > 0),
        host_name TEXT NOT NULL,
        process_start TEXT,
        kind TEXT NOT NULL CHECK (kind IN ('desktop', 'serve', 'train', 'resume', 'demo')),
        description TEXT NOT NULL,
        claimed_at TEXT NOT NULL,
        heartbeat_at TEXT NOT NULL
      ) STRICT;
    `);
  },
};
