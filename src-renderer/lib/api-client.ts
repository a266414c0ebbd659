import type { WorkbenchApi } from '../../src-shared/contracts/api.js';
import { createLabClient } from './lab-client.js';

declare global {
  interface Window {
    /** The API the Electron preload exposes; absent in a plain browser (lab mode). */
    readonly workbench?: WorkbenchApi;
  }
}

let api: WorkbenchApi | null = null;

/** The workbench API: the preload's in Electron, otherwise the HTTP/WebSocket lab client. */
export function getWorkbenchApi(): WorkbenchApi {
  api ??= window.workbench ?? createLabClient();
  return api;
}

/** Whether the page runs inside the Electron app (rather than a browser in lab mode). */
export function runsInElectron(): boolean {
  return window.workbench !== undefined;
}
