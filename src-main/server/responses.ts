import { STATUS_CODES } from 'node:http';
import type { ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { callFailure } from '../../src-shared/contracts/dispatch.js';
import type { CallFailure } from '../../src-shared/contracts/define.js';
import { RequestRefusal } from './request-checks.js';

/** Writes a JSON answer that is never cached. */
export function sendJson(response: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  response.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
    'cache-control': 'no-store',
    'x-content-type-options': 'nosniff',
  });
  response.end(text);
}

function failureCode(status: number): CallFailure['error']['code'] {
  if (status === 400 || status === 405 || status === 413) return 'invalid-arguments';
  if (status === 404) return 'unknown-call';
  if (status >= 500) return 'failed';
  return 'forbidden';
}

/** The status and envelope for anything a request handler threw: its refusal, or 500 for anything else. */
export function failureAnswer(error: unknown): { status: number; envelope: CallFailure } {
  if (error instanceof RequestRefusal) {
    return { status: error.status, envelope: callFailure(failureCode(error.status), error.message) };
  }
  const reason = error instanceof Error ? error.message : String(error);
  return {
    status: 500,
    envelope: callFailure('failed', `The lab server could not answer this request: ${reason}`),
  };
}

function describeUnexpected(error: unknown): string {
  return error instanceof Error ? (error.stack ?? error.message) : String(error);
}

/**
 * The last-resort answer of a request whose handler threw: the refusal or a 500 envelope while nothing was
 * sent yet, otherwise the connection is cut. Never throws, so no request can take the process down.
 */
export function answerFailure(response: ServerResponse, error: unknown, log: (line: string) => void): void {
  try {
    const { status, envelope } = failureAnswer(error);
    if (status === 500) log(`Lab server: a request failed unexpectedly: ${describeUnexpected(error)}`);
    if (response.headersSent) response.destroy();
    else sendJson(response, status, envelope);
  } catch {
    response.destroy();
  }
}

/**
 * Writes a whole HTTP answer with the envelope straight to a socket the HTTP server no longer answers on (an
 * upgrade, a request it could not parse), then closes it. Such a socket is no longer read, so the client's end
 * never arrives: it is destroyed once the answer is out.
 */
function answerOnSocket(socket: Duplex, status: number, envelope: CallFailure): void {
  const body = JSON.stringify(envelope);
  socket.once('finish', () => socket.destroy());
  socket.end(
    `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? 'Error'}\r\n` +
      'Content-Type: application/json; charset=utf-8\r\n' +
      `Content-Length: ${Buffer.byteLength(body)}\r\n` +
      'Connection: close\r\n\r\n' +
      body,
  );
}

/** Refuses a WebSocket upgrade with a plain HTTP answer carrying the same envelope, then closes. */
export function refuseUpgrade(socket: Duplex, error: unknown, log: (line: string) => void): void {
  try {
    const { status, envelope } = failureAnswer(error);
    if (status === 500)
      log(`Lab server: an event-socket upgrade failed unexpectedly: ${describeUnexpected(error)}`);
    answerOnSocket(socket, status, envelope);
  } catch {
    socket.destroy();
  }
}

/** The server's 'clientError' listener: a request Node's parser refused gets a 400 (431, 408) envelope. */
export function answerUnparsable(error: NodeJS.ErrnoException, socket: Duplex): void {
  if (!socket.writable || error.code === 'ECONNRESET') {
    socket.destroy();
    return;
  }
  const [status, message] =
    error.code === 'HPE_HEADER_OVERFLOW'
      ? [431, 'The request headers are too large.']
      : error.code === 'ERR_HTTP_REQUEST_TIMEOUT'
        ? [408, 'The request took too long to arrive.']
        : [400, 'The request is not valid HTTP/1.1.'];
  try {
    answerOnSocket(socket, status, callFailure('invalid-arguments', message));
  } catch {
    socket.destroy();
  }
}
