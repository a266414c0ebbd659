import type { BrowserWindow } from 'electron';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { callNames, workbenchCalls, workbenchEvents } from '../../../src-shared/contracts/api.js';
import type { WorkbenchHandlers } from '../../../src-shared/contracts/api.js';
import type { WorkerState } from '../../../src-shared/contracts/domain-types.js';
import { isAppUrl } from '../../../src-main/app/app-protocol.js';
import { bindIpc } from '../../../src-main/ipc/bind-ipc.js';
import { EventBus } from '../../../src-main/services/event-bus.js';
import { fakeElectron, FakeBrowserWindow } from '../app/fake-electron.js';
import type { FakeFrame, FakeWebContents } from '../app/fake-electron.js';

vi.mock('electron', async () => (await import('../app/fake-electron.js')).fakeElectron);

const ipcMain = fakeElectron.ipcMain;

function fakeHandlers() {
  return {
    getHome: vi.fn(() => Promise.reject(new Error('not used'))),
    getEngineStatus: vi.fn(() => Promise.reject(new Error('not used'))),
    listDatasets: vi.fn(() => Promise.resolve([])),
    listExperiments: vi.fn(({ datasetId }: { datasetId?: string | undefined }) =>
      Promise.resolve([{ id: 'experiment-1', datasetId: datasetId ?? null }]),
    ),
  };
}

function setUp(options: { maximumQueuedEvents?: number } = {}) {
  const window = new FakeBrowserWindow({});
  const handlers = fakeHandlers();
  const events = new EventBus();
  const unbind = bindIpc({
    window: window as unknown as BrowserWindow,
    handlers: handlers as unknown as WorkbenchHandlers,
    events,
    isTrustedUrl: isAppUrl,
    ...options,
  });
  return { window, handlers, events, unbind };
}

function invokeEvent(sender: FakeWebContents, frame: FakeFrame | null) {
  return { sender, senderFrame: frame, processId: frame?.processId ?? 0, frameId: frame?.routingId ?? 0 };
}

const workerState = (state: WorkerState['state']): WorkerState => ({
  state,
  pid: null,
  restarts: 0,
  lastCrash: null,
});

let cleanUp: (() => void) | null = null;
afterEach(() => {
  cleanUp?.();
  cleanUp = null;
});

describe('bindIpc calls', () => {
  it('registers one handler per call channel of the contract', () => {
    const { unbind } = setUp();
    cleanUp = unbind;
    expect([...ipcMain.handlers.keys()].sort()).toEqual(
      callNames.map((name) => workbenchCalls[name].channel).sort(),
    );
  });

  it('runs a valid call from the main frame and returns the handler result', async () => {
    const { window, handlers, unbind } = setUp();
    cleanUp = unbind;
    const contents = window.webContents;
    const outcome = await ipcMain.invoke(
      workbenchCalls.listExperiments.channel,
      invokeEvent(contents, contents.mainFrame),
      { datasetId: 'dataset-7' },
    );
    expect(outcome).toEqual({ ok: true, result: [{ id: 'experiment-1', datasetId: 'dataset-7' }] });
    expect(handlers.listExperiments).toHaveBeenCalledWith({ datasetId: 'dataset-7' });
  });

  it('refuses a call from a sub-frame of our window without running the handler', async () => {
    const { window, handlers, unbind } = setUp();
    cleanUp = unbind;
    const contents = window.webContents;
    const subFrame = {
      processId: contents.mainFrame.processId,
      routingId: 99,
      url: 'app://workbench/frame.html',
    };
    const outcome = await ipcMain.invoke(
      workbenchCalls.listDatasets.channel,
      invokeEvent(contents, subFrame),
      {},
    );
    expect(outcome).toMatchObject({ ok: false, error: { code: 'forbidden' } });
    expect(JSON.stringify(outcome)).toContain('main frame');
    expect(handlers.listDatasets).not.toHaveBeenCalled();
  });

  it('refuses a call from another window, a vanished frame or a foreign page', async () => {
    const { window, handlers, unbind } = setUp();
    cleanUp = unbind;
    const contents = window.webContents;
    const stranger = new FakeBrowserWindow({}).webContents;
    const channel = workbenchCalls.listDatasets.channel;
    const fromStranger = await ipcMain.invoke(channel, invokeEvent(stranger, stranger.mainFrame), {});
    const fromNoFrame = await ipcMain.invoke(channel, invokeEvent(contents, null), {});
    contents.mainFrame.url = 'https://attacker.example/';
    const fromForeignPage = await ipcMain.invoke(channel, invokeEvent(contents, contents.mainFrame), {});
    for (const outcome of [fromStranger, fromNoFrame, fromForeignPage]) {
      expect(outcome).toMatchObject({ ok: false, error: { code: 'forbidden' } });
    }
    expect(JSON.stringify(fromForeignPage)).toContain('https://attacker.example/');
    expect(handlers.listDatasets).not.toHaveBeenCalled();
  });

  it('rejects malformed arguments with a readable message and never runs the handler', async () => {
    const { window, handlers, unbind } = setUp();
    cleanUp = unbind;
    const contents = window.webContents;
    const channel = workbenchCalls.listExperiments.channel;
    const wrongType = await ipcMain.invoke(channel, invokeEvent(contents, contents.mainFrame), {
      datasetId: 42,
    });
    expect(wrongType).toMatchObject({ ok: false, error: { code: 'invalid-arguments' } });
    const message = (wrongType as { error: { message: string } }).error.message;
    expect(message).toContain('Invalid arguments for experiments:list');
    expect(message).toContain('datasetId');
    const extraKey = await ipcMain.invoke(channel, invokeEvent(contents, contents.mainFrame), {
      sql: 'DROP',
    });
    expect(extraKey).toMatchObject({ ok: false, error: { code: 'invalid-arguments' } });
    const notAnObject = await ipcMain.invoke(
      channel,
      invokeEvent(contents, contents.mainFrame),
      'all of them',
    );
    expect(notAnObject).toMatchObject({ ok: false, error: { code: 'invalid-arguments' } });
    expect(handlers.listExperiments).not.toHaveBeenCalled();
  });

  it('returns a failed handler as a failure envelope with its message', async () => {
    const { window, unbind } = setUp();
    cleanUp = unbind;
    const contents = window.webContents;
    const outcome = await ipcMain.invoke(
      workbenchCalls.getHome.channel,
      invokeEvent(contents, contents.mainFrame),
    );
    expect(outcome).toEqual({ ok: false, error: { code: 'failed', message: 'not used' } });
  });

  it('removes its handlers when unbound and when the window closes, so a new window can bind', () => {
    const first = setUp();
    first.unbind();
    expect(ipcMain.handlers.size).toBe(0);
    const second = setUp();
    second.window.close();
    expect(ipcMain.handlers.size).toBe(0);
    const third = setUp();
    cleanUp = third.unbind;
    expect(ipcMain.handlers.size).toBe(callNames.length);
  });
});

