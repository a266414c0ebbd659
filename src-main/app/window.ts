import { BrowserWindow, shell } from 'electron';
import type { WebContents, WindowOpenHandlerResponse } from 'electron';

/** What the main window needs from the app. */
export interface MainWindowOptions {
  /** The bundled preload script (build/preload/preload.cjs). */
  readonly preloadFile: string;
  /** Whether a URL belongs to the workbench itself; navigation anywhere else is blocked. */
  readonly isTrustedUrl: (url: string) => boolean;
}

/** Whether a link may be handed to the OS browser: only https, since plain http is readable on the wire. */
export function isExternalLink(url: string): boolean {
  try {
    return new URL(url).protocol === 'https:';
  } catch {
    return false;
  }
}

/**
 * Keeps a web contents on the workbench: navigations and redirects to other origins are prevented, webviews
 * cannot be attached, and window.open is always denied (an https link opens in the OS browser instead).
 */
export function guardNavigation(contents: WebContents, isTrustedUrl: (url: string) => boolean): void {
  contents.on('will-navigate', (event) => {
    if (!isTrustedUrl(event.url)) event.preventDefault();
  });
  contents.on('will-redirect', (event) => {
    if (!isTrustedUrl(event.url)) event.preventDefault();
  });
  contents.on('will-attach-webview', (event) => event.preventDefault());
  contents.setWindowOpenHandler(({ url }): WindowOpenHandlerResponse => {
    if (isExternalLink(url)) {
      shell.openExternal(url).catch((error: unknown) => {
        console.error(`Could not open ${url}: ${error instanceof Error ? error.message : String(error)}`);
      });
    }
    return { action: 'deny' };
  });
}

/**
 * Creates the workbench window: isolated, sandboxed renderer without Node, only the bundled preload, shown once
 * its first paint is ready so it never flashes blank.
 */
export function createMainWindow(options: MainWindowOptions): BrowserWindow {
  const window = new BrowserWindow({
    width: 1280,
    height: 800,
    minWidth: 1024,
    minHeight: 700,
    show: false,
    title: 'RTK Workbench',
    webPreferences: {
      preload: options.preloadFile,
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
      navigateOnDragDrop: false,
      spellcheck: false,
    },
  });
  window.once('ready-to-show', () => window.show());
  guardNavigation(window.webContents, options.isTrustedUrl);
  return window;
}
