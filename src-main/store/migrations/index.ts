import type Database from 'better-sqlite3';
import { initialSchema } from './0001-initial-schema.js';
import { runsAndMetrics } from './0002-runs-and-metrics.js';
import { homeOwner } from './0003-home-owner.js';
import { teachers } from './0004-teachers.js';
import { housekeeping } from './0005-housekeeping.js';
import { generatedDatasets } from './0006-generated-datasets.js';

/** One forward-only schema change. `version` is its number; they apply in order, each in one transaction. */
export interface Migration {
  readonly version: number;
  readonly name: string;
  readonly up: (database: Database.Database) => void;
}

/** Every migration this version of the workbench knows, in order. */
export const migrations: readonly Migration[] = [
  initialSchema,
  runsAndMetrics,
  homeOwner,
  teachers,
  housekeeping,
  generatedDatasets,
];
