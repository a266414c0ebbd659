import { randomBytes, timingSafeEqual } from 'node:crypto';
import { createReadStream, existsSync, statSync } from 'node:fs';
import { createServer } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join, normalize, resolve, sep } from 'node:path';
import { WebSocketServer } from 'ws';
import { callNameForChannel } from '../../src-shared/contracts/api.js';
import { callFailure, dispatchCall } from '../../src-shared/contracts/dispatch.js';
import type { CallOutcome } from '../../src-shared/contracts/define.js';
import type { WorkbenchServices } from '../services/workbench-services.js';
import { contentSecurityPolicy } from '../security/content-security-policy.js';

/** How to start the lab server. */
export interface LabServerOptions {
  readonly services: WorkbenchServices;
  /** The built renderer (index.html and assets). */
  readonly rendererDirectory: string;
  readonly host?: string;
  readonly port?: number;
  /** A fixed token, for tests; a random one is made otherwise. */
  readonly token?: string;
  readonly log?: (line: string) => void;
}

/** A running lab server. */
export interface LabServer {
  readonly url: string;
  /** The URL with the token, the one to open in a browser. */
  readonly urlWithToken: string;
  readonly token: string;
  readonly host: string;
  readonly port: number;
  close(): Promise<void>;
}

const loopbackHosts = new Set(['127.0.0.1', 'localhost', '::1']);
const maximumBodyBytes = 1_000_000;
const contentTypes: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json',
  '.woff2': 'font/woff2',
};

function sameToken(candidate: string | undefined, token: string): boolean {
  if (candidate === undefined) return false;
  const expected = Buffer.from(token);
  const given = Buffer.from(candidate);
  return given.length === expected.length && timingSafeEqual(given, expected);
}

function readCookie(request: IncomingMessage, name: string): string | undefined {
  for (const part of (request.headers.cookie ?? '').split(';')) {
    const [key, ...value] = part.trim().split('=');
    if (key === name) return decodeURIComponent(value.join('='));
  }
  return undefined;
}

function sendJson(response: ServerResponse, status: number, body: unknown): void {
  response.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'cache-control': 'no-store',
  });
  response.end(JSON.stringify(body));
}

function statusForOutcome(outcome: CallOutcome<unknown>): number {
  if (outcome.ok) return 200;
  switch (outcome.error.code) {
    case 'invalid-arguments':
      return 400;
    case 'unknown-call':
      return 404;
    case 'forbidden':
      return 403;
    case 'failed':
      // The call reached its service and the envelope says how it ended; a 5xx would also make browsers log it.
      return 200;
  }
}

async function readJsonBody(request: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > maximumBodyBytes)
      throw new Error(`The request body is larger than ${maximumBodyBytes} bytes.`);
    chunks.push(chunk);
  }
  const text = Buffer.concat(chunks).toString('utf8');
  if (text.trim() === '') return {};
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new Error('The request body is not valid JSON.');
  }
}

/**
 * Serves the renderer and the workbench API over HTTP + WebSocket for lab mode and the end-to-end tests. Every
 * request needs the per-start token (from the printed URL, then a cookie) and a same-origin Origin, if any.
 */
