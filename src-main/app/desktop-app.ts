import { fileURLToPath } from 'node:url';
import { app, BrowserWindow, dialog, session, shell } from 'electron';
import { bindIpc } from '../ipc/bind-ipc.js';
import { utilityProcessWorkerLauncher } from '../jobs/utility-process-launcher.js';
import { describeOwner } from '../services/home-ownership.js';
import { openWorkbenchHost } from '../services/workbench-host.js';
import type { WorkbenchHost } from '../services/workbench-host.js';
import { appEntryUrl, handleAppProtocol, isAppUrl, registerAppScheme } from './app-protocol.js';
import { installApplicationMenu } from './application-menu.js';
import { hardenSession } from './session-security.js';
import { createMainWindow } from './window.js';

/** Where the built renderer and preload are, relative to the compiled main process. */
export interface DesktopAppPaths {
  readonly rendererDirectory: string;
  readonly preloadFile: string;
}

/** The build layout: build/src-main/app/ (this file), build/renderer/, build/preload/preload.cjs. */
export function desktopAppPaths(): DesktopAppPaths {
  return {
    rendererDirectory: fileURLToPath(new URL('../../renderer/', import.meta.url)),
    preloadFile: fileURLToPath(new URL('../../preload/preload.cjs', import.meta.url)),
  };
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** What the app's event handlers share: the open workbench, its window, and whether a quit is under way. */
interface DesktopAppState {
  running: WorkbenchHost | null;
  mainWindow: BrowserWindow | null;
  shuttingDown: boolean;
}

/**
 * Runs the desktop app: one instance per user, the store in Electron's userData folder, the compute worker as a
 * utilityProcess, the contract bound to IPC, one hardened window. Quitting stops the worker and closes the store
 * before the process ends.
 */
export function startDesktopApp(paths: DesktopAppPaths = desktopAppPaths()): void {
  registerAppScheme();
  app.enableSandbox();
  if (!app.requestSingleInstanceLock()) {
    app.quit();
    return;
  }
  const state: DesktopAppState = { running: null, mainWindow: null, shuttingDown: false };
  handleWindowEvents(state, paths);
  closeWorkbenchBeforeQuitting(state);
  startWhenReady(state, paths);
}

function openWindow(state: DesktopAppState, paths: DesktopAppPaths, workbench: WorkbenchHost): void {
  const window = createMainWindow({ preloadFile: paths.preloadFile, isTrustedUrl: isAppUrl });
  bindIpc({
    window,
    handlers: workbench.services.handlers,
    events: workbench.services.events,
    isTrustedUrl: isAppUrl,
  });
  state.mainWindow = window;
  window.on('closed', () => {
    if (state.mainWindow === window) state.mainWindow = null;
  });
  window.loadURL(appEntryUrl).catch((error: unknown) => {
    console.error(`Could not load the workbench page: ${describe(error)}`);
  });
}

/** The workbench in Electron's userData folder, opening folders and file dialogs through Electron. */
function openWorkbench(state: DesktopAppState): WorkbenchHost {
  return openWorkbenchHost({
    homeDirectory: app.getPath('userData'),
    mode: 'desktop',
    forcedBackend: null,
    launcher: utilityProcessWorkerLauncher(),
    openFolder: async (path) => {
      const failure = await shell.openPath(path);
      if (failure !== '') throw new Error(`The folder ${path} could not be opened: ${failure}`);
    },
    pickPath: async (kind) => {
      const options: Electron.OpenDialogOptions = {
        properties: [kind === 'folder' ? 'openDirectory' : 'openFile'],
      };
      const choice =
        state.mainWindow === null
          ? await dialog.showOpenDialog(options)
          : await dialog.showOpenDialog(state.mainWindow, options);
      return choice.canceled ? null : (choice.filePaths[0] ?? null);
    },
  });
}

/** A second launch focuses the window; closing the last window quits (except on macOS); activate reopens it. */
function handleWindowEvents(state: DesktopAppState, paths: DesktopAppPaths): void {
  app.on('second-instance', () => {
    const mainWindow = state.mainWindow;
    if (mainWindow === null || mainWindow.isDestroyed()) return;
    if (mainWindow.isMinimized()) mainWindow.restore();
    mainWindow.focus();
  });

  app.on('window-all-closed', () => {
    // On macOS an app stays open without windows until the user quits it.
    if (process.platform !== 'darwin') app.quit();
  });

  app.on('activate', () => {
    if (state.running !== null && BrowserWindow.getAllWindows().length === 0) {
      openWindow(state, paths, state.running);
    }
  });
}

/** Holds the quit until the compute worker has stopped and the store is closed, then quits again. */
function closeWorkbenchBeforeQuitting(state: DesktopAppState): void {
  app.on('will-quit', (event) => {
    const workbench = state.running;
    if (workbench === null && !state.shuttingDown) return;
    event.preventDefault();
    if (state.shuttingDown || workbench === null) return;
    state.shuttingDown = true;
    workbench
      .close()
      .catch((error: unknown) => console.error(`Could not stop the compute worker: ${describe(error)}`))
      .finally(() => {
        state.running = null;
        state.shuttingDown = false;
        app.quit();
      });
  });
}

/** Once Electron is ready: harden the session, serve the renderer, claim the home, open the window, warm up. */
function startWhenReady(state: DesktopAppState, paths: DesktopAppPaths): void {
  app
    .whenReady()
    .then(() => {
      hardenSession(session.defaultSession);
      handleAppProtocol(paths.rendererDirectory);
      installApplicationMenu(process.platform, app.isPackaged);
      const workbench = openWorkbench(state);
      const claim = workbench.services.claimHome('desktop', 'the RTK Workbench desktop app');
      if (!claim.claimed) {
        dialog.showErrorBox(
          'This workbench is already open',
          `Its home ${app.getPath('userData')} is in use by ${describeOwner(claim.owner)}. ` +
            'Use that one, or stop it and start the app again.',
        );
        return workbench.close().finally(() => app.exit(1));
      }
      state.running = workbench;
      openWindow(state, paths, workbench);
      // Doctor runs after the window exists so the first paint never waits for the worker.
      return workbench.services.warmUp();
    })
    .catch((error: unknown) => {
      dialog.showErrorBox('RTK Workbench could not start', describe(error));
      app.exit(1);
    });
}
