import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { workbenchCalls } from '../../../src-shared/contracts/api.js';
import { startLabServer } from '../../../src-main/server/lab-server.js';
import type { LabServer } from '../../../src-main/server/lab-server.js';
import { createFakeServices, sampleHome } from '../../support/fake-services.js';
import { rawExchange, rawRequest } from './raw-http.js';
import type { RawExchange } from './raw-http.js';

const requestCount = 3_000;
const concurrentConnections = 16;
const seed = 0x5eed_1234;
// Put into every fuzzed input that could reach a header; no answer's head may ever contain it.
const marker = 'FuzzMarker';

/** mulberry32: a small seeded generator, so a failure replays exactly. */
function seededRandom(initial: number): () => number {
  let state = initial >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let mixed = Math.imul(state ^ (state >>> 15), 1 | state);
    mixed = (mixed + Math.imul(mixed ^ (mixed >>> 7), 61 | mixed)) ^ mixed;
    return ((mixed ^ (mixed >>> 14)) >>> 0) / 4_294_967_296;
  };
}

type Random = () => number;
const integer = (random: Random, below: number): number => Math.floor(random() * below);
const pick = <Item>(random: Random, items: readonly Item[]): Item =>
  items[integer(random, items.length)] as Item;

const badEncodings = [
  '%',
  '%E0%A4%A',
  '%c0%ae',
  '%ZZ',
  '%00',
  '%ff%fe',
  '%%',
  '%E0',
  '%2e%2e%2f',
  '%ed%a0%80',
];

/** Text that is hard to decode: broken percent-encodings, raw high bytes, separators and the marker. */
function garbage(random: Random, maximumLength: number): string {
  let text = '';
  const length = 1 + integer(random, maximumLength);
  while (text.length < length) {
    const kind = integer(random, 6);
    if (kind === 0) text += pick(random, badEncodings);
    else if (kind === 1) text += String.fromCharCode(0x80 + integer(random, 0x80));
    else if (kind === 2) text += pick(random, [';', '=', ',', ' ', '"', '..', '/', '\\', '?', '#', '&']);
    else if (kind === 3) text += marker;
    else text += String.fromCharCode(0x21 + integer(random, 0x5e));
  }
  return text;
}

interface FuzzCase {
  readonly kind: string;
  readonly bytes: Buffer;
  readonly afterHead?: Buffer;
}

function caseFor(random: Random, server: LabServer): FuzzCase {
  const host = `127.0.0.1:${server.port}`;
  const token = random() < 0.7 ? { 'X-Workbench-Token': server.token } : {};
  const cookieName = `rtk_workbench_token_${server.port}`;
  const channels = Object.values(workbenchCalls).map((call) => call.channel);
  const latin1 = (text: string): Buffer => Buffer.from(text, 'latin1');
  switch (integer(random, 7)) {
    case 0:
      return {
        kind: 'path',
        bytes: latin1(rawRequest('GET', `/${garbage(random, 80)}`, { Host: host, ...token })),
      };
    case 1: {
      const cookie = random() < 0.5 ? `${cookieName}=${garbage(random, 60)}` : garbage(random, 20_000);
      return { kind: 'cookie', bytes: latin1(rawRequest('GET', '/', { Host: host, Cookie: cookie })) };
    }
    case 2: {
      const name = pick(random, [
        'X-Workbench-Token',
        'Origin',
        'Content-Length',
        'Transfer-Encoding',
        'Accept',
      ]);
      const headers = { Host: host, ...token, [name]: garbage(random, 100) };
      return { kind: 'header', bytes: latin1(rawRequest('POST', '/api/home:get', headers, '{}')) };
    }
    case 3: {
      const badHost = random() < 0.5 ? garbage(random, 40) : `${garbage(random, 20)}:${server.port}`;
      return { kind: 'host', bytes: latin1(rawRequest('GET', `/?token=${server.token}`, { Host: badHost })) };
    }
    case 4: {
      const body = pick(random, ['{', '[]', 'null', '"x"', '{"spec":', '{"id":1}', garbage(random, 200)]);
      const target = `/api/${pick(random, channels)}${random() < 0.2 ? pick(random, badEncodings) : ''}`;
      return { kind: 'json', bytes: latin1(rawRequest('POST', target, { Host: host, ...token }, body)) };
    }
    case 5: {
      const upgrade = rawRequest('GET', random() < 0.8 ? '/events' : `/${garbage(random, 20)}`, {
        Host: random() < 0.8 ? host : garbage(random, 30),
        ...(random() < 0.5 ? token : { Cookie: `${cookieName}=${garbage(random, 40)}` }),
        Upgrade: 'websocket',
        Connection: 'Upgrade',
        'Sec-WebSocket-Key': random() < 0.8 ? 'dGhlIHNhbXBsZSBub25jZQ==' : garbage(random, 30),
        'Sec-WebSocket-Version': random() < 0.8 ? '13' : garbage(random, 4),
      }).replace('Connection: close\r\n', '');
      const frames = Buffer.from(Array.from({ length: 1 + integer(random, 64) }, () => integer(random, 256)));
      return { kind: 'upgrade', bytes: latin1(upgrade), afterHead: frames };
    }
    default: {
      const start = pick(random, [
        'GET ',
        'POST /api/',
        'GET / HTTP/1.1\r\nHost: ',
        'PRI * HTTP/2.0\r\n',
        '',
      ]);
      const bytes = Buffer.from(Array.from({ length: integer(random, 300) }, () => integer(random, 256)));
      return { kind: 'raw', bytes: Buffer.concat([latin1(start), bytes, latin1('\r\n\r\n')]) };
    }
  }
}

