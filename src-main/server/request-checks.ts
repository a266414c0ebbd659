import { timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { isIP, isIPv6 } from 'node:net';
import { hostname, networkInterfaces } from 'node:os';

/**
 * A request the server refuses, with the HTTP status and the message of the failure envelope. Thrown by the
 * checks and the handlers; the request's last-resort guard turns it into the answer.
 */
export class RequestRefusal extends Error {
  constructor(
    readonly status: 400 | 401 | 403 | 404 | 405 | 413 | 421,
    message: string,
  ) {
    super(message);
    this.name = 'RequestRefusal';
  }
}

/** Who this server is: the `host:port` names a request may use, and the token it must carry. */
export interface ServerIdentity {
  readonly port: number;
  /** Every authority (`host:port`, lowercase, IPv6 in brackets) the Host header may name. */
  readonly authorities: readonly string[];
  readonly token: string;
  readonly cookieName: string;
}

const wildcardHosts = new Set(['0.0.0.0', '::']);
const hostNamePattern = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*$/i;

/** `host:port` as a URL or Host header writes it: IPv6 addresses in brackets, names in lowercase. */
export function authority(host: string, port: number): string {
  return `${isIPv6(host) ? `[${host}]` : host.toLowerCase()}:${port}`;
}

/** Refuses a `--host` value that is neither an IP address nor a host name, before it reaches a header. */
export function checkListenHost(host: string): void {
  if (isIP(host) === 0 && !hostNamePattern.test(host)) {
    throw new Error(`--host must be an IP address or a host name, not "${host}".`);
  }
}

/**
 * The authorities a request may name: the loopback names, the `--host` value, and, when that is a wildcard
 * address, this machine's own interface addresses and host name (a rebinding attacker's page always names
 * the attacker's domain, which is none of these).
 */
export function allowedAuthorities(host: string, port: number): string[] {
  const names = new Set(['127.0.0.1', 'localhost', '::1', host]);
  if (wildcardHosts.has(host)) {
    for (const addresses of Object.values(networkInterfaces())) {
      for (const address of addresses ?? []) if (!address.address.includes('%')) names.add(address.address);
    }
    if (hostNamePattern.test(hostname())) names.add(hostname());
  }
  const authorities = [...names].map((name) => authority(name, port));
  // Browsers leave the port out of Host when it is the scheme's default.
  if (port === 80) authorities.push(...[...names].map((name) => authority(name, port).slice(0, -3)));
  return [...new Set(authorities)];
}

/** Decodes one percent-encoded component; a malformed one is a 400 naming what was being decoded. */
export function decodeComponent(encoded: string, what: string): string {
  try {
    return decodeURIComponent(encoded);
  } catch {
    throw new RequestRefusal(400, `The ${what} is not valid percent-encoded UTF-8.`);
  }
}

/** The request target as a URL; one that does not parse (`//`, say) is a 400. */
export function requestUrl(request: IncomingMessage): URL {
  try {
    // The base's host is never read: only the path and query of the result are used.
    return new URL(request.url ?? '/', 'http://lab-server.invalid');
  } catch {
    throw new RequestRefusal(400, 'The request target is not a valid URL path.');
  }
}

function sameToken(candidate: string | undefined, token: string): boolean {
  if (candidate === undefined) return false;
  const expected = Buffer.from(token);
  const given = Buffer.from(candidate);
  return given.length === expected.length && timingSafeEqual(given, expected);
}

function readCookie(request: IncomingMessage, name: string): string | undefined {
  for (const part of (request.headers.cookie ?? '').split(';')) {
    const [key, ...value] = part.trim().split('=');
    if (key === name) return decodeComponent(value.join('='), `cookie ${name}`);
  }
  return undefined;
}

function nonEmpty(value: string | string[] | null | undefined): string | undefined {
  const text = Array.isArray(value) ? value[0] : value;
  return text === undefined || text === null || text === '' ? undefined : text;
}

/**
 * Checks, in this order, that the request names this server (Host), comes from its own page (Origin, when
 * sent) and carries the token (a non-empty `token` parameter, else the header, else the cookie).
 *
 * A Host that is not one of this server's names is 421 Misdirected Request, not 403: the request was meant for
 * another authority (a DNS-rebinding page, a proxy's mistake) and no credential could make it right. A foreign
 * Origin, on a request that does name this server, is 403.
 */
export function checkRequest(request: IncomingMessage, url: URL, identity: ServerIdentity): void {
  const host = request.headers.host?.toLowerCase();
  if (host === undefined || !identity.authorities.includes(host)) {
    throw new RequestRefusal(
      421,
      `This lab server answers only to ${identity.authorities.join(', ')}; the request named another host.`,
    );
  }
  const origin = request.headers.origin?.toLowerCase();
  if (origin !== undefined && !identity.authorities.some((name) => origin === `http://${name}`)) {
    throw new RequestRefusal(403, 'Requests from other web pages are not allowed.');
  }
  const given =
    nonEmpty(url.searchParams.get('token')) ??
    nonEmpty(request.headers['x-workbench-token']) ??
    nonEmpty(readCookie(request, identity.cookieName));
  if (!sameToken(given, identity.token)) {
    throw new RequestRefusal(
      401,
      'This workbench needs its access token: open the URL printed when it started.',
    );
  }
}
