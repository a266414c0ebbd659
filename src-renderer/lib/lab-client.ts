import { z } from 'zod';
import { callNames, eventNames, workbenchCalls, workbenchEvents } from '../../src-shared/contracts/api.js';
import type { EventName, WorkbenchApi } from '../../src-shared/contracts/api.js';
import { strings } from './strings.js';

/** The part of a WebSocket the event connection uses, so tests can hand in a fake. */
export interface EventSocket {
  onopen: ((event: Event) => void) | null;
  onmessage: ((event: MessageEvent) => void) | null;
  onclose: ((event: CloseEvent) => void) | null;
  close(): void;
}

/** Where the lab client talks to and how; the defaults suit the page the lab server serves. */
export interface LabClientOptions {
  readonly fetch?: typeof fetch;
  readonly createSocket?: (url: string) => EventSocket;
  /** Prefix of every call's URL; the channel is appended. */
  readonly apiBase?: string;
  readonly eventsUrl?: string;
  /** The first reconnect delay; each failed attempt doubles it, up to `maximumReconnectMilliseconds`. */
  readonly reconnectMilliseconds?: number;
  readonly maximumReconnectMilliseconds?: number;
}

const envelopeSchema = z.discriminatedUnion('ok', [
  z.object({ ok: z.literal(true), result: z.unknown() }),
  z.object({ ok: z.literal(false), error: z.object({ code: z.string(), message: z.string() }) }),
]);

const eventMessageSchema = z.object({ event: z.string(), payload: z.unknown() });

function isEventName(name: string): name is EventName {
  return (eventNames as string[]).includes(name);
}

function defaultEventsUrl(): string {
  const scheme = window.location.protocol === 'https:' ? 'wss' : 'ws';
  return `${scheme}://${window.location.host}/events`;
}

/**
 * One WebSocket shared by every event subscription: opened with the first subscriber, reopened with growing
 * delays when it drops while anyone still listens, closed after the last one leaves.
 */
class EventConnection {
  private socket: EventSocket | null = null;
  private retryTimer: ReturnType<typeof setTimeout> | null = null;
  private failedAttempts = 0;
  private readonly listeners = new Map<EventName, Set<(payload: unknown) => void>>();

  constructor(
    private readonly url: () => string,
    private readonly createSocket: (url: string) => EventSocket,
    private readonly reconnectMilliseconds: number,
    private readonly maximumReconnectMilliseconds: number,
  ) {}

  subscribe(name: EventName, listener: (payload: unknown) => void): () => void {
    const forEvent = this.listeners.get(name) ?? new Set();
    forEvent.add(listener);
    this.listeners.set(name, forEvent);
    if (this.socket === null && this.retryTimer === null) this.open();
    return () => {
      forEvent.delete(listener);
      if (!this.hasListeners()) this.stop();
    };
  }

  private hasListeners(): boolean {
    for (const forEvent of this.listeners.values()) if (forEvent.size > 0) return true;
    return false;
  }

  private open(): void {
    const socket = this.createSocket(this.url());
    this.socket = socket;
    socket.onopen = () => {
      this.failedAttempts = 0;
    };
    socket.onmessage = (message) => this.deliver(message.data);
    socket.onclose = () => {
      if (this.socket !== socket) return;
      this.socket = null;
      if (this.hasListeners()) this.scheduleReconnect();
    };
  }

  private scheduleReconnect(): void {
    const delay = Math.min(
      this.maximumReconnectMilliseconds,
      this.reconnectMilliseconds * 2 ** this.failedAttempts,
    );
    this.failedAttempts += 1;
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      if (this.hasListeners()) this.open();
    }, delay);
  }

  private stop(): void {
    if (this.retryTimer !== null) clearTimeout(this.retryTimer);
    this.retryTimer = null;
    const socket = this.socket;
    this.socket = null;
    socket?.close();
  }

  private deliver(data: unknown): void {
    if (typeof data !== 'string') return;
    let raw: unknown;
    try {
      raw = JSON.parse(data);
    } catch {
      console.warn('Ignored a workbench event that is not JSON.');
      return;
    }
    const message = eventMessageSchema.safeParse(raw);
    if (!message.success || !isEventName(message.data.event)) {
      console.warn('Ignored a message on the event socket that is not a workbench event.');
      return;
    }
    const name = message.data.event;
    const payload = workbenchEvents[name].payload.safeParse(message.data.payload);
    if (!payload.success) {
      console.warn(`Ignored a ${name} event whose payload does not match the contract.`);
      return;
    }
    for (const listener of this.listeners.get(name) ?? []) listener(payload.data);
  }
}

/**
 * The workbench API over HTTP and WebSocket, for lab mode in a browser: each call is a POST to
 * `/api/<channel>` whose envelope is unwrapped (a failure becomes an Error with the server's message), and
 * every event arrives over one socket to `/events`. The session cookie set on first load authenticates both.
 */
export function createLabClient(options: LabClientOptions = {}): WorkbenchApi {
  const fetchFunction = options.fetch ?? ((input, init) => fetch(input, init));
  const apiBase = options.apiBase ?? '/api/';
  const connection = new EventConnection(
    () => options.eventsUrl ?? defaultEventsUrl(),
    options.createSocket ?? ((url) => new WebSocket(url)),
    options.reconnectMilliseconds ?? 500,
    options.maximumReconnectMilliseconds ?? 10_000,
  );

  const call = async (channel: string, argumentsValue: unknown): Promise<unknown> => {
    let response: Response;
    try {
      response = await fetchFunction(`${apiBase}${encodeURIComponent(channel)}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(argumentsValue ?? {}),
        credentials: 'same-origin',
      });
    } catch {
      throw new Error(strings.errors.unreachable);
    }
    let body: unknown;
    try {
      body = await response.json();
    } catch {
      throw new Error(strings.errors.badAnswer(channel, response.status));
    }
    const envelope = envelopeSchema.safeParse(body);
    if (!envelope.success) throw new Error(strings.errors.badAnswer(channel, response.status));
    if (!envelope.data.ok) throw new Error(envelope.data.error.message);
    return envelope.data.result;
  };

  const api: Record<string, unknown> = {};
  for (const name of callNames) {
    const channel = workbenchCalls[name].channel;
    api[name] = (argumentsValue?: unknown) => call(channel, argumentsValue);
  }
  for (const name of eventNames) {
    api[name] = (listener: (payload: unknown) => void) => connection.subscribe(name, listener);
  }
  // Built by looping over the contract, so every call and event has its function; the payloads and results
  // are the contract's own types (events are validated against their schemas above).
  return api as WorkbenchApi;
}

/** Removes `?token=` from the address bar once the page has loaded: the session cookie now carries it. */
export function removeTokenFromAddressBar(location: Location, history: History): void {
  const url = new URL(location.href);
  if (!url.searchParams.has('token')) return;
  url.searchParams.delete('token');
  history.replaceState(history.state, '', `${url.pathname}${url.search}${url.hash}`);
}
