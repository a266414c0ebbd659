import { backendNames } from '../../src-shared/contracts/engine-status.js';
import type { BackendName } from '../../src-shared/contracts/engine-status.js';

/** A mistake in how the command was called; the CLI prints the message and exits with code 2. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/** Validates a `--backend` value. */
export function parseBackendFlag(value: string | undefined): BackendName | null {
  if (value === undefined) return null;
  const backend = backendNames.find((name) => name === value);
  if (backend === undefined) {
    throw new UsageError(`Unknown backend "${value}". Choose one of: ${backendNames.join(', ')}.`);
  }
  return backend;
}

/** Validates a TCP port flag. */
export function parsePortFlag(value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  const port = Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65_535) {
    throw new UsageError(`--port must be a whole number from 0 to 65535, not "${value}".`);
  }
  return port;
}
