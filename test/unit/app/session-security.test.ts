import type { Session } from 'electron';
import { describe, expect, it } from 'vitest';
import { hardenSession } from '../../../src-main/app/session-security.js';
import { FakeSession } from './fake-electron.js';

function hardened(): FakeSession {
  const session = new FakeSession();
  hardenSession(session as unknown as Session);
  return session;
}

describe('hardenSession', () => {
  it('denies every permission request', () => {
    const session = hardened();
    const handler = session.permissionRequestHandler;
    if (handler === null) throw new Error('no permission request handler was set');
    for (const permission of ['media', 'notifications', 'geolocation', 'clipboard-read', 'openExternal']) {
      const answers: boolean[] = [];
      handler({}, permission, (granted: boolean) => answers.push(granted), {});
      expect(answers, permission).toEqual([false]);
    }
  });

  it('denies every permission check and device request', () => {
    const session = hardened();
    expect(session.permissionCheckHandler?.(null, 'clipboard-sanitized-write', 'app://workbench', {})).toBe(
      false,
    );
    expect(session.permissionCheckHandler?.(null, 'media', 'app://workbench', {})).toBe(false);
    expect(session.devicePermissionHandler?.({ deviceType: 'usb', origin: 'app://workbench' })).toBe(false);
  });

  it('cancels every request that would reach the network', () => {
    const session = hardened();
    const blocking = session.beforeRequest;
    if (blocking === null) throw new Error('no request filter was set');
    expect(blocking.filter.urls).toEqual(['http://*/*', 'https://*/*', 'ws://*/*', 'wss://*/*']);
    const answers: { cancel?: boolean }[] = [];
    blocking.listener({ url: 'https://cdn.example.com/font.woff2' }, (response) => answers.push(response));
    expect(answers).toEqual([{ cancel: true }]);
  });
});
