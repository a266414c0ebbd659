import type { IpcRenderer, IpcRendererEvent } from 'electron';
import { callNames, eventNames, workbenchCalls, workbenchEvents } from '../../src-shared/contracts/api.js';
import type { WorkbenchApi } from '../../src-shared/contracts/api.js';

/** The part of ipcRenderer the API is built on; it stays inside the preload and is never exposed. */
export type PreloadIpc = Pick<IpcRenderer, 'invoke' | 'on' | 'removeListener'>;

/** Turns the envelope the main process answers with into the result, or an Error carrying its message. */
export function unwrapOutcome(channel: string, reply: unknown): unknown {
  if (typeof reply === 'object' && reply !== null && 'ok' in reply) {
    if (reply.ok === true && 'result' in reply) return reply.result;
    if (reply.ok === false && 'error' in reply) {
      const { error } = reply;
      if (
        typeof error === 'object' &&
        error !== null &&
        'message' in error &&
        typeof error.message === 'string'
      ) {
        throw new Error(error.message);
      }
    }
  }
  throw new Error(`The workbench answered ${channel} with a reply that is not a call outcome.`);
}

/**
 * Builds the API the renderer sees from the contract: one named function per call and one subscriber per
 * event. The renderer never gets ipcRenderer, the IPC event objects or a way to name a channel itself.
 */
export function createWorkbenchApi(ipc: PreloadIpc): WorkbenchApi {
  const api: Record<string, unknown> = {};
  for (const name of callNames) {
    const channel = workbenchCalls[name].channel;
    api[name] = async (argumentsValue?: unknown): Promise<unknown> =>
      unwrapOutcome(channel, await ipc.invoke(channel, argumentsValue));
  }
  for (const name of eventNames) {
    const channel = workbenchEvents[name].channel;
    api[name] = (listener: (payload: unknown) => void): (() => void) => {
      // The renderer is plain JavaScript at run time: a wrong argument gets a readable error here.
      if (typeof listener !== 'function') {
        throw new TypeError(`${name} needs a function to call with each event, not ${typeof listener}.`);
      }
      const forward = (_event: IpcRendererEvent, payload: unknown): void => {
        listener(payload);
      };
      ipc.on(channel, forward);
      return () => {
        ipc.removeListener(channel, forward);
      };
    };
  }
  // TypeScript cannot build a mapped type by iterating its keys; the loops above fill exactly callNames and
  // eventNames, which are the keys of WorkbenchApi.
  return Object.freeze(api) as WorkbenchApi;
}
