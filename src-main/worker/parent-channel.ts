/** The worker's link to the main process, whichever way it was started. */
export interface ParentChannel {
  send(message: unknown): void;
  onMessage(listener: (message: unknown) => void): void;
}

interface UtilityParentPort {
  postMessage(message: unknown): void;
  on(event: 'message', listener: (event: { data: unknown }) => void): void;
}

/**
 * Electron's utilityProcess gives the child `process.parentPort`; child_process.fork gives it an IPC channel on
 * `process.send`. The worker speaks the same protocol over either.
 */
export function connectToParent(): ParentChannel {
  const parentPort = (process as NodeJS.Process & { parentPort?: UtilityParentPort }).parentPort;
  if (parentPort !== undefined) {
    return {
      send: (message) => parentPort.postMessage(message),
      onMessage: (listener) => parentPort.on('message', (event) => listener(event.data)),
    };
  }
  const send = process.send?.bind(process);
  if (send === undefined) {
    throw new Error('The compute worker must be started by the workbench (no IPC channel to its parent).');
  }
  return {
    send: (message) => {
      send(message);
    },
    onMessage: (listener) => {
      process.on('message', listener);
    },
  };
}
