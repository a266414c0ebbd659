import { randomUUID } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { isAbsolute, resolve } from 'node:path';
import type { ImportTeacherArguments } from '../../src-shared/contracts/api.js';
import type { TeacherRecord } from '../../src-shared/contracts/teacher-types.js';
import type { BackendName } from '../../src-shared/contracts/engine-status.js';
import {
  teacherImportProgressSchema,
  type TeacherImportProgressReport,
} from '../../src-shared/contracts/worker-protocol.js';
import type { WorkerSupervisor } from '../jobs/worker-supervisor.js';
import { homeLayout } from '../store/home-layout.js';
import type { WorkbenchStore } from '../store/workbench-store.js';

/**
 * Imports a teacher file through the compute worker into `<home>/teachers/<id>/` (validated, converted and
 * measured on the dataset's test split there) and records it in the store only once its folder is complete;
 * if recording fails the folder is removed, so a failed import leaves nothing.
 */
export async function importTeacherIntoStore(
  context: {
    readonly store: WorkbenchStore;
    readonly supervisor: WorkerSupervisor;
    readonly homeDirectory: string;
    readonly forcedBackend: BackendName | null;
  },
  request: ImportTeacherArguments,
  onProgress: (progress: TeacherImportProgressReport) => void,
): Promise<TeacherRecord> {
  const dataset = context.store.datasets.get(request.datasetId);
  if (dataset === undefined) throw new Error(`There is no dataset ${request.datasetId} in this workbench.`);
  if (!isAbsolute(request.source)) {
    throw new Error(`Give the teacher file as an absolute path; "${request.source}" is relative.`);
  }
  const id = randomUUID();
  const target = homeLayout(context.homeDirectory).teacherFolder(id);
  const record = await context.supervisor.run(
    {
      type: 'import-teacher',
      forcedBackend: context.forcedBackend,
      id,
      source: resolve(request.source),
      target,
      datasetId: dataset.id,
      datasetDirectory: dataset.cachePath,
      ...(request.name === undefined ? {} : { name: request.name }),
      contract: request.contract,
      ...(request.labelsPath === undefined ? {} : { labelsPath: resolve(request.labelsPath) }),
      ...(request.architecture === undefined ? {} : { architecture: request.architecture }),
    },
    (progress) => {
      const parsed = teacherImportProgressSchema.safeParse(progress);
      if (parsed.success) onProgress(parsed.data);
    },
  );
  try {
    context.store.teachers.insert(record, target);
    context.store.eventLog.append(
      'teacher-imported',
      id,
      `${record.name} (${record.format}) from ${record.sourcePath}`,
    );
  } catch (error) {
    await rm(target, { recursive: true, force: true });
    throw error;
  }
  return record;
}

/** One imported teacher's record; throws a readable error for an unknown id. */
export function requireTeacher(store: WorkbenchStore, id: string): TeacherRecord {
  const teacher = store.teachers.get(id);
  if (teacher === undefined) throw new Error(`There is no imported teacher ${id} in this workbench.`);
  return teacher.record;
}
