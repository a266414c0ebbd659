import { createReadStream, statSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { extname, join, normalize, resolve, sep } from 'node:path';
import { contentSecurityPolicy } from '../security/content-security-policy.js';
import { RequestRefusal, decodeComponent } from './request-checks.js';
import type { ServerIdentity } from './request-checks.js';
import { answerFailure } from './responses.js';

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

function isFile(path: string): boolean {
  try {
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

/** The file a path names inside the renderer folder; anything else falls back to index.html (client routes). */
function rendererFile(rendererDirectory: string, url: URL): string {
  const decoded = decodeComponent(url.pathname, 'path');
  if (decoded.includes('\0')) throw new RequestRefusal(400, 'The path contains a NUL character.');
  const requested = normalize(decoded).replace(/^([/\\])+/, '');
  const file = resolve(join(rendererDirectory, requested));
  if (file !== rendererDirectory && !file.startsWith(rendererDirectory + sep)) {
    throw new RequestRefusal(403, 'That path is outside the workbench.');
  }
  if (isFile(file)) return file;
  const index = join(rendererDirectory, 'index.html');
  if (!isFile(index)) throw new Error(`The renderer is not built: ${index} is missing. Run npm run build.`);
  return index;
}

/**
 * The event socket's origins for connect-src. CSP has no syntax for IPv6 literals (Chromium drops the whole
 * source with a console error), so a page opened on [::1] relies on 'self', which covers ws: on its own host.
 */
function eventSocketOrigins(identity: ServerIdentity): string[] {
  return identity.authorities.filter((name) => !name.startsWith('[')).map((name) => `ws://${name}`);
}

/**
 * Serves the built renderer: the headers are built from the server's own names only, and the file is opened
 * before the 200 goes out, so a read error still gets an envelope.
 */
export function serveRendererFile(
  request: IncomingMessage,
  response: ServerResponse,
  url: URL,
  rendererDirectory: string,
  identity: ServerIdentity,
  log: (line: string) => void,
): void {
  if (request.method !== 'GET' && request.method !== 'HEAD') {
    throw new RequestRefusal(405, 'Pages are read with GET; API calls use POST under /api/.');
  }
  const file = rendererFile(rendererDirectory, url);
  const headers: Record<string, string> = {
    'content-type': contentTypes[extname(file)] ?? 'application/octet-stream',
    'content-security-policy': contentSecurityPolicy(eventSocketOrigins(identity)),
    'x-content-type-options': 'nosniff',
    'referrer-policy': 'no-referrer',
    'cache-control': 'no-store',
  };
  if ((url.searchParams.get('token') ?? '') !== '') {
    headers['set-cookie'] =
      `${identity.cookieName}=${encodeURIComponent(identity.token)}; HttpOnly; SameSite=Strict; Path=/`;
  }
  const stream = createReadStream(file);
  stream.once('error', (error) => answerFailure(response, error, log));
  stream.once('open', () => {
    response.writeHead(200, headers);
    if (request.method === 'HEAD') {
      stream.destroy();
      response.end();
    } else {
      stream.pipe(response);
    }
  });
  response.once('close', () => stream.destroy());
}
