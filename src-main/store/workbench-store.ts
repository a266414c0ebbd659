import { openDatabase } from './database.js';
import type { OpenDatabase } from './database.js';
import { homeLayout } from './home-layout.js';
import { DatasetsRepository } from './repositories/datasets-repository.js';
import { DeletionsRepository } from './repositories/deletions-repository.js';
import { ExperimentsRepository } from './repositories/experiments-repository.js';
import { EventLogRepository } from './repositories/event-log-repository.js';
import { ExportsRepository } from './repositories/exports-repository.js';
import { HomeOwnerRepository } from './repositories/home-owner-repository.js';
import { ModelsRepository } from './repositories/models-repository.js';
import { RunsRepository } from './repositories/runs-repository.js';
import { TeachersRepository } from './repositories/teachers-repository.js';

/** The store of one workbench home: the database and its repositories. */
export interface WorkbenchStore {
  readonly database: OpenDatabase;
  readonly datasets: DatasetsRepository;
  readonly experiments: ExperimentsRepository;
  readonly runs: RunsRepository;
  readonly exports: ExportsRepository;
  readonly models: ModelsRepository;
  readonly eventLog: EventLogRepository;
  readonly owner: HomeOwnerRepository;
  readonly teachers: TeachersRepository;
  readonly deletions: DeletionsRepository;
  close(): void;
}

/** Opens the store of the workbench home at `homeDirectory`, migrating it if needed. */
export function openWorkbenchStore(homeDirectory: string): WorkbenchStore {
  const database = openDatabase(homeLayout(homeDirectory).databaseFile);
  return {
    database,
    datasets: new DatasetsRepository(database.connection),
    experiments: new ExperimentsRepository(database.connection),
    runs: new RunsRepository(database.connection),
    exports: new ExportsRepository(database.connection),
    models: new ModelsRepository(database.connection),
    eventLog: new EventLogRepository(database.connection),
    owner: new HomeOwnerRepository(database.connection),
    teachers: new TeachersRepository(database.connection),
    deletions: new DeletionsRepository(database.connection),
    close: () => database.close(),
  };
}