/** Runs `work` over every item with at most `width` in flight; results keep the items' order. */
async function inPool<Item, Result>(
  items: readonly Item[],
  width: number,
  work: (item: Item) => Promise<Result>,
): Promise<Result[]> {
  const results: Result[] = new Array<Result>(items.length);
  let next = 0;
  const lane = async (): Promise<void> => {
    while (next < items.length) {
      const index = next++;
      results[index] = await work(items[index] as Item);
    }
  };
  await Promise.all(Array.from({ length: width }, lane));
  return results;
}

const rendererDirectory = mkdtempSync(join(tmpdir(), 'rtk-renderer-'));
writeFileSync(join(rendererDirectory, 'index.html'), '<!doctype html><title>RTK Workbench</title>');

let server: LabServer;
const logLines: string[] = [];
beforeAll(async () => {
  server = await startLabServer({
    services: createFakeServices(),
    rendererDirectory,
    port: 0,
    log: (line) => logLines.push(line),
  });
});
afterAll(async () => {
  await server.close();
});

describe('the lab server under malformed requests', () => {
  it(`answers ${requestCount} seeded malformed requests without a crash, a 5xx or a reflected header`, async () => {
    const random = seededRandom(seed);
    const cases = Array.from({ length: requestCount }, () => caseFor(random, server));
    const replies = await inPool(cases, concurrentConnections, async (fuzzCase) => ({
      fuzzCase,
      reply: await rawExchange(server.port, fuzzCase.bytes, {
        halfCloseMilliseconds: 200,
        ...(fuzzCase.afterHead === undefined ? {} : { afterHead: fuzzCase.afterHead }),
      }),
    }));
    const describe = ({ fuzzCase, reply }: { fuzzCase: FuzzCase; reply: RawExchange }) =>
      `${fuzzCase.kind} ${JSON.stringify(fuzzCase.bytes.toString('latin1').slice(0, 200))} -> ${reply.status}`;
    expect(replies.filter(({ reply }) => reply.timedOut).map(describe)).toEqual([]);
    expect(replies.filter(({ reply }) => (reply.status ?? 0) >= 500).map(describe)).toEqual([]);
    expect(replies.filter(({ reply }) => reply.head.includes(marker)).map(describe)).toEqual([]);
    expect(logLines.filter((line) => !line.startsWith('Warning'))).toEqual([]);
    const statuses = new Set(replies.map(({ reply }) => reply.status));
    // The seed reaches every kind of refusal, so a change that stops checking one shows here.
    for (const status of [101, 200, 400, 401, 404, 421]) expect(statuses).toContain(status);

    const alive = await fetch(`${server.url}api/home:get`, {
      method: 'POST',
      headers: { 'x-workbench-token': server.token },
      body: '{}',
    });
    expect(alive.status).toBe(200);
    expect(await alive.json()).toEqual({ ok: true, result: sampleHome });
  });
});
