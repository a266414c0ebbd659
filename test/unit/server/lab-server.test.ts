import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { startLabServer } from '../../../src-main/server/lab-server.js';
import type { LabServer } from '../../../src-main/server/lab-server.js';
import { createFakeServices, sampleEngineStatus, sampleHome } from '../../support/fake-services.js';

const rendererDirectory = mkdtempSync(join(tmpdir(), 'rtk-renderer-'));
writeFileSync(join(rendererDirectory, 'index.html'), '<!doctype html><title>RTK Workbench</title>');

let server: LabServer | null = null;
afterEach(async () => {
  await server?.close();
  server = null;
});

async function start(options: { host?: string; log?: (line: string) => void } = {}) {
  const services = createFakeServices();
  server = await startLabServer({ services, rendererDirectory, port: 0, ...options });
  return { services, server };
}

function post(url: string, body: unknown, headers: Record<string, string> = {}) {
  return fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });
}

describe('the lab server', () => {
  it('binds to 127.0.0.1 by default and prints no warning', async () => {
    const lines: string[] = [];
    const { server } = await start({ log: (line) => lines.push(line) });
    expect(server.host).toBe('127.0.0.1');
    expect(server.url).toBe(`http://127.0.0.1:${server.port}/`);
    expect(server.urlWithToken).toBe(`${server.url}?token=${server.token}`);
    expect(server.token).toMatch(/^[0-9a-f]{48}$/);
    expect(lines).toEqual([]);
  });

  it('warns when bound to an address other machines can reach', async () => {
    const lines: string[] = [];
    await start({ host: '0.0.0.0', log: (line) => lines.push(line) });
    expect(lines.join('\n')).toMatch(/Warning: the lab server listens on 0\.0\.0\.0/);
  });

  it('answers 401 without the token, for the API, the page and the event socket', async () => {
    const { server, services } = await start();
    const api = await post(`${server.url}api/home:get`, {});
    expect(api.status).toBe(401);
    expect(((await api.json()) as { error: { message: string } }).error.message).toMatch(/access token/);
    expect((await fetch(server.url)).status).toBe(401);
    expect((await post(`${server.url}api/home:get`, {}, { 'x-workbench-token': 'wrong' })).status).toBe(401);
    const socketStatus = await new Promise<number>((resolve) => {
      const socket = new WebSocket(`ws://127.0.0.1:${server.port}/events`);
      socket.on('unexpected-response', (_request, response) => resolve(response.statusCode ?? 0));
      socket.on('open', () => resolve(101));
      socket.on('error', () => undefined);
    });
    expect(socketStatus).toBe(401);
    expect(services.handlers.getHome).not.toHaveBeenCalled();
  });

  it('answers 403 to a foreign Origin even with the token', async () => {
    const { server, services } = await start();
    const response = await post(
      `${server.url}api/home:get`,
      {},
      { 'x-workbench-token': server.token, origin: 'http://evil.example' },
    );
    expect(response.status).toBe(403);
    expect(services.handlers.getHome).not.toHaveBeenCalled();
  });

  it('returns the home data with a valid token and a same-origin request', async () => {
    const { server } = await start();
    const response = await post(
      `${server.url}api/home:get`,
      {},
      { 'x-workbench-token': server.token, origin: server.url.slice(0, -1) },
    );
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ ok: true, result: sampleHome });
  });

  it('sets a session cookie from the URL token so the page can call the API', async () => {
    const { server } = await start();
    const page = await fetch(server.urlWithToken);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-security-policy')).toMatch(/script-src 'self'/);
    const cookie = page.headers.get('set-cookie') ?? '';
    expect(cookie).toMatch(/HttpOnly; SameSite=Strict/);
    const response = await post(`${server.url}api/engine:status`, {}, { cookie: cookie.split(';')[0] ?? '' });
    expect(await response.json()).toEqual({ ok: true, result: sampleEngineStatus });
  });

  it('rejects a malformed payload with a readable message and never calls the service', async () => {
    const { server, services } = await start();
    const response = await post(
      `${server.url}api/engine:status`,
      { refresh: 3 },
      { 'x-workbench-token': server.token },
    );
    expect(response.status).toBe(400);
    const body = (await response.json()) as { ok: boolean; error: { code: string; message: string } };
    expect(body.error.code).toBe('invalid-arguments');
    expect(body.error.message).toMatch(/Invalid arguments for engine:status: refresh/);
    const notJson = await fetch(`${server.url}api/engine:status`, {
      method: 'POST',
      headers: { 'x-workbench-token': server.token },
      body: '{refresh',
    });
    expect(notJson.status).toBe(400);
    expect(services.handlers.getEngineStatus).not.toHaveBeenCalled();
  });

  it("returns a service's failure in the envelope without an HTTP error status", async () => {
    const { server, services } = await start();
    services.handlers.listDatasets.mockRejectedValueOnce(new Error('disk unplugged'));
    const response = await post(`${server.url}api/datasets:list`, {}, { 'x-workbench-token': server.token });
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({
      ok: false,
      error: { code: 'failed', message: 'disk unplugged' },
    });
  });

  it('answers 404 for a channel outside the contract', async () => {
    const { server } = await start();
    expect(
      (await post(`${server.url}api/store:drop`, {}, { 'x-workbench-token': server.token })).status,
    ).toBe(404);
  });

  it('never serves files outside the renderer folder', async () => {
    const { server } = await start();
    const response = await fetch(`${server.url}..%2F..%2Fetc%2Fpasswd`, {
      headers: { 'x-workbench-token': server.token },
    });
    const body = await response.text();
    expect(body).not.toMatch(/root:/);
    expect(body).toContain('<title>RTK Workbench</title>');
  });

  it('forwards contract events to authenticated WebSocket clients', async () => {
    const { server, services } = await start();
    const socket = new WebSocket(`ws://127.0.0.1:${server.port}/events`, {
      headers: { 'x-workbench-token': server.token },
    });
    await new Promise((resolve) => socket.on('open', resolve));
    const received = new Promise<unknown>((resolve) =>
      socket.on('message', (data: Buffer) => resolve(JSON.parse(data.toString()))),
    );
    services.events.publish('onEngineStatus', sampleEngineStatus);
    expect(await received).toEqual({ event: 'onEngineStatus', payload: sampleEngineStatus });
    socket.close();
  });
});
