import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { networkInterfaces, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { startLabServer } from '../../../src-main/server/lab-server.js';
import type { LabServer } from '../../../src-main/server/lab-server.js';
import { createFakeServices, sampleHome } from '../../support/fake-services.js';
import { rawExchange, rawRequest } from './raw-http.js';

const rendererDirectory = mkdtempSync(join(tmpdir(), 'rtk-renderer-'));
writeFileSync(join(rendererDirectory, 'index.html'), '<!doctype html><title>RTK Workbench</title>');

let server: LabServer | null = null;
afterEach(async () => {
  await server?.close();
  server = null;
});

async function start(options: { host?: string; renderer?: string } = {}) {
  const services = createFakeServices();
  const lines: string[] = [];
  server = await startLabServer({
    services,
    rendererDirectory: options.renderer ?? rendererDirectory,
    port: 0,
    log: (line) => lines.push(line),
    ...(options.host === undefined ? {} : { host: options.host }),
  });
  return { services, server, lines };
}

/** The server still answers an authenticated call with the right data. */
async function expectAlive(labServer: LabServer): Promise<void> {
  const response = await fetch(`${labServer.url}api/home:get`, {
    method: 'POST',
    headers: { 'x-workbench-token': labServer.token },
    body: '{}',
  });
  expect(response.status).toBe(200);
  expect(await response.json()).toEqual({ ok: true, result: sampleHome });
}

function envelope(body: string): { ok: boolean; error: { code: string; message: string } } {
  return JSON.parse(body) as { ok: boolean; error: { code: string; message: string } };
}

describe('the lab server refuses malformed requests instead of crashing', () => {
  it('answers 400 to a cookie that is not valid percent-encoding, without a token', async () => {
    const { server } = await start();
    const reply = await rawExchange(
      server.port,
      rawRequest('GET', '/', {
        Host: `127.0.0.1:${server.port}`,
        Cookie: `rtk_workbench_token_${server.port}=%E0%A4%A`,
      }),
    );
    expect(reply.status).toBe(400);
    expect(envelope(reply.body)).toMatchObject({ ok: false, error: { code: 'invalid-arguments' } });
    expect(envelope(reply.body).error.message).toMatch(/cookie/i);
    await expectAlive(server);
  });

  it.each(['/%', '/%c0%ae%c0%ae/%c0%ae%c0%ae/etc/passwd', '/assets/%E0%A4%A.js'])(
    'answers 400 to the undecodable path %s with a token',
    async (path) => {
      const { server } = await start();
      const reply = await rawExchange(
        server.port,
        rawRequest('GET', path, { Host: `127.0.0.1:${server.port}`, 'X-Workbench-Token': server.token }),
      );
      expect(reply.status).toBe(400);
      expect(envelope(reply.body).error.code).toBe('invalid-arguments');
      await expectAlive(server);
    },
  );

  it('answers 400 to an undecodable API channel and never calls a service', async () => {
    const { server, services } = await start();
    const reply = await rawExchange(
      server.port,
      rawRequest(
        'POST',
        '/api/%E0',
        { Host: `127.0.0.1:${server.port}`, 'X-Workbench-Token': server.token },
        '{}',
      ),
    );
    expect(reply.status).toBe(400);
    expect(envelope(reply.body).error.code).toBe('invalid-arguments');
    expect(services.handlers.getHome).not.toHaveBeenCalled();
    await expectAlive(server);
  });

  it('answers 400 to a request target that is not a URL, without a token', async () => {
    const { server } = await start();
    const reply = await rawExchange(
      server.port,
      rawRequest('GET', '//', { Host: `127.0.0.1:${server.port}` }),
    );
    expect(reply.status).toBe(400);
    await expectAlive(server);
  });

  it('answers a request that is not HTTP with a 400 envelope, and one with huge headers with 431', async () => {
    const { server } = await start();
    const garbage = await rawExchange(server.port, 'GET / HTTP/1.1\r\nHost: \u0001bad\r\n\r\n');
    expect(garbage.status).toBe(400);
    expect(envelope(garbage.body).error.message).toMatch(/not valid HTTP/);
    const huge = await rawExchange(
      server.port,
      rawRequest('GET', '/', { Host: `127.0.0.1:${server.port}`, Cookie: 'a'.repeat(40_000) }),
    );
    expect(huge.status).toBe(431);
    expect(envelope(huge.body).error.message).toMatch(/too large/);
    await expectAlive(server);
  });

  it('refuses a WebSocket upgrade with an undecodable cookie with 400', async () => {
    const { server } = await start();
    const status = await new Promise<number>((resolve) => {
      const socket = new WebSocket(`ws://127.0.0.1:${server.port}/events`, {
        headers: { cookie: `rtk_workbench_token_${server.port}=%E0%A4%A` },
      });
      socket.on('unexpected-response', (_request, response) => resolve(response.statusCode ?? 0));
      socket.on('open', () => resolve(101));
      socket.on('error', () => resolve(-1));
    });
    expect(status).toBe(400);
    await expectAlive(server);
  });

  it('closes its side of a refused upgrade, so no connection is left open', async () => {
    const { server: labServer } = await start();
    const upgrade = rawRequest('GET', '/events', {
      Host: `127.0.0.1:${labServer.port}`,
      Upgrade: 'websocket',
      Connection: 'Upgrade',
      'Sec-WebSocket-Key': 'dGhlIHNhbXBsZSBub25jZQ==',
      'Sec-WebSocket-Version': '13',
    }).replace('Connection: close\r\n', '');
    const afterHead = Buffer.from('a client that keeps talking');
    expect((await rawExchange(labServer.port, upgrade, { afterHead })).status).toBe(401);
    // close() waits for every open connection: a half-open refused socket would hold it forever.
    server = null;
    const closed = await Promise.race([
      labServer.close().then(() => 'closed'),
      new Promise((resolve) => setTimeout(() => resolve('still open'), 3_000)),
    ]);
    expect(closed).toBe('closed');
  });

  it('survives a client that sends an invalid frame on an authenticated event socket', async () => {
    const { server } = await start();
    const upgrade = rawRequest('GET', '/events', {
      Host: `127.0.0.1:${server.port}`,
      'X-Workbench-Token': server.token,
      Upgrade: 'websocket',
      Connection: 'Upgrade',
      'Sec-WebSocket-Key': 'dGhlIHNhbXBsZSBub25jZQ==',
      'Sec-WebSocket-Version': '13',
    }).replace('Connection: close\r\n', '');
    // An unmasked text frame: a server must fail the connection when a client does not mask.
    const reply = await rawExchange(server.port, upgrade, {
      afterHead: Buffer.from([0x81, 0x02, 0x68, 0x69]),
    });
    expect(reply.status).toBe(101);
    await expectAlive(server);
  });

  it('answers 500 and stays up when a request handler throws', async () => {
    const { server, services, lines } = await start();
    Object.defineProperty(services, 'handlers', {
      get: () => {
        throw new Error('handlers are gone');
      },
    });
    const response = await fetch(`${server.url}api/home:get`, {
      method: 'POST',
      headers: { 'x-workbench-token': server.token },
      body: '{}',
    });
    expect(response.status).toBe(500);
    expect(((await response.json()) as { error: { code: string } }).error.code).toBe('failed');
    expect(lines.join('\n')).toMatch(/handlers are gone/);
    const page = await fetch(server.urlWithToken);
    expect(page.status).toBe(200);
  });

  it('answers 500 when the page cannot be read, and stays up', async () => {
    const brokenRenderer = mkdtempSync(join(tmpdir(), 'rtk-renderer-broken-'));
    mkdirSync(join(brokenRenderer, 'index.html'));
    const { server } = await start({ renderer: brokenRenderer });
    const page = await fetch(server.urlWithToken);
    expect(page.status).toBe(500);
    await expectAlive(server);
  });
});

describe('the lab server checks the Host header before the token', () => {
  it.each([
    ['a foreign name', 'rebound.example.com:PORT'],
    ['the right name on another port', '127.0.0.1:1'],
    ['a name without the port', 'localhost'],
    ['a header-injection attempt', "x; script-src * 'unsafe-inline'"],
  ])('answers 421 to %s, with or without the token', async (_case, hostTemplate) => {
    const { server, services } = await start();
    const host = hostTemplate.replace('PORT', String(server.port));
    for (const headers of [{}, { 'X-Workbench-Token': server.token }]) {
      const reply = await rawExchange(
        server.port,
        rawRequest('POST', '/api/home:get', { Host: host, ...headers }, '{}'),
      );
      expect(reply.status).toBe(421);
      expect(envelope(reply.body).error.code).toBe('forbidden');
      expect(reply.head).not.toContain('unsafe-inline');
    }
    const page = await rawExchange(server.port, rawRequest('GET', `/?token=${server.token}`, { Host: host }));
    expect(page.status).toBe(421);
    expect(page.head.toLowerCase()).not.toContain('content-security-policy');
    expect(services.handlers.getHome).not.toHaveBeenCalled();
  });

  it('answers 421 to a request without a Host header', async () => {
    const { server } = await start();
    const reply = await rawExchange(
      server.port,
      `GET /?token=${server.token} HTTP/1.0\r\nX-Workbench-Token: ${server.token}\r\n\r\n`,
    );
    expect(reply.status).toBe(421);
  });

  it('refuses a WebSocket upgrade naming a foreign host with 421', async () => {
    const { server } = await start();
    const status = await new Promise<number>((resolve) => {
      const socket = new WebSocket(`ws://127.0.0.1:${server.port}/events`, {
        headers: { host: `rebound.example.com:${server.port}`, 'x-workbench-token': server.token },
      });
      socket.on('unexpected-response', (_request, response) => resolve(response.statusCode ?? 0));
      socket.on('open', () => resolve(101));
      socket.on('error', () => resolve(-1));
    });
    expect(status).toBe(421);
  });

  it.each(['127.0.0.1', 'localhost', 'LocalHost', '[::1]'])('accepts %s with the port', async (name) => {
    const { server } = await start();
    const reply = await rawExchange(
      server.port,
      rawRequest(
        'POST',
        '/api/home:get',
        { Host: `${name}:${server.port}`, 'X-Workbench-Token': server.token },
        '{}',
      ),
    );
    expect(reply.status).toBe(200);
  });

  it('accepts the --host name given at start, with the port', async () => {
    const { server } = await start({ host: 'localhost' });
    const reply = await rawExchange(
      server.port,
      rawRequest(
        'POST',
        '/api/home:get',
        { Host: `localhost:${server.port}`, 'X-Workbench-Token': server.token },
        '{}',
      ),
    );
    expect(reply.status).toBe(200);
  });

  it("bound to every interface, accepts the wildcard name and this machine's own addresses, nothing else", async () => {
    const { server } = await start({ host: '0.0.0.0' });
    const addresses = Object.values(networkInterfaces())
      .flatMap((entries) => entries ?? [])
      .filter((entry) => entry.family === 'IPv4')
      .map((entry) => entry.address);
    for (const name of ['0.0.0.0', 'localhost', ...addresses]) {
      const reply = await rawExchange(
        server.port,
        rawRequest(
          'POST',
          '/api/home:get',
          { Host: `${name}:${server.port}`, 'X-Workbench-Token': server.token },
          '{}',
        ),
      );
      expect([name, reply.status]).toEqual([name, 200]);
    }
    const rebound = await rawExchange(
      server.port,
      rawRequest('GET', `/?token=${server.token}`, { Host: `rebound.example.com:${server.port}` }),
    );
    expect(rebound.status).toBe(421);
  });

  it("builds the page's connect-src from its own names, never from the request", async () => {
    const { server } = await start();
    const reply = await rawExchange(
      server.port,
      rawRequest('GET', `/?token=${server.token}`, { Host: `LOCALHOST:${server.port}` }),
    );
    expect(reply.status).toBe(200);
    const policy = /content-security-policy: (.*)/i.exec(reply.head)?.[1] ?? '';
    const port = String(server.port);
    expect(policy).toContain(`connect-src 'self' ws://127.0.0.1:${port} ws://localhost:${port};`);
    expect(policy).not.toContain('LOCALHOST');
  });

  it('refuses a --host value that is not a host name or address', async () => {
    await expect(start({ host: 'x; script-src *' })).rejects.toThrow(/--host/);
  });
});

describe('the lab server ignores an empty token parameter', () => {
  it('falls through to the header', async () => {
    const { server } = await start();
    const response = await fetch(`${server.url}api/home:get?token=`, {
      method: 'POST',
      headers: { 'x-workbench-token': server.token },
      body: '{}',
    });
    expect(response.status).toBe(200);
  });

  it('falls through to the cookie', async () => {
    const { server } = await start();
    const response = await fetch(`${server.url}?token=`, {
      headers: { cookie: `rtk_workbench_token_${server.port}=${server.token}` },
    });
    expect(response.status).toBe(200);
  });

  it('still refuses an empty parameter with nothing else', async () => {
    const { server } = await start();
    expect((await fetch(`${server.url}?token=`)).status).toBe(401);
  });
});
