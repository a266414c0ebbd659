import { EventEmitter } from 'node:events';
import { PassThrough } from 'node:stream';
import type { BrowserWindowConstructorOptions, CustomScheme } from 'electron';
import { vi } from 'vitest';

/**
 * A stand-in for the parts of the `electron` module the app, IPC, preload and launcher code use: the binary is
 * not installed here, so tests mock 'electron' with this and drive its events by hand.
 */

export interface FakeFrame {
  processId: number;
  routingId: number;
  url: string;
}

export interface FakeNavigationEvent {
  readonly url: string;
  readonly preventDefault: () => void;
  readonly defaultPrevented: () => boolean;
}

/** A navigation event whose preventDefault can be checked. */
export function navigationEvent(url: string): FakeNavigationEvent {
  let prevented = false;
  return {
    url,
    preventDefault: () => {
      prevented = true;
    },
    defaultPrevented: () => prevented,
  };
}

export class FakeWebContents extends EventEmitter {
  mainFrame: FakeFrame = { processId: 7, routingId: 1, url: 'app://workbench/index.html' };
  loading = true;
  url = '';
  destroyed = false;
  readonly sent: [string, unknown][] = [];
  windowOpenHandler: ((details: { url: string }) => { action: string }) | null = null;

  isLoading(): boolean {
    return this.loading;
  }
  getURL(): string {
    return this.url;
  }
  isDestroyed(): boolean {
    return this.destroyed;
  }
  send(channel: string, payload: unknown): void {
    if (this.destroyed) throw new Error('Object has been destroyed');
    this.sent.push([channel, payload]);
  }
  setWindowOpenHandler(handler: (details: { url: string }) => { action: string }): void {
    this.windowOpenHandler = handler;
  }
  /** Plays a finished page load, as Electron would. */
  finishLoad(): void {
    this.loading = false;
    this.url = this.mainFrame.url;
    this.emit('did-finish-load');
  }
}

export class FakeBrowserWindow extends EventEmitter {
  static readonly instances: FakeBrowserWindow[] = [];
  static getAllWindows(): FakeBrowserWindow[] {
    return FakeBrowserWindow.instances.filter((window) => !window.destroyed);
  }

  readonly webContents = new FakeWebContents();
  destroyed = false;
  shown = false;
  minimized = false;
  focused = false;
  readonly loadedUrls: string[] = [];

  constructor(readonly options: BrowserWindowConstructorOptions) {
    super();
    FakeBrowserWindow.instances.push(this);
  }
  isDestroyed(): boolean {
    return this.destroyed;
  }
  show(): void {
    this.shown = true;
  }
  isMinimized(): boolean {
    return this.minimized;
  }
  restore(): void {
    this.minimized = false;
  }
  focus(): void {
    this.focused = true;
  }
  loadURL(url: string): Promise<void> {
    this.loadedUrls.push(url);
    return Promise.resolve();
  }
  /** Closes the window the way Electron does: destroyed first, then 'closed'. */
  close(): void {
    this.destroyed = true;
    this.webContents.destroyed = true;
    this.emit('closed');
  }
}

type InvokeHandler = (event: unknown, ...arguments_: unknown[]) => unknown;

export class FakeIpcMain {
  readonly handlers = new Map<string, InvokeHandler>();
  handle(channel: string, handler: InvokeHandler): void {
    if (this.handlers.has(channel))
      throw new Error(`Attempted to register a second handler for '${channel}'`);
    this.handlers.set(channel, handler);
  }
  removeHandler(channel: string): void {
    this.handlers.delete(channel);
  }
  /** Calls a registered handler as ipcRenderer.invoke would reach it. */
  invoke(channel: string, event: unknown, argumentsValue?: unknown): Promise<unknown> {
    const handler = this.handlers.get(channel);
    if (handler === undefined) return Promise.reject(new Error(`No handler registered for '${channel}'`));
    return Promise.resolve(handler(event, argumentsValue));
  }
}

