import type { MenuItemConstructorOptions } from 'electron';
import { describe, expect, it, vi } from 'vitest';
import { applicationMenuTemplate, installApplicationMenu } from '../../../src-main/app/application-menu.js';
import { fakeElectron } from './fake-electron.js';

vi.mock('electron', async () => (await import('./fake-electron.js')).fakeElectron);

function roles(items: readonly MenuItemConstructorOptions[]): string[] {
  return items.flatMap((item) => [
    ...(item.role === undefined ? [] : [item.role]),
    ...(Array.isArray(item.submenu) ? roles(item.submenu) : []),
  ]);
}

describe('applicationMenuTemplate', () => {
  it('offers developer tools only in an unpackaged build', () => {
    expect(roles(applicationMenuTemplate('linux', false))).toContain('toggleDevTools');
    expect(roles(applicationMenuTemplate('linux', true))).not.toContain('toggleDevTools');
  });

  it('has an app menu on macOS and a quit item elsewhere', () => {
    expect(roles(applicationMenuTemplate('darwin', true))[0]).toBe('appMenu');
    expect(roles(applicationMenuTemplate('win32', true))).toContain('quit');
    expect(roles(applicationMenuTemplate('win32', true))).not.toContain('appMenu');
  });

  it('keeps the edit menu so copy and paste shortcuts work', () => {
    expect(roles(applicationMenuTemplate('darwin', true))).toContain('editMenu');
  });

  it('installs the template as the application menu', () => {
    installApplicationMenu('linux', true);
    expect(fakeElectron.Menu.buildFromTemplate).toHaveBeenCalledWith(applicationMenuTemplate('linux', true));
    expect(fakeElectron.Menu.setApplicationMenu).toHaveBeenCalledTimes(1);
  });
});
