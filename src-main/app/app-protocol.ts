import { readFile, stat } from 'node:fs/promises';
import { extname, join, resolve, sep } from 'node:path';
import { protocol } from 'electron';
import type { Protocol } from 'electron';
import { contentSecurityPolicy } from '../security/content-security-policy.js';

/** The scheme the renderer is served from: file:// gives every file its own opaque origin and breaks modules. */
export const appScheme = 'app';
export const appHost = 'workbench';
/** The renderer's origin, written the way the renderer's `location.origin` reads it. */
export const appOrigin = `${appScheme}://${appHost}`;
/** The URL the main window loads. */
export const appEntryUrl = `${appOrigin}/index.html`;

const contentTypes: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.map': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.wasm': 'application/wasm',
};

/**
 * Registers the app scheme as standard (relative URLs and a real origin), secure (a secure context) and able to
 * serve fetch and module scripts. Electron accepts this only before the app is ready, and only once.
 */
export function registerAppScheme(): void {
  protocol.registerSchemesAsPrivileged([
    {
      scheme: appScheme,
      privileges: { standard: true, secure: true, supportFetchAPI: true, corsEnabled: true, codeCache: true },
    },
  ]);
}

/**
 * Whether a URL is one of ours. Node's URL gives custom schemes an opaque "null" origin, so scheme and host are
 * compared instead.
 */
export function isAppUrl(url: string): boolean {
  try {
    const parsed = new URL(url);
    return parsed.protocol === `${appScheme}:` && parsed.host === appHost;
  } catch {
    return false;
  }
}

function textResponse(status: number, message: string): Response {
  return new Response(message, {
    status,
    headers: { 'content-type': 'text/plain; charset=utf-8', 'x-content-type-options': 'nosniff' },
  });
}

async function isFile(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isFile();
  } catch {
    return false;
  }
}

/**
 * Answers one app-scheme request from the built renderer, with the strict CSP on every response. Paths that
 * leave the renderer folder are refused; a missing path without an extension is a client-side route and gets
 * index.html, a missing file with one is a 404 (so a missing script fails as itself, not as a MIME error).
 */
export async function serveRendererRequest(rendererDirectory: string, request: Request): Promise<Response> {
  const root = resolve(rendererDirectory);
  const url = new URL(request.url);
  if (url.host !== appHost) return textResponse(404, `Unknown app host "${url.host}".`);
  if (request.method !== 'GET' && request.method !== 'HEAD') {
    return textResponse(405, `The app serves files only; ${request.method} is not allowed.`);
  }
  let requested: string;
  try {
    requested = decodeURIComponent(url.pathname).replace(/^[/\\]+/, '');
  } catch {
    return textResponse(400, `The path ${url.pathname} is not valid URL encoding.`);
  }
  let file = resolve(join(root, requested));
  if (file !== root && !file.startsWith(root + sep)) {
    return textResponse(403, 'That path is outside the workbench.');
  }
  const indexFile = join(root, 'index.html');
  if (!(await isFile(file))) {
    if (extname(file) !== '' && file !== indexFile) {
      return textResponse(404, `${url.pathname} is not part of the workbench.`);
    }
    file = indexFile;
  }
  let body: Buffer;
  try {
    body = await readFile(file);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    return textResponse(
      500,
      `The renderer is not built or not readable (${file}): ${reason}. Run npm run build.`,
    );
  }
  return new Response(request.method === 'HEAD' ? null : new Uint8Array(body), {
    status: 200,
    headers: {
      'content-type': contentTypes[extname(file)] ?? 'application/octet-stream',
      'content-security-policy': contentSecurityPolicy(null),
      'x-content-type-options': 'nosniff',
      'referrer-policy': 'no-referrer',
      'cache-control': 'no-cache',
    },
  });
}

/** Serves the built renderer on the app scheme of `target` (a session's protocol, or the default one). */
export function handleAppProtocol(rendererDirectory: string, target: Protocol = protocol): void {
  target.handle(appScheme, (request) => serveRendererRequest(rendererDirectory, request));
}
