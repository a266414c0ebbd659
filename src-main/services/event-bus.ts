import { EventEmitter } from 'node:events';
import type { EventName, EventPayload } from '../../src-shared/contracts/api.js';

/** The one stream of contract events that both transports forward to the UI. */
export class EventBus {
  private readonly emitter = new EventEmitter();

  /** Publishes an event to every subscriber. */
  publish<Name extends EventName>(name: Name, payload: EventPayload<Name>): void {
    this.emitter.emit('event', name, payload);
  }

  /** Subscribes to every event; returns the unsubscribe function. */
  subscribe(listener: <Name extends EventName>(name: Name, payload: EventPayload<Name>) => void): () => void {
    this.emitter.on('event', listener);
    return () => this.emitter.off('event', listener);
  }
}
