import { ipcMain } from 'electron';
import type { BrowserWindow, IpcMainInvokeEvent } from 'electron';
import { callNames, workbenchCalls, workbenchEvents } from '../../src-shared/contracts/api.js';
import type { WorkbenchHandlers } from '../../src-shared/contracts/api.js';
import type { CallOutcome } from '../../src-shared/contracts/define.js';
import { callFailure, dispatchCall } from '../../src-shared/contracts/dispatch.js';
import type { EventBus } from '../services/event-bus.js';

/** What the IPC binding connects: one window, the services' handlers and their event stream. */
export interface IpcBindingOptions {
  readonly window: BrowserWindow;
  readonly handlers: WorkbenchHandlers;
  readonly events: EventBus;
  /** Whether a frame URL is the workbench's own page; calls from anything else are refused. */
  readonly isTrustedUrl: (url: string) => boolean;
  /** How many events to hold while the page loads; the oldest are dropped beyond it. */
  readonly maximumQueuedEvents?: number;
}

interface QueuedEvent {
  readonly channel: string;
  readonly payload: unknown;
}

const defaultMaximumQueuedEvents = 1_000;

function senderRefusal(
  window: BrowserWindow,
  event: IpcMainInvokeEvent,
  isTrustedUrl: (url: string) => boolean,
): string | null {
  if (window.isDestroyed() || event.sender !== window.webContents) {
    return 'The call came from a window the workbench did not create.';
  }
  const frame = event.senderFrame;
  const mainFrame = window.webContents.mainFrame;
  // Two WebFrameMain objects can stand for the same frame, so frames are compared by process and routing id.
  if (frame === null || frame.processId !== mainFrame.processId || frame.routingId !== mainFrame.routingId) {
    return "The call came from a frame other than the workbench's main frame.";
  }
  if (!isTrustedUrl(frame.url)) return `The call came from a page that is not the workbench (${frame.url}).`;
  return null;
}

/**
 * Binds the contract to Electron IPC for one window. A call is refused before any validation or handler when
 * its sender is not that window's main frame showing the workbench; otherwise it is validated and dispatched
 * like any transport. Every service event goes to the window, held back until the page has finished loading
 * and dropped once the window is gone. Returns the function that unbinds everything (also run when the window
 * closes).
 */
export function bindIpc(options: IpcBindingOptions): () => void {
  const { window, handlers, events, isTrustedUrl } = options;
  const contents = window.webContents;
  const maximumQueuedEvents = options.maximumQueuedEvents ?? defaultMaximumQueuedEvents;

  const channels = callNames.map((name) => workbenchCalls[name].channel);
  for (const channel of channels) {
    ipcMain.handle(channel, async (event, rawArguments: unknown): Promise<CallOutcome<unknown>> => {
      const refusal = senderRefusal(window, event, isTrustedUrl);
      if (refusal !== null) return callFailure('forbidden', `${channel} was refused: ${refusal}`);
      return dispatchCall(handlers, channel, rawArguments);
    });
  }

  // A page that is already showing (bound late) can take events at once; one still loading cannot.
  let pageReady = !contents.isLoading() && contents.getURL() !== '';
  let queue: QueuedEvent[] = [];
  const deliver = (item: QueuedEvent): void => {
    if (window.isDestroyed() || contents.isDestroyed()) return;
    contents.send(item.channel, item.payload);
  };
  const unsubscribe = events.subscribe((name, payload) => {
    if (window.isDestroyed()) return;
    const item = { channel: workbenchEvents[name].channel, payload };
    if (pageReady) {
      deliver(item);
      return;
    }
    queue.push(item);
    if (queue.length > maximumQueuedEvents) queue.shift();
  });
  const onNavigationStart = (details: { isMainFrame: boolean; isSameDocument: boolean }): void => {
    // A reload or a new document has no listeners yet: hold events until it has loaded.
    if (details.isMainFrame && !details.isSameDocument) pageReady = false;
  };
  const onFinishLoad = (): void => {
    pageReady = true;
    const held = queue;
    queue = [];
    for (const item of held) deliver(item);
  };
  contents.on('did-start-navigation', onNavigationStart);
  contents.on('did-finish-load', onFinishLoad);

  let bound = true;
  const unbind = (): void => {
    if (!bound) return;
    bound = false;
    for (const channel of channels) ipcMain.removeHandler(channel);
    unsubscribe();
    queue = [];
    if (!contents.isDestroyed()) {
      contents.off('did-start-navigation', onNavigationStart);
      contents.off('did-finish-load', onFinishLoad);
    }
  };
  window.once('closed', unbind);
  return unbind;
}
