import { fileURLToPath } from 'node:url';
import { app, BrowserWindow, dialog, session, shell } from 'electron';
import { bindIpc } from '../ipc/bind-ipc.js';
import { utilityProcessWorkerLauncher } from '../jobs/utility-process-launcher.js';
import { WorkerSupervisor } from '../jobs/worker-supervisor.js';
import { createWorkbenchServices } from '../services/workbench-services.js';
import type { WorkbenchServices } from '../services/workbench-services.js';
import { openWorkbenchStore } from '../store/workbench-store.js';
import type { WorkbenchStore } from '../store/workbench-store.js';
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

interface RunningWorkbench {
  readonly store: WorkbenchStore;
  readonly supervisor: WorkerSupervisor;
  readonly importSupervisor: WorkerSupervisor;
  readonly services: WorkbenchServices;
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
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

  let running: RunningWorkbench | null = null;
  let mainWindow: BrowserWindow | null = null;
  let shuttingDown = false;

  const openWindow = (workbench: RunningWorkbench): void => {
    const window = createMainWindow({ preloadFile: paths.preloadFile, isTrustedUrl: isAppUrl });
    bindIpc({
      window,
      handlers: workbench.services.handlers,
      events: workbench.services.events,
      isTrustedUrl: isAppUrl,
    });
    mainWindow = window;
    window.on('closed', () => {
      if (mainWindow === window) mainWindow = null;
    });
    window.loadURL(appEntryUrl).catch((error: unknown) => {
      console.error(`Could not load the workbench page: ${describe(error)}`);
    });
  };

  const openWorkbench = (): RunningWorkbench => {
    const homeDirectory = app.getPath('userData');
    const store = openWorkbenchStore(homeDirectory);
    const supervisor = new WorkerSupervisor(utilityProcessWorkerLauncher());
    const importSupervisor = new WorkerSupervisor(utilityProcessWorkerLauncher());
    const services = createWorkbenchServices({
      store,
      supervisor,
      importSupervisor,
      homeDirectory,
      mode: 'desktop',
      forcedBackend: null,
      openFolder: async (path) => {
        const failure = await shell.openPath(path);
        if (failure !== '') throw new Error(`The folder ${path} could not be opened: ${failure}`);
      },
      pickPath: async (kind) => {
        const options: Electron.OpenDialogOptions = {
          properties: [kind === 'folder' ? 'openDirectory' : 'openFile'],
        };
        const choice =
          mainWindow === null
            ? await dialog.showOpenDialog(options)
            : await dialog.showOpenDialog(mainWindow, options);
        return choice.canceled ? null : (choice.filePaths[0] ?? null);
      },
    });
    return { store, supervisor, importSupervisor, services };
  };

  app.on('second-instance', () => {
    if (mainWindow === null || mainWindow.isDestroyed()) return;
    if (mainWindow.isMinimized()) mainWindow.restore();
    mainWindow.focus();
  });

  app.on('window-all-closed', () => {
    // On macOS an app stays open without windows until the user quits it.
    if (process.platform !== 'darwin') app.quit();
  });

  app.on('activate', () => {
    if (running !== null && BrowserWindow.getAllWindows().length === 0) openWindow(running);
  });

  app.on('will-quit', (event) => {
    const workbench = running;
    if (workbench === null && !shuttingDown) return;
    event.preventDefault();
    if (shuttingDown || workbench === null) return;
    shuttingDown = true;
    Promise.all([workbench.supervisor.shutdown(), workbench.importSupervisor.shutdown()])
      .catch((error: unknown) => console.error(`Could not stop the compute worker: ${describe(error)}`))
      .finally(() => {
        workbench.store.close();
        running = null;
        shuttingDown = false;
        app.quit();
      });
  });

  app
    .whenReady()
    .then(() => {
      hardenSession(session.defaultSession);
      handleAppProtocol(paths.rendererDirectory);
      installApplicationMenu(process.platform, app.isPackaged);
      const workbench = openWorkbench();
      running = workbench;
      openWindow(workbench);
      workbench.services.startQueue();
      // Doctor runs after the window exists so the first paint never waits for the worker.
      return workbench.services.warmUp();
    })
    .catch((error: unknown) => {
      dialog.showErrorBox('RTK Workbench could not start', describe(error));
      app.exit(1);
    });
}
