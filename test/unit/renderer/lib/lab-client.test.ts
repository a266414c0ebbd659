import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createLabClient, removeTokenFromAddressBar } from '../../../../src-renderer/lib/lab-client.js';
import type { EventSocket } from '../../../../src-renderer/lib/lab-client.js';
import type { WorkerState } from '../../../../src-shared/contracts/domain-types.js';

interface RecordedRequest {
  readonly url: string;
  readonly init: RequestInit | undefined;
}

function fakeFetch(respond: (url: string) => Response): { fetch: typeof fetch; requests: RecordedRequest[] } {
  const requests: RecordedRequest[] = [];
  const fetchFunction = (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
    const url = input instanceof Request ? input.url : input.toString();
    requests.push({ url, init });
    return Promise.resolve(respond(url));
  };
  return { fetch: fetchFunction, requests };
}

function jsonResponse(status: number, body: unknown): Response {
  return new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });
}

class FakeSocket implements EventSocket {
  onopen: ((event: Event) => void) | null = null;
  onmessage: ((event: MessageEvent) => void) | null = null;
  onclose: ((event: CloseEvent) => void) | null = null;
  closed = false;

  constructor(readonly url: string) {}

  close(): void {
    this.closed = true;
  }

  receive(message: unknown): void {
    this.onmessage?.(new MessageEvent('message', { data: JSON.stringify(message) }));
  }

  drop(): void {
    // Node has no CloseEvent; the client reads nothing from the event.
    this.onclose?.(new Event('close') as CloseEvent);
  }
}

const readyWorker: WorkerState = { state: 'ready', pid: 12, restarts: 0, lastCrash: null };

describe('lab client calls', () => {
  it('posts the arguments to /api/<channel> and resolves to the unwrapped result', async () => {
    const { fetch, requests } = fakeFetch(() => jsonResponse(200, { ok: true, result: [{ id: 'e1' }] }));
    const api = createLabClient({ fetch, createSocket: (url) => new FakeSocket(url) });

    const result = await api.listExperiments({ datasetId: 'd7' });

    expect(result).toEqual([{ id: 'e1' }]);
    expect(requests).toHaveLength(1);
    expect(requests[0]?.url).toBe('/api/experiments%3Alist');
    expect(requests[0]?.init?.method).toBe('POST');
    expect(requests[0]?.init?.body).toBe(JSON.stringify({ datasetId: 'd7' }));
  });

  it('sends an empty object when a call is made without arguments', async () => {
    const { fetch, requests } = fakeFetch(() => jsonResponse(200, { ok: true, result: [] }));
    const api = createLabClient({ fetch });
    await api.listDatasets();
    expect(requests[0]?.url).toBe('/api/datasets%3Alist');
    expect(requests[0]?.init?.body).toBe('{}');
  });

  it("turns a failure envelope into an Error carrying the server's message", async () => {
    const { fetch } = fakeFetch(() =>
      jsonResponse(500, {
        ok: false,
        error: { code: 'failed', message: 'The compute worker stopped unexpectedly.' },
      }),
    );
    const api = createLabClient({ fetch });
    await expect(api.getEngineStatus({ refresh: true })).rejects.toThrow(
      'The compute worker stopped unexpectedly.',
    );
  });

  it('names the channel and HTTP status when the answer is not an envelope', async () => {
    const { fetch } = fakeFetch(() => new Response('<html>proxy error</html>', { status: 502 }));
    const api = createLabClient({ fetch });
    await expect(api.getHome()).rejects.toThrow(/home:get.*HTTP 502/);
  });

  it('says the workbench did not answer when the request itself fails', async () => {
    const failing = (() => Promise.reject(new TypeError('Failed to fetch'))) as typeof fetch;
    const api = createLabClient({ fetch: failing });
    await expect(api.getHome()).rejects.toThrow('The workbench did not answer');
  });
});

describe('lab client events', () => {
  let sockets: FakeSocket[];

  beforeEach(() => {
    sockets = [];
    vi.useFakeTimers();
  });

  afterEach(() => {
    vi.useRealTimers();
    vi.restoreAllMocks();
  });

  const client = () =>
    createLabClient({
      fetch: fakeFetch(() => jsonResponse(200, { ok: true, result: null })).fetch,
      eventsUrl: 'ws://127.0.0.1:9/events',
      createSocket: (url) => {
        const socket = new FakeSocket(url);
        sockets.push(socket);
        return socket;
      },
      reconnectMilliseconds: 100,
      maximumReconnectMilliseconds: 250,
    });

  it('shares one socket between subscriptions and delivers each event to its own listeners', () => {
    const api = client();
    const workerStates: WorkerState[] = [];
    const engineStatuses: unknown[] = [];
    api.onWorkerState((state) => workerStates.push(state));
    api.onEngineStatus((status) => engineStatuses.push(status));

    expect(sockets).toHaveLength(1);
    expect(sockets[0]?.url).toBe('ws://127.0.0.1:9/events');
    sockets[0]?.receive({ event: 'onWorkerState', payload: readyWorker });

    expect(workerStates).toEqual([readyWorker]);
    expect(engineStatuses).toEqual([]);
  });

  it('drops events that do not match the contract, with a warning', () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    const api = client();
    const workerStates: WorkerState[] = [];
    api.onWorkerState((state) => workerStates.push(state));

    sockets[0]?.receive({ event: 'onWorkerState', payload: { state: 'exploded' } });
    sockets[0]?.receive({ event: 'onSomethingElse', payload: {} });
    sockets[0]?.onmessage?.(new MessageEvent('message', { data: 'not json' }));

    expect(workerStates).toEqual([]);
    expect(warn).toHaveBeenCalledTimes(3);
  });

  it('reconnects with growing delays while someone listens, and closes after the last one leaves', () => {
    const api = client();
    const stop = api.onWorkerState(() => undefined);

    sockets[0]?.drop();
    vi.advanceTimersByTime(99);
    expect(sockets).toHaveLength(1);
    vi.advanceTimersByTime(1);
    expect(sockets).toHaveLength(2);

    sockets[1]?.drop();
    vi.advanceTimersByTime(199);
    expect(sockets).toHaveLength(2);
    vi.advanceTimersByTime(1);
    expect(sockets).toHaveLength(3);

    sockets[2]?.onopen?.(new Event('open'));
    sockets[2]?.drop();
    vi.advanceTimersByTime(100);
    expect(sockets).toHaveLength(4);

    stop();
    expect(sockets[3]?.closed).toBe(true);
    sockets[3]?.drop();
    vi.advanceTimersByTime(10_000);
    expect(sockets).toHaveLength(4);
  });
});

describe('removeTokenFromAddressBar', () => {
  it('removes only the token and keeps the path, other parameters and the fragment', () => {
    const replaced: string[] = [];
    const history = {
      state: null,
      replaceState: (_state: unknown, _title: string, url: string) => replaced.push(url),
    };
    removeTokenFromAddressBar(
      { href: 'http://127.0.0.1:8765/runs?token=abc123&tab=loss#top' } as Location,
      history as unknown as History,
    );
    expect(replaced).toEqual(['/runs?tab=loss#top']);
  });

  it('leaves an address without a token alone', () => {
    const replaced: string[] = [];
    const history = {
      state: null,
      replaceState: (_state: unknown, _title: string, url: string) => replaced.push(url),
    };
    removeTokenFromAddressBar({ href: 'http://127.0.0.1:8765/' } as Location, history as unknown as History);
    expect(replaced).toEqual([]);
  });
});
