import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { initialSchema } from '../../../../src-main/store/migrations/0001-initial-schema.js';
import { runsAndMetrics } from '../../../../src-main/store/migrations/0002-runs-and-metrics.js';
import { homeOwner } from '../../../../src-main/store/migrations/0003-home-owner.js';

describe('migration 0003: home owner', () => {
  it('holds at most one owner row, of a known kind', () => {
    const connection = new Database(':memory:');
    for (const migration of [initialSchema, runsAndMetrics, homeOwner]) migration.up(connection);
    const insert = (slot: number, kind: string) =>
      connection
        .prepare(
          `INSERT INTO home_owner (slot, pid, host_name, kind, description, claimed_at, heartbeat_at)
           VALUES (?, 42, 'here', ?, 'x', 'now', 'now')`,
        )
        .run(slot, kind);
    insert(1, 'serve');
    expect(() => insert(1, 'train')).toThrow(/UNIQUE|PRIMARY KEY/);
    expect(() => insert(2, 'train')).toThrow(/CHECK/);
    connection.exec('DELETE FROM home_owner');
    expect(() => insert(1, 'sneak')).toThrow(/CHECK/);
    connection.close();
  });
});