export async function startLabServer(options: LabServerOptions): Promise<LabServer> {
  const host = options.host ?? '127.0.0.1';
  const token = options.token ?? randomBytes(24).toString('hex');
  const log = options.log ?? ((line: string) => console.log(line));
  const rendererDirectory = resolve(options.rendererDirectory);
  if (!loopbackHosts.has(host)) {
    log(
      `Warning: the lab server listens on ${host}, reachable from other machines. Anyone with the token can ` +
        `read and change this workbench; share the URL only with people you trust.`,
    );
  }
  let port = 0;
  let cookieName = 'rtk_workbench_token';
  const allowedOrigins = (): Set<string> =>
    new Set([
      `http://127.0.0.1:${port}`,
      `http://localhost:${port}`,
      `http://[::1]:${port}`,
      `http://${host}:${port}`,
    ]);

  const checkRequest = (
    request: IncomingMessage,
    url: URL,
  ): { status: 401 | 403; message: string } | null => {
    const origin = request.headers.origin;
    if (origin !== undefined && !allowedOrigins().has(origin)) {
      return { status: 403, message: `Requests from ${origin} are not allowed.` };
    }
    const given =
      url.searchParams.get('token') ??
      (request.headers['x-workbench-token'] as string | undefined) ??
      readCookie(request, cookieName);
    if (!sameToken(given ?? undefined, token)) {
      return {
        status: 401,
        message: 'This workbench needs its access token: open the URL printed when it started.',
      };
    }
    return null;
  };

  const serveStatic = (request: IncomingMessage, response: ServerResponse, url: URL): void => {
    const requested = normalize(decodeURIComponent(url.pathname)).replace(/^([/\\])+/, '');
    let file = resolve(join(rendererDirectory, requested));
    if (file !== rendererDirectory && !file.startsWith(rendererDirectory + sep)) {
      sendJson(response, 403, callFailure('forbidden', 'That path is outside the workbench.'));
      return;
    }
    if (!existsSync(file) || statSync(file).isDirectory()) file = join(rendererDirectory, 'index.html');
    if (!existsSync(file)) {
      sendJson(
        response,
        500,
        callFailure('failed', `The renderer is not built: ${file} is missing. Run npm run build.`),
      );
      return;
    }
    const headers: Record<string, string> = {
      'content-type': contentTypes[extname(file)] ?? 'application/octet-stream',
      'content-security-policy': contentSecurityPolicy(`ws://${request.headers.host ?? `${host}:${port}`}`),
      'x-content-type-options': 'nosniff',
      'referrer-policy': 'no-referrer',
      'cache-control': 'no-store',
    };
    if (url.searchParams.has('token')) {
      headers['set-cookie'] = `${cookieName}=${encodeURIComponent(token)}; HttpOnly; SameSite=Strict; Path=/`;
    }
    response.writeHead(200, headers);
    createReadStream(file).pipe(response);
  };

  const handleApi = async (
    request: IncomingMessage,
    response: ServerResponse,
    channel: string,
  ): Promise<void> => {
    if (request.method !== 'POST') {
      sendJson(response, 405, callFailure('invalid-arguments', 'API calls use POST with a JSON body.'));
      return;
    }
    if (callNameForChannel(channel) === undefined) {
      sendJson(response, 404, callFailure('unknown-call', `"${channel}" is not a workbench call.`));
      return;
    }
    let body: unknown;
    try {
      body = await readJsonBody(request);
    } catch (error) {
      sendJson(
        response,
        400,
        callFailure('invalid-arguments', error instanceof Error ? error.message : String(error)),
      );
      return;
    }
    const outcome = await dispatchCall(options.services.handlers, channel, body);
    sendJson(response, statusForOutcome(outcome), outcome);
  };

  const server = createServer((request, response) => {
    const url = new URL(request.url ?? '/', `http://${host}`);
    const refusal = checkRequest(request, url);
    if (refusal !== null) {
      sendJson(response, refusal.status, callFailure('forbidden', refusal.message));
      return;
    }
    if (url.pathname.startsWith('/api/')) {
      handleApi(request, response, decodeURIComponent(url.pathname.slice('/api/'.length))).catch(
        (error: unknown) =>
          sendJson(
            response,
            500,
            callFailure('failed', error instanceof Error ? error.message : String(error)),
          ),
      );
      return;
    }
    serveStatic(request, response, url);
  });

  const sockets = new WebSocketServer({ noServer: true });
  server.on('upgrade', (request, socket, head) => {
    const url = new URL(request.url ?? '/', `http://${host}`);
    const refusal = checkRequest(request, url);
    if (refusal !== null || url.pathname !== '/events') {
      const status = refusal?.status ?? 404;
      socket.end(
        `HTTP/1.1 ${status} ${status === 401 ? 'Unauthorized' : status === 403 ? 'Forbidden' : 'Not Found'}\r\n\r\n`,
      );
      return;
    }
    sockets.handleUpgrade(request, socket, head, (client) => sockets.emit('connection', client, request));
  });
  const unsubscribe = options.services.events.subscribe((name, payload) => {
    const message = JSON.stringify({ event: name, payload });
    for (const client of sockets.clients) if (client.readyState === client.OPEN) client.send(message);
  });

  await new Promise<void>((resolveListen, rejectListen) => {
    server.once('error', rejectListen);
    server.listen(options.port ?? 0, host, () => resolveListen());
  });
  port = (server.address() as AddressInfo).port;
  cookieName = `rtk_workbench_token_${port}`;
  const hostInUrl = host.includes(':') ? `[${host}]` : host;
  const url = `http://${hostInUrl}:${port}/`;
  return {
    url,
    urlWithToken: `${url}?token=${token}`,
    token,
    host,
    port,
    close: async () => {
      unsubscribe();
      for (const client of sockets.clients) client.terminate();
      sockets.close();
      server.closeAllConnections();
      await new Promise<void>((resolveClose) => server.close(() => resolveClose()));
    },
  };
}
