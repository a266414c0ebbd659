import { describe, expect, expectTypeOf, it, vi } from 'vitest';
import { callNames, eventNames, workbenchCalls, workbenchEvents } from '../../../src-shared/contracts/api.js';
import type {
  CallArguments,
  CallInput,
  CallResult,
  ExportRecord,
  HomeData,
  ModelProfile,
  WorkbenchApi,
} from '../../../src-shared/contracts/api.js';
import type {
  DeletionOutcome,
  DeletionPlan,
  WorkbenchChange,
} from '../../../src-shared/contracts/deletion-types.js';
import type { DemoStatus } from '../../../src-shared/contracts/demo-types.js';
import type { DatasetSummary, ExperimentSummary } from '../../../src-shared/contracts/domain-types.js';
import type { EngineStatus } from '../../../src-shared/contracts/engine-status.js';
import { dispatchCall } from '../../../src-shared/contracts/dispatch.js';
import type { TeacherRecord } from '../../../src-shared/contracts/teacher-types.js';
import { createFakeServices } from '../../support/fake-services.js';

describe('the API contract', () => {
  it('pins every call name, channel and result type', () => {
    expect(Object.fromEntries(callNames.map((name) => [name, workbenchCalls[name].channel]))).toEqual({
      getHome: 'home:get',
      getEngineStatus: 'engine:status',
      listDatasets: 'datasets:list',
      listExperiments: 'experiments:list',
      importDataset: 'datasets:import',
      getDataset: 'datasets:get',
      cancelImport: 'datasets:cancel-import',
      getDatasetThumbnails: 'datasets:thumbnails',
      createDemoDataset: 'datasets:demo',
      startDemo: 'demo:start',
      getDemo: 'demo:get',
      createExperiment: 'experiments:create',
      estimateExperiment: 'experiments:estimate',
      getExperiment: 'experiments:get',
      getExperimentResults: 'experiments:results',
      listRuns: 'runs:list',
      getRun: 'runs:get',
      pauseRun: 'runs:pause',
      resumeRun: 'runs:resume',
      cancelRun: 'runs:cancel',
      exportRun: 'exports:create',
      listExports: 'exports:list',
      openExportFolder: 'exports:open-folder',
      pickPath: 'dialog:pick-path',
      browsePath: 'files:browse',
      profileModel: 'models:profile',
      importTeacher: 'teachers:import',
      listTeachers: 'teachers:list',
      getTeacher: 'teachers:get',
      describeDeletion: 'deletions:describe',
      deleteDataset: 'datasets:delete',
      renameDataset: 'datasets:rename',
      deleteExperiment: 'experiments:delete',
      renameExperiment: 'experiments:rename',
      deleteRun: 'runs:delete',
      deleteExport: 'exports:delete',
      renameExport: 'exports:rename',
      deleteTeacher: 'teachers:delete',
      renameTeacher: 'teachers:rename',
    });
    expectTypeOf<CallResult<'importTeacher'>>().toEqualTypeOf<TeacherRecord>();
    expectTypeOf<CallResult<'listTeachers'>>().toEqualTypeOf<TeacherRecord[]>();
    expectTypeOf<CallResult<'getHome'>>().toEqualTypeOf<HomeData>();
    expectTypeOf<CallResult<'startDemo'>>().toEqualTypeOf<DemoStatus>();
    expectTypeOf<CallResult<'getDemo'>>().toEqualTypeOf<{ demo: DemoStatus | null }>();
    expectTypeOf<CallResult<'exportRun'>>().toEqualTypeOf<ExportRecord>();
    expectTypeOf<CallResult<'listExports'>>().toEqualTypeOf<ExportRecord[]>();
    expectTypeOf<CallResult<'profileModel'>>().toEqualTypeOf<ModelProfile>();
    expectTypeOf<CallResult<'getEngineStatus'>>().toEqualTypeOf<EngineStatus>();
    expectTypeOf<CallResult<'listDatasets'>>().toEqualTypeOf<DatasetSummary[]>();
    expectTypeOf<CallResult<'listExperiments'>>().toEqualTypeOf<ExperimentSummary[]>();
    expectTypeOf<CallInput<'getEngineStatus'>>().toEqualTypeOf<{ refresh?: boolean | undefined }>();
    expectTypeOf<CallArguments<'getEngineStatus'>>().toEqualTypeOf<{ refresh: boolean }>();
    expectTypeOf<WorkbenchApi['getHome']>().returns.toEqualTypeOf<Promise<HomeData>>();
    expectTypeOf<WorkbenchApi['onEngineStatus']>().parameter(0).parameter(0).toEqualTypeOf<EngineStatus>();
  });

  it('pins every event name and channel', () => {
    expect(Object.fromEntries(eventNames.map((name) => [name, workbenchEvents[name].channel]))).toEqual({
      onEngineStatus: 'engine:status-changed',
      onWorkerState: 'worker:state-changed',
      onRunStatus: 'runs:status-changed',
      onRunProgress: 'runs:progress',
      onRunEpoch: 'runs:epoch',
      onImportProgress: 'datasets:import-progress',
      onDemoStatus: 'demo:status-changed',
      onTeacherImportProgress: 'teachers:import-progress',
      onWorkbenchChanged: 'workbench:changed',
    });
  });

  it('gives every call and event a unique channel in domain:verb form', () => {
    const channels = [
      ...callNames.map((name) => workbenchCalls[name].channel),
      ...eventNames.map((name) => workbenchEvents[name].channel),
    ];
    expect(new Set(channels).size).toBe(channels.length);
    for (const channel of channels) expect(channel).toMatch(/^[a-z]+:[a-z-]+$/);
  });
});