describe('bindIpc events', () => {
  it('queues events until the page has loaded, then delivers them in order', () => {
    const { window, events, unbind } = setUp();
    cleanUp = unbind;
    const contents = window.webContents;
    events.publish('onWorkerState', workerState('starting'));
    events.publish('onWorkerState', workerState('ready'));
    expect(contents.sent).toEqual([]);
    contents.finishLoad();
    const channel = workbenchEvents.onWorkerState.channel;
    expect(contents.sent).toEqual([
      [channel, workerState('starting')],
      [channel, workerState('ready')],
    ]);
    events.publish('onWorkerState', workerState('crashed'));
    expect(contents.sent.at(-1)).toEqual([channel, workerState('crashed')]);
  });

  it('holds events again while the page reloads, but not for in-page navigation', () => {
    const { window, events, unbind } = setUp();
    cleanUp = unbind;
    const contents = window.webContents;
    contents.finishLoad();
    contents.emit('did-start-navigation', { isMainFrame: true, isSameDocument: true });
    events.publish('onWorkerState', workerState('ready'));
    expect(contents.sent).toHaveLength(1);
    contents.emit('did-start-navigation', { isMainFrame: true, isSameDocument: false });
    events.publish('onWorkerState', workerState('stopped'));
    expect(contents.sent).toHaveLength(1);
    contents.finishLoad();
    expect(contents.sent.at(-1)?.[1]).toEqual(workerState('stopped'));
  });

  it('keeps only the newest events when too many pile up before the page loads', () => {
    const { window, events, unbind } = setUp({ maximumQueuedEvents: 2 });
    cleanUp = unbind;
    events.publish('onWorkerState', workerState('starting'));
    events.publish('onWorkerState', workerState('ready'));
    events.publish('onWorkerState', workerState('crashed'));
    window.webContents.finishLoad();
    expect(window.webContents.sent.map(([, payload]) => (payload as WorkerState).state)).toEqual([
      'ready',
      'crashed',
    ]);
  });

  it('drops events for a destroyed window and stops listening once closed', () => {
    const { window, events } = setUp();
    const contents = window.webContents;
    contents.finishLoad();
    window.destroyed = true;
    contents.destroyed = true;
    expect(() => events.publish('onWorkerState', workerState('ready'))).not.toThrow();
    window.emit('closed');
    expect(() => events.publish('onWorkerState', workerState('stopped'))).not.toThrow();
    expect(contents.sent).toEqual([]);
  });

  it('delivers at once when bound to a page that has already loaded', () => {
    const window = new FakeBrowserWindow({});
    window.webContents.finishLoad();
    const events = new EventBus();
    cleanUp = bindIpc({
      window: window as unknown as BrowserWindow,
      handlers: fakeHandlers() as unknown as WorkbenchHandlers,
      events,
      isTrustedUrl: isAppUrl,
    });
    events.publish('onWorkerState', workerState('ready'));
    expect(window.webContents.sent).toEqual([[workbenchEvents.onWorkerState.channel, workerState('ready')]]);
  });
});
