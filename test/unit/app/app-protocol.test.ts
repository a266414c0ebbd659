import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  appEntryUrl,
  handleAppProtocol,
  isAppUrl,
  registerAppScheme,
  serveRendererRequest,
} from '../../../src-main/app/app-protocol.js';
import { contentSecurityPolicy } from '../../../src-main/security/content-security-policy.js';
import { fakeElectron } from './fake-electron.js';

vi.mock('electron', async () => (await import('./fake-electron.js')).fakeElectron);

let rendererDirectory = '';

beforeAll(() => {
  rendererDirectory = mkdtempSync(join(tmpdir(), 'rtk-renderer-'));
  writeFileSync(join(rendererDirectory, 'index.html'), '<!doctype html><title>RTK Workbench</title>');
  mkdirSync(join(rendererDirectory, 'assets'));
  writeFileSync(join(rendererDirectory, 'assets', 'index-1a2b.js'), 'export const answer = 42;');
  writeFileSync(join(rendererDirectory, '..', 'rtk-outside-secret.txt'), 'secret');
});

afterAll(() => {
  rmSync(rendererDirectory, { recursive: true, force: true });
  rmSync(join(rendererDirectory, '..', 'rtk-outside-secret.txt'), { force: true });
});

function get(url: string, method = 'GET'): Promise<Response> {
  return serveRendererRequest(rendererDirectory, new Request(url, { method }));
}

describe('serveRendererRequest', () => {
  it('serves index.html with the strict CSP and no sniffing', async () => {
    const response = await get(appEntryUrl);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(response.headers.get('content-security-policy')).toBe(contentSecurityPolicy(null));
    expect(response.headers.get('content-security-policy')).toContain("script-src 'self'");
    expect(response.headers.get('x-content-type-options')).toBe('nosniff');
    expect(await response.text()).toContain('<title>RTK Workbench</title>');
  });

  it('serves module scripts as JavaScript, also with the CSP', async () => {
    const response = await get('app://workbench/assets/index-1a2b.js');
    expect(response.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(response.headers.get('content-security-policy')).toBe(contentSecurityPolicy(null));
    expect(await response.text()).toBe('export const answer = 42;');
  });

  it('answers a client-side route with index.html and a missing asset with 404', async () => {
    const route = await get('app://workbench/experiments/12');
    expect(route.status).toBe(200);
    expect(await route.text()).toContain('RTK Workbench');
    const missing = await get('app://workbench/assets/missing.js');
    expect(missing.status).toBe(404);
    expect(await missing.text()).toContain('/assets/missing.js');
  });

  it('refuses paths that leave the renderer folder', async () => {
    const response = await get('app://workbench/..%2frtk-outside-secret.txt');
    expect(response.status).toBe(403);
    expect(await response.text()).not.toContain('secret');
  });

  it('refuses other hosts and methods that are not reads', async () => {
    expect((await get('app://elsewhere/index.html')).status).toBe(404);
    expect((await get(appEntryUrl, 'POST')).status).toBe(405);
    const head = await get(appEntryUrl, 'HEAD');
    expect(head.status).toBe(200);
    expect(await head.text()).toBe('');
  });

  it('says the renderer is not built when index.html is missing', async () => {
    const empty = mkdtempSync(join(tmpdir(), 'rtk-renderer-empty-'));
    try {
      const response = await serveRendererRequest(empty, new Request(appEntryUrl));
      expect(response.status).toBe(500);
      expect(await response.text()).toMatch(/not built.*npm run build/);
    } finally {
      rmSync(empty, { recursive: true, force: true });
    }
  });
});

describe('the app scheme', () => {
  it('is registered as a standard, secure scheme without bypassing the CSP', () => {
    registerAppScheme();
    const scheme = fakeElectron.protocol.schemes.at(-1)?.[0];
    expect(scheme?.scheme).toBe('app');
    expect(scheme?.privileges).toMatchObject({ standard: true, secure: true, supportFetchAPI: true });
    expect(scheme?.privileges?.bypassCSP).toBeUndefined();
  });

  it('is handled by the renderer server', async () => {
    handleAppProtocol(rendererDirectory);
    const handler = fakeElectron.protocol.handlers.get('app');
    if (handler === undefined) throw new Error('the app scheme has no handler');
    const response = await handler(new Request(appEntryUrl));
    expect(response.headers.get('content-security-policy')).toBe(contentSecurityPolicy(null));
  });

  it('recognises only the workbench origin', () => {
    expect(isAppUrl('app://workbench/index.html')).toBe(true);
    expect(isAppUrl('app://workbench')).toBe(true);
    expect(isAppUrl('app://other/index.html')).toBe(false);
    expect(isAppUrl('https://workbench/index.html')).toBe(false);
    expect(isAppUrl('file:///index.html')).toBe(false);
    expect(isAppUrl('')).toBe(false);
  });
});
