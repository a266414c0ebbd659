import { beforeEach, describe, expect, it, vi } from 'vitest';
import { createMainWindow, isExternalLink } from '../../../src-main/app/window.js';
import { isAppUrl } from '../../../src-main/app/app-protocol.js';
import type { FakeBrowserWindow } from './fake-electron.js';
import { fakeElectron, navigationEvent } from './fake-electron.js';

vi.mock('electron', async () => (await import('./fake-electron.js')).fakeElectron);

const preloadFile = '/opt/rtk-workbench/build/preload/preload.cjs';

function openWindow(): FakeBrowserWindow {
  return createMainWindow({ preloadFile, isTrustedUrl: isAppUrl }) as unknown as FakeBrowserWindow;
}

describe('createMainWindow', () => {
  beforeEach(() => {
    fakeElectron.shell.openExternal.mockClear();
  });

  it('creates an isolated, sandboxed window without Node and with the bundled preload', () => {
    const window = openWindow();
    const preferences = window.options.webPreferences;
    expect(preferences?.contextIsolation).toBe(true);
    expect(preferences?.sandbox).toBe(true);
    expect(preferences?.nodeIntegration).toBe(false);
    expect(preferences?.nodeIntegrationInWorker).toBe(false);
    expect(preferences?.webSecurity).toBe(true);
    expect(preferences?.webviewTag).toBe(false);
    expect(preferences?.preload).toBe(preloadFile);
  });

  it('opens at 1280x800 with a 1024x700 minimum and shows only when ready to show', () => {
    const window = openWindow();
    expect(window.options).toMatchObject({
      width: 1280,
      height: 800,
      minWidth: 1024,
      minHeight: 700,
      show: false,
    });
    expect(window.shown).toBe(false);
    window.emit('ready-to-show');
    expect(window.shown).toBe(true);
  });

  it('prevents navigation and redirects away from the workbench, and allows its own pages', () => {
    const contents = openWindow().webContents;
    const away = navigationEvent('https://example.com/phish');
    contents.emit('will-navigate', away);
    expect(away.defaultPrevented()).toBe(true);
    const droppedFile = navigationEvent('file:///home/user/notes.html');
    contents.emit('will-navigate', droppedFile);
    expect(droppedFile.defaultPrevented()).toBe(true);
    const redirect = navigationEvent('http://127.0.0.1:9999/');
    contents.emit('will-redirect', redirect);
    expect(redirect.defaultPrevented()).toBe(true);
    const own = navigationEvent('app://workbench/index.html');
    contents.emit('will-navigate', own);
    expect(own.defaultPrevented()).toBe(false);
    const lookalike = navigationEvent('app://workbench.evil/index.html');
    contents.emit('will-navigate', lookalike);
    expect(lookalike.defaultPrevented()).toBe(true);
  });

  it('refuses to attach webviews', () => {
    const contents = openWindow().webContents;
    const attach = navigationEvent('app://workbench/');
    contents.emit('will-attach-webview', attach);
    expect(attach.defaultPrevented()).toBe(true);
  });

  it('denies every window.open and hands only https links to the OS browser', () => {
    const contents = openWindow().webContents;
    const handler = contents.windowOpenHandler;
    if (handler === null) throw new Error('no window open handler was set');
    expect(handler({ url: 'https://arxiv.org/abs/1503.02531' })).toEqual({ action: 'deny' });
    expect(handler({ url: 'http://example.com/' })).toEqual({ action: 'deny' });
    expect(handler({ url: 'file:///etc/passwd' })).toEqual({ action: 'deny' });
    expect(handler({ url: 'app://workbench/index.html' })).toEqual({ action: 'deny' });
    expect(fakeElectron.shell.openExternal.mock.calls).toEqual([['https://arxiv.org/abs/1503.02531']]);
  });
});

describe('isExternalLink', () => {
  it('accepts https only', () => {
    expect(isExternalLink('https://example.com')).toBe(true);
    expect(isExternalLink('http://example.com')).toBe(false);
    expect(isExternalLink('javascript:alert(1)')).toBe(false);
    expect(isExternalLink('not a url')).toBe(false);
  });
});
