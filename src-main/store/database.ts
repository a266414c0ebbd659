import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { migrations as knownMigrations } from './migrations/index.js';
import type { Migration } from './migrations/index.js';

/** Raised when the database file was written by a newer workbench than this one. */
export class DatabaseTooNewError extends Error {
  constructor(
    readonly file: string,
    readonly foundVersion: number,
    readonly supportedVersion: number,
  ) {
    super(
      `The workbench database ${file} was written by a newer version of RTK Workbench (schema ${foundVersion}; ` +
        `this version understands up to schema ${supportedVersion}). Update RTK Workbench to open it; ` +
        `nothing was changed.`,
    );
    this.name = 'DatabaseTooNewError';
  }
}

/** An open store: the connection and the schema version it is at. */
export interface OpenDatabase {
  readonly connection: Database.Database;
  readonly schemaVersion: number;
  readonly file: string;
  close(): void;
}

function readSchemaVersion(connection: Database.Database): number {
  return connection.pragma('user_version', { simple: true }) as number;
}

/**
 * Opens (or creates) the workbench database at `file`: WAL, foreign keys, a busy timeout, then every pending
 * migration, each in its own transaction. Refuses a database newer than the migrations this build knows.
 */
export function openDatabase(file: string, migrations: readonly Migration[] = knownMigrations): OpenDatabase {
  if (file !== ':memory:') {
    mkdirSync(dirname(file), { recursive: true });
  }
  const connection = new Database(file);
  try {
    connection.pragma('journal_mode = WAL');
    connection.pragma('foreign_keys = ON');
    connection.pragma('busy_timeout = 5000');
    connection.pragma('synchronous = NORMAL');
    const supportedVersion = migrations.at(-1)?.version ?? 0;
    const foundVersion = readSchemaVersion(connection);
    if (foundVersion > supportedVersion) {
      throw new DatabaseTooNewError(file, foundVersion, supportedVersion);
    }
    for (const migration of migrations) {
      if (migration.version <= foundVersion) continue;
      connection
        .transaction(() => {
          migration.up(connection);
          connection.pragma(`user_version = ${migration.version}`);
        })
        .immediate();
    }
    return {
      connection,
      file,
      schemaVersion: readSchemaVersion(connection),
      close: () => connection.close(),
    };
  } catch (error) {
    connection.close();
    throw error;
  }
}