export class FakeSession {
  permissionRequestHandler: ((...arguments_: unknown[]) => void) | null = null;
  permissionCheckHandler: ((...arguments_: unknown[]) => boolean) | null = null;
  devicePermissionHandler: ((...arguments_: unknown[]) => boolean) | null = null;
  beforeRequest: {
    filter: { urls: string[] };
    listener: (details: { url: string }, callback: (response: { cancel?: boolean }) => void) => void;
  } | null = null;
  readonly webRequest = {
    onBeforeRequest: (
      filter: { urls: string[] },
      listener: (details: { url: string }, callback: (response: { cancel?: boolean }) => void) => void,
    ): void => {
      this.beforeRequest = { filter, listener };
    },
  };
  setPermissionRequestHandler(handler: (...arguments_: unknown[]) => void): void {
    this.permissionRequestHandler = handler;
  }
  setPermissionCheckHandler(handler: (...arguments_: unknown[]) => boolean): void {
    this.permissionCheckHandler = handler;
  }
  setDevicePermissionHandler(handler: (...arguments_: unknown[]) => boolean): void {
    this.devicePermissionHandler = handler;
  }
}

export class FakeUtilityProcess extends EventEmitter {
  pid: number | undefined = undefined;
  readonly stderr = new PassThrough();
  readonly posted: unknown[] = [];
  killed = false;
  postMessage(message: unknown): void {
    this.posted.push(message);
  }
  kill(): boolean {
    this.killed = true;
    return true;
  }
}

export class FakeApp extends EventEmitter {
  singleInstance = true;
  isPackaged = false;
  readonly quit = vi.fn();
  readonly exit = vi.fn();
  readonly enableSandbox = vi.fn();
  markReady: () => void = () => undefined;
  private ready = this.freshReady();

  /** Forgets listeners, calls and readiness, as a new process would start. */
  reset(): void {
    this.removeAllListeners();
    this.singleInstance = true;
    this.quit.mockReset();
    this.exit.mockReset();
    this.enableSandbox.mockReset();
    this.ready = this.freshReady();
  }
  private freshReady(): Promise<void> {
    return new Promise<void>((resolve) => {
      this.markReady = resolve;
    });
  }
  readonly getPath = vi.fn((_name: string) => '/fake/user-data');
  requestSingleInstanceLock(): boolean {
    return this.singleInstance;
  }
  whenReady(): Promise<void> {
    return this.ready;
  }
}

function createFakeElectron() {
  const forks: { modulePath: string; args: string[]; options: unknown; child: FakeUtilityProcess }[] = [];
  const schemes: CustomScheme[][] = [];
  const protocolHandlers = new Map<string, (request: Request) => Response | Promise<Response>>();
  return {
    app: new FakeApp(),
    BrowserWindow: FakeBrowserWindow,
    ipcMain: new FakeIpcMain(),
    session: { defaultSession: new FakeSession() },
    shell: { openExternal: vi.fn((_url: string) => Promise.resolve()) },
    dialog: { showErrorBox: vi.fn() },
    Menu: {
      buildFromTemplate: vi.fn((template: unknown) => ({ template })),
      setApplicationMenu: vi.fn(),
    },
    protocol: {
      schemes,
      handlers: protocolHandlers,
      registerSchemesAsPrivileged: (customSchemes: CustomScheme[]) => {
        schemes.push(customSchemes);
      },
      handle: (scheme: string, handler: (request: Request) => Response | Promise<Response>) => {
        protocolHandlers.set(scheme, handler);
      },
    },
    utilityProcess: {
      forks,
      fork: (modulePath: string, args: string[], options: unknown): FakeUtilityProcess => {
        const child = new FakeUtilityProcess();
        forks.push({ modulePath, args, options, child });
        return child;
      },
    },
    contextBridge: { exposeInMainWorld: vi.fn((_key: string, _api: unknown) => undefined) },
    ipcRenderer: {
      invoke: vi.fn((_channel: string, ..._arguments: unknown[]): Promise<unknown> =>
        Promise.resolve(undefined),
      ),
      on: vi.fn(),
      removeListener: vi.fn(),
    },
  };
}

/** The one fake electron module of a test file: vi.mock('electron', ...) returns it. */
export const fakeElectron = createFakeElectron();
