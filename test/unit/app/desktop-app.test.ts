import { beforeEach, describe, expect, it, vi } from 'vitest';
import { appEntryUrl } from '../../../src-main/app/app-protocol.js';
import { startDesktopApp } from '../../../src-main/app/desktop-app.js';
import { callNames } from '../../../src-shared/contracts/api.js';
import { fakeElectron, FakeBrowserWindow, navigationEvent } from './fake-electron.js';

vi.mock('electron', async () => (await import('./fake-electron.js')).fakeElectron);

const store = vi.hoisted(() => ({
  openedAt: [] as string[],
  failWith: null as Error | null,
  ownedBy: null as { pid: number; hostName: string; description: string; claimedAt: string } | null,
  close: (): void => undefined,
}));

vi.mock('../../../src-main/store/workbench-store.js', () => ({
  openWorkbenchStore: (homeDirectory: string) => {
    if (store.failWith !== null) throw store.failWith;
    store.openedAt.push(homeDirectory);
    return {
      database: { schemaVersion: 1 },
      datasets: { list: () => [] },
      experiments: { list: () => [] },
      runs: { interruptAbandoned: () => 0, listWithStatus: () => [] },
      owner: {
        claim: (_candidate: unknown, _isAlive: unknown, onClaimed: () => void) => {
          if (store.ownedBy !== null) return { claimed: false, owner: store.ownedBy };
          onClaimed();
          return { claimed: true, replaced: null };
        },
        heartbeat: () => true,
        release: () => undefined,
        current: () => undefined,
      },
      close: () => store.close(),
    };
  },
}));

const paths = {
  rendererDirectory: '/opt/rtk/build/renderer',
  preloadFile: '/opt/rtk/build/preload/preload.cjs',
};
const { app, ipcMain, utilityProcess } = fakeElectron;

function flush(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 0));
}

function openWindows(): FakeBrowserWindow[] {
  return FakeBrowserWindow.getAllWindows();
}

async function startReady(): Promise<FakeBrowserWindow> {
  startDesktopApp(paths);
  app.markReady();
  await flush();
  const window = openWindows().at(-1);
  if (window === undefined) throw new Error('no window was opened');
  return window;
}

beforeEach(() => {
  app.reset();
  for (const window of openWindows()) window.close();
  ipcMain.handlers.clear();
  utilityProcess.forks.length = 0;
  store.openedAt.length = 0;
  store.failWith = null;
  store.ownedBy = null;
  store.close = vi.fn();
  fakeElectron.dialog.showErrorBox.mockReset();
  vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
});

describe('startDesktopApp', () => {
  it('quits at once when another instance holds the lock', async () => {
    app.singleInstance = false;
    startDesktopApp(paths);
    app.markReady();
    await flush();
    expect(app.quit).toHaveBeenCalledTimes(1);
    expect(openWindows()).toHaveLength(0);
    expect(store.openedAt).toEqual([]);
  });

  it('registers the app scheme and enables the sandbox before the app is ready', () => {
    const registeredBefore = fakeElectron.protocol.schemes.length;
    startDesktopApp(paths);
    expect(fakeElectron.protocol.schemes.length).toBe(registeredBefore + 1);
    expect(app.enableSandbox).toHaveBeenCalledTimes(1);
    expect(openWindows()).toHaveLength(0);
  });

  it('on ready opens the store in userData, binds IPC, hardens the session and loads the app page', async () => {
    const window = await startReady();
    expect(app.getPath).toHaveBeenCalledWith('userData');
    expect(store.openedAt).toEqual(['/fake/user-data']);
    expect(window.options.webPreferences?.preload).toBe(paths.preloadFile);
    expect(window.loadedUrls).toEqual([appEntryUrl]);
    expect(ipcMain.handlers.size).toBe(callNames.length);
    expect(fakeElectron.protocol.handlers.has('app')).toBe(true);
    expect(fakeElectron.session.defaultSession.permissionRequestHandler).not.toBeNull();
    expect(fakeElectron.Menu.setApplicationMenu).toHaveBeenCalled();
    const away = navigationEvent('https://example.com/');
    window.webContents.emit('will-navigate', away);
    expect(away.defaultPrevented()).toBe(true);
    // Warm-up starts the compute worker as a utility process.
    expect(utilityProcess.forks).toHaveLength(1);
  });

  it('stops the worker and closes the store before quitting', async () => {
    await startReady();
    const child = utilityProcess.forks[0]?.child;
    if (child === undefined) throw new Error('no worker was started');
    const firstQuit = navigationEvent('');
    app.emit('will-quit', firstQuit);
    expect(firstQuit.defaultPrevented()).toBe(true);
    expect(child.posted).toContainEqual({ kind: 'shutdown' });
    expect(store.close).not.toHaveBeenCalled();
    const impatientQuit = navigationEvent('');
    app.emit('will-quit', impatientQuit);
    expect(impatientQuit.defaultPrevented()).toBe(true);
    child.emit('exit', 0);
    await flush();
    expect(store.close).toHaveBeenCalledTimes(1);
    expect(app.quit).toHaveBeenCalledTimes(1);
    const finalQuit = navigationEvent('');
    app.emit('will-quit', finalQuit);
    expect(finalQuit.defaultPrevented()).toBe(false);
  });

  it('focuses the window for a second instance and reopens one on activate', async () => {
    const window = await startReady();
    window.minimized = true;
    app.emit('second-instance');
    expect(window.minimized).toBe(false);
    expect(window.focused).toBe(true);
    window.close();
    expect(ipcMain.handlers.size).toBe(0);
    app.emit('activate');
    expect(openWindows()).toHaveLength(1);
    expect(ipcMain.handlers.size).toBe(callNames.length);
  });

  it('shows why it could not start and exits when the store cannot be opened', async () => {
    store.failWith = new Error(
      'workbench.sqlite was written by a newer RTK Workbench (schema 9; this one reads 2).',
    );
    startDesktopApp(paths);
    app.markReady();
    await flush();
    expect(fakeElectron.dialog.showErrorBox).toHaveBeenCalledWith(
      'RTK Workbench could not start',
      'workbench.sqlite was written by a newer RTK Workbench (schema 9; this one reads 2).',
    );
    expect(app.exit).toHaveBeenCalledWith(1);
    expect(openWindows()).toHaveLength(0);
  });

  it('says which process owns the home and exits, opening no window, when another one does', async () => {
    store.ownedBy = {
      pid: 4242,
      hostName: 'this-machine',
      description: 'rtk-workbench serve at http://127.0.0.1:8765/',
      claimedAt: '2026-12-03T10:00:00.000Z',
    };
    startDesktopApp(paths);
    app.markReady();
    await flush();
    await flush();
    expect(fakeElectron.dialog.showErrorBox).toHaveBeenCalledWith(
      'This workbench is already open',
      expect.stringContaining('is in use by rtk-workbench serve at http://127.0.0.1:8765/ (process 4242'),
    );
    expect(app.exit).toHaveBeenCalledWith(1);
    expect(openWindows()).toHaveLength(0);
    expect(store.close).toHaveBeenCalled();
  });
});
