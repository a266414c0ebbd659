import { beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { callNames, eventNames, workbenchCalls, workbenchEvents } from '../../../src-shared/contracts/api.js';
import type { WorkbenchApi } from '../../../src-shared/contracts/api.js';
import { fakeElectron } from '../app/fake-electron.js';

vi.mock('electron', async () => (await import('../app/fake-electron.js')).fakeElectron);

const { contextBridge, ipcRenderer } = fakeElectron;
let api: WorkbenchApi;

beforeAll(async () => {
  await import('../../../src-main/preload/preload.js');
  const exposures = contextBridge.exposeInMainWorld.mock.calls;
  expect(exposures).toHaveLength(1);
  const [key, exposed] = exposures[0] ?? [];
  expect(key).toBe('workbench');
  api = exposed as WorkbenchApi;
});

beforeEach(() => {
  ipcRenderer.invoke.mockReset();
  ipcRenderer.on.mockReset();
  ipcRenderer.removeListener.mockReset();
});

describe('the preload', () => {
  it('exposes exactly one named function per call and per event of the contract', () => {
    expect(Object.keys(api).sort()).toEqual([...callNames, ...eventNames].sort());
    for (const value of Object.values(api)) expect(typeof value).toBe('function');
  });

  it('exposes neither ipcRenderer nor a generic invoke or send', () => {
    const exposedNames = Object.keys(api);
    for (const forbidden of ['ipcRenderer', 'invoke', 'send', 'on', 'sendSync', 'postMessage']) {
      expect(exposedNames).not.toContain(forbidden);
    }
    expect(Object.values(api)).not.toContain(ipcRenderer);
    expect(Object.isFrozen(api)).toBe(true);
  });

  it('invokes the call channel with the arguments and resolves to the result', async () => {
    ipcRenderer.invoke.mockResolvedValueOnce({ ok: true, result: [{ id: 'experiment-1' }] });
    await expect(api.listExperiments({ datasetId: 'dataset-7' })).resolves.toEqual([{ id: 'experiment-1' }]);
    expect(ipcRenderer.invoke).toHaveBeenCalledWith(workbenchCalls.listExperiments.channel, {
      datasetId: 'dataset-7',
    });
  });

  it('rejects with the message of a failure envelope', async () => {
    ipcRenderer.invoke.mockResolvedValueOnce({
      ok: false,
      error: { code: 'invalid-arguments', message: 'Invalid arguments for experiments:list: datasetId: bad' },
    });
    await expect(api.listExperiments({ datasetId: '' })).rejects.toThrow(
      'Invalid arguments for experiments:list: datasetId: bad',
    );
  });

  it('rejects a reply that is not a call outcome', async () => {
    ipcRenderer.invoke.mockResolvedValueOnce('surprise');
    await expect(api.listDatasets()).rejects.toThrow(/datasets:list with a reply that is not a call outcome/);
  });

  it('subscribes to an event channel, passes only the payload, and unsubscribes', () => {
    const received: unknown[] = [];
    const unsubscribe = api.onWorkerState((state) => received.push(state));
    const channel = workbenchEvents.onWorkerState.channel;
    expect(ipcRenderer.on).toHaveBeenCalledTimes(1);
    const [subscribedChannel, forward] = ipcRenderer.on.mock.calls[0] as [
      string,
      (event: unknown, payload: unknown) => void,
    ];
    expect(subscribedChannel).toBe(channel);
    const payload = { state: 'ready', pid: 12, restarts: 0, lastCrash: null };
    forward({ sender: 'the ipcRenderer event must not leak' }, payload);
    expect(received).toEqual([payload]);
    unsubscribe();
    expect(ipcRenderer.removeListener).toHaveBeenCalledWith(channel, forward);
  });

  it('refuses a subscriber that is not a function', () => {
    const subscribe = api.onEngineStatus as unknown as (listener: unknown) => unknown;
    expect(() => subscribe('not a function')).toThrow(/onEngineStatus needs a function/);
    expect(ipcRenderer.on).not.toHaveBeenCalled();
  });
});
