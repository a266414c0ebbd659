import type { WorkbenchHandlers } from '../../src-shared/contracts/api.js';
import type {
  DeletableKind,
  DeletionEntry,
  DeletionOutcome,
  RenamableKind,
} from '../../src-shared/contracts/deletion-types.js';
import type { WorkbenchStore } from '../store/workbench-store.js';
import { DeletionService } from './deletion-service.js';
import type { DeletionContext, DeletionOptions } from './deletion-service.js';
import type { EventBus } from './event-bus.js';
import type { RunQueue } from './run-queue.js';

/** The calls that delete and rename things. */
export type HousekeepingHandlers = Pick<
  WorkbenchHandlers,
  | 'describeDeletion'
  | 'deleteDataset'
  | 'renameDataset'
  | 'deleteExperiment'
  | 'renameExperiment'
  | 'deleteRun'
  | 'deleteExport'
  | 'renameExport'
  | 'deleteTeacher'
  | 'renameTeacher'
>;

/** What deleting and renaming need from the services around them. */
export interface HousekeepingContext {
  readonly store: WorkbenchStore;
  readonly homeDirectory: string;
  readonly runQueue: RunQueue;
  readonly events: EventBus;
  readonly busyReason: NonNullable<DeletionContext['busyReason']>;
}

function missing(kind: DeletableKind, id: string): Error {
  return new Error(`There is no ${kind} ${id} in this workbench.`);
}

/**
 * The delete and rename calls over a DeletionService, publishing onWorkbenchChanged so open lists refresh;
 * `sweep` finishes what deletions interrupted by a crash left, and runs once when the services start.
 */
export function createHousekeepingHandlers(context: HousekeepingContext): {
  readonly handlers: HousekeepingHandlers;
  readonly sweep: () => Promise<string[]>;
} {
  const { store, events } = context;
  const deletion = new DeletionService({
    store,
    homeDirectory: context.homeDirectory,
    activeRunId: () => context.runQueue.activeRunId,
    busyReason: context.busyReason,
  });

  const remove = async (
    kind: DeletableKind,
    request: { readonly id: string } & DeletionOptions,
  ): Promise<DeletionOutcome> => {
    const experimentOfRun = kind === 'run' ? store.runs.get(request.id)?.experimentId : undefined;
    const outcome = await deletion.delete(kind, request.id, request);
    if (experimentOfRun !== undefined) context.runQueue.refreshExperimentStatus(experimentOfRun);
    events.publish('onWorkbenchChanged', { change: 'deleted', entries: [...outcome.deleted] });
    return outcome;
  };

  const renamed = (kind: RenamableKind, id: string, name: string): void => {
    const entry: DeletionEntry = { kind, id, name };
    events.publish('onWorkbenchChanged', { change: 'renamed', entries: [entry] });
  };

  const handlers: HousekeepingHandlers = {
    describeDeletion: ({ kind, id, withDependents, exportFolders }) =>
      Promise.resolve(deletion.describe(kind, id, { withDependents, exportFolders })),
    deleteDataset: (request) => remove('dataset', request),
    deleteExperiment: (request) => remove('experiment', request),
    deleteRun: (request) => remove('run', request),
    deleteExport: (request) => remove('export', request),
    deleteTeacher: (request) => remove('teacher', request),
    renameDataset: ({ id, name }) => {
      if (!store.datasets.rename(id, name)) return Promise.reject(missing('dataset', id));
      renamed('dataset', id, name);
      const dataset = store.datasets.get(id);
      if (dataset === undefined) return Promise.reject(missing('dataset', id));
      const { cachePath: _cachePath, manifest: _manifest, ...summary } = dataset;
      return Promise.resolve(summary);
    },
    renameExperiment: ({ id, name }) => {
      if (!store.experiments.rename(id, name)) return Promise.reject(missing('experiment', id));
      renamed('experiment', id, name);
      const experiment = store.experiments.get(id);
      if (experiment === undefined) return Promise.reject(missing('experiment', id));
      const { spec: _spec, ...summary } = experiment;
      return Promise.resolve(summary);
    },
    renameExport: ({ id, name }) => {
      if (!store.exports.rename(id, name)) return Promise.reject(missing('export', id));
      renamed('export', id, name);
      const record = store.exports.get(id);
      return record === undefined ? Promise.reject(missing('export', id)) : Promise.resolve(record);
    },
    renameTeacher: ({ id, name }) => {
      if (!store.teachers.rename(id, name)) return Promise.reject(missing('teacher', id));
      renamed('teacher', id, name);
      const teacher = store.teachers.get(id);
      return teacher === undefined ? Promise.reject(missing('teacher', id)) : Promise.resolve(teacher.record);
    },
  };
  return { handlers, sweep: () => deletion.sweep() };
}
