import { connect } from 'node:net';

/** What came back on one raw connection: the status line's code (null when none), the head and the body. */
export interface RawExchange {
  readonly status: number | null;
  readonly head: string;
  readonly body: string;
  /** True when the server neither answered nor closed within the time allowed. */
  readonly timedOut: boolean;
}

/**
 * Sends bytes on a fresh loopback connection, optionally more bytes once the head of the answer arrives (frames
 * after a WebSocket handshake), and collects everything until the server closes the connection. A request the
 * server is still waiting on after `halfCloseMilliseconds` (an incomplete one) is half-closed so it ends.
 */
export function rawExchange(
  port: number,
  request: string | Buffer,
  options: {
    readonly afterHead?: Buffer;
    readonly halfCloseMilliseconds?: number;
    readonly timeoutMilliseconds?: number;
  } = {},
): Promise<RawExchange> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    const chunks: Buffer[] = [];
    let sentAfterHead = false;
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      socket.destroy();
    }, options.timeoutMilliseconds ?? 10_000);
    const halfClose = setTimeout(() => {
      if (chunks.length === 0) socket.end();
    }, options.halfCloseMilliseconds ?? 500);
    socket.on('data', (chunk: Buffer) => {
      chunks.push(chunk);
      if (options.afterHead !== undefined && !sentAfterHead && Buffer.concat(chunks).includes('\r\n\r\n')) {
        sentAfterHead = true;
        socket.end(options.afterHead);
      }
    });
    socket.on('error', () => socket.destroy());
    socket.on('close', () => {
      clearTimeout(timer);
      clearTimeout(halfClose);
      const text = Buffer.concat(chunks).toString('latin1');
      const split = text.indexOf('\r\n\r\n');
      const head = split === -1 ? text : text.slice(0, split);
      const match = /^HTTP\/1\.[01] (\d{3})/.exec(head);
      resolve({
        status: match?.[1] === undefined ? null : Number(match[1]),
        head,
        body: split === -1 ? '' : text.slice(split + 4),
        timedOut,
      });
    });
    socket.write(request);
  });
}

/** A raw HTTP/1.1 request with `Connection: close`; headers are written exactly as given. */
export function rawRequest(
  method: string,
  target: string,
  headers: Readonly<Record<string, string>>,
  body = '',
): string {
  const lines = [`${method} ${target} HTTP/1.1`];
  for (const [name, value] of Object.entries(headers)) lines.push(`${name}: ${value}`);
  if (body !== '') lines.push(`Content-Length: ${Buffer.byteLength(body, 'latin1')}`);
  lines.push('Connection: close');
  return `${lines.join('\r\n')}\r\n\r\n${body}`;
}
