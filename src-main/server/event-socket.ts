import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer } from 'ws';
import type { EventBus } from '../services/event-bus.js';
import { RequestRefusal, checkRequest, requestUrl } from './request-checks.js';
import type { ServerIdentity } from './request-checks.js';
import { refuseUpgrade } from './responses.js';

// The page never sends anything on the event socket; a large frame is a misbehaving client.
const maximumClientFrameBytes = 64 * 1024;

/** The `/events` WebSocket: contract events fanned out to every authenticated page. */
export interface EventSocketEndpoint {
  /** The server's 'upgrade' listener; it never throws, whatever the request. */
  readonly handleUpgrade: (request: IncomingMessage, socket: Duplex, head: Buffer) => void;
  readonly close: () => void;
}

/** Accepts event-socket upgrades after the same checks as any request, and forwards the bus's events. */
export function createEventSocketEndpoint(
  events: EventBus,
  identity: ServerIdentity,
  log: (line: string) => void,
): EventSocketEndpoint {
  const sockets = new WebSocketServer({ noServer: true, maxPayload: maximumClientFrameBytes });
  const unsubscribe = events.subscribe((name, payload) => {
    const message = JSON.stringify({ event: name, payload });
    for (const client of sockets.clients) if (client.readyState === client.OPEN) client.send(message);
  });
  const handleUpgrade = (request: IncomingMessage, socket: Duplex, head: Buffer): void => {
    // Node leaves an upgraded socket without an error listener; a reset client must not throw.
    socket.on('error', () => socket.destroy());
    try {
      const url = requestUrl(request);
      checkRequest(request, url, identity);
      if (url.pathname !== '/events') throw new RequestRefusal(404, 'The only WebSocket is /events.');
      sockets.handleUpgrade(request, socket, head, (client) => {
        // An invalid frame from the client is reported here, then ws closes that socket.
        client.on('error', () => client.terminate());
        sockets.emit('connection', client, request);
      });
    } catch (error) {
      refuseUpgrade(socket, error, log);
    }
  };
  return {
    handleUpgrade,
    close: () => {
      unsubscribe();
      for (const client of sockets.clients) client.terminate();
      sockets.close();
    },
  };
}