describe('dispatchCall', () => {
  it('rejects a malformed payload with a readable message and never calls the service', async () => {
    const services = createFakeServices();
    const outcome = await dispatchCall(services.handlers, 'engine:status', { refresh: 'yes' });
    expect(outcome).toEqual({
      ok: false,
      error: { code: 'invalid-arguments', message: expect.stringContaining('refresh') as string },
    });
    expect(outcome.ok ? '' : outcome.error.message).toMatch(
      /Invalid arguments for engine:status: refresh: .*boolean/,
    );
    expect(services.handlers.getEngineStatus).not.toHaveBeenCalled();
  });

  it('rejects unknown fields, since the schemas are strict', async () => {
    const services = createFakeServices();
    const outcome = await dispatchCall(services.handlers, 'datasets:list', { sql: 'DROP TABLE datasets' });
    expect(outcome.ok).toBe(false);
    expect(services.handlers.listDatasets).not.toHaveBeenCalled();
  });

  it('rejects an unknown channel', async () => {
    const services = createFakeServices();
    const outcome = await dispatchCall(services.handlers, 'store:drop', {});
    expect(outcome).toEqual({
      ok: false,
      error: { code: 'unknown-call', message: '"store:drop" is not a workbench call.' },
    });
  });

  it('passes validated arguments with defaults to the handler and returns its result', async () => {
    const services = createFakeServices();
    const outcome = await dispatchCall(services.handlers, 'engine:status', undefined);
    expect(outcome.ok).toBe(true);
    expect(services.handlers.getEngineStatus).toHaveBeenCalledWith({ refresh: false });
  });

  it('turns a handler error into a failure envelope', async () => {
    const services = createFakeServices();
    services.handlers.listDatasets.mockRejectedValueOnce(new Error('disk unplugged'));
    const outcome = await dispatchCall(services.handlers, 'datasets:list', {});
    expect(outcome).toEqual({ ok: false, error: { code: 'failed', message: 'disk unplugged' } });
    expect(vi.isMockFunction(services.handlers.listDatasets)).toBe(true);
  });
});

describe('the delete and rename calls', () => {
  it('trims a new name and refuses a blank one or one longer than 200 characters', async () => {
    const services = createFakeServices();
    services.handlers.renameDataset.mockResolvedValue({} as DatasetSummary);
    await dispatchCall(services.handlers, 'datasets:rename', { id: 'd1', name: '  Flowers  ' });
    expect(services.handlers.renameDataset).toHaveBeenCalledWith({ id: 'd1', name: 'Flowers' });
    for (const name of ['   ', '', 'x'.repeat(201)]) {
      const outcome = await dispatchCall(services.handlers, 'experiments:rename', { id: 'e1', name });
      expect(outcome.ok ? '' : outcome.error.message).toMatch(
        /^Invalid arguments for experiments:rename: name: /,
      );
    }
    expect(services.handlers.renameExperiment).not.toHaveBeenCalled();
    const longest = await dispatchCall(services.handlers, 'datasets:rename', {
      id: 'd1',
      name: 'y'.repeat(200),
    });
    expect(longest.ok).toBe(true);
  });

  it('deletes nothing beyond the thing itself unless asked', async () => {
    const services = createFakeServices();
    await dispatchCall(services.handlers, 'datasets:delete', { id: 'd1' });
    expect(services.handlers.deleteDataset).toHaveBeenCalledWith({
      id: 'd1',
      withDependents: false,
      exportFolders: false,
    });
    const unknownKind = await dispatchCall(services.handlers, 'deletions:describe', {
      kind: 'model',
      id: 'm',
    });
    expect(unknownKind.ok).toBe(false);
    expect(services.handlers.describeDeletion).not.toHaveBeenCalled();
    expectTypeOf<CallResult<'describeDeletion'>>().toEqualTypeOf<DeletionPlan>();
    expectTypeOf<CallResult<'deleteRun'>>().toEqualTypeOf<DeletionOutcome>();
    expectTypeOf<WorkbenchApi['onWorkbenchChanged']>()
      .parameter(0)
      .parameter(0)
      .toEqualTypeOf<WorkbenchChange>();
  });
});
