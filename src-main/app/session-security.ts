import type { Session } from 'electron';

/** Every URL pattern that would reach a network: the workbench is offline and loads nothing remote. */
export const remoteUrlPatterns = ['http://*/*', 'https://*/*', 'ws://*/*', 'wss://*/*'];

/**
 * Locks a session down: every permission request and permission check is denied (the workbench needs no camera,
 * notifications or clipboard API), device access is refused, and any request to the network is cancelled.
 */
export function hardenSession(session: Session): void {
  session.setPermissionRequestHandler((_webContents, _permission, callback) => callback(false));
  session.setPermissionCheckHandler(() => false);
  session.setDevicePermissionHandler(() => false);
  session.webRequest.onBeforeRequest({ urls: remoteUrlPatterns }, (_details, callback) =>
    callback({ cancel: true }),
  );
}
