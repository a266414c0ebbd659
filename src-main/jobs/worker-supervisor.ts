import { EventEmitter } from 'node:events';
import {
  fromWorkerMessageSchema,
  workerJobResultSchemas,
} from '../../src-shared/contracts/worker-protocol.js';
import type {
  ToWorkerMessage,
  WorkerJob,
  WorkerJobResults,
} from '../../src-shared/contracts/worker-protocol.js';
import type { WorkerState } from '../../src-shared/contracts/domain-types.js';
import { describeValidationError } from '../../src-shared/contracts/dispatch.js';
import type { WorkerExit, WorkerLauncher, WorkerProcess } from './worker-process.js';

/** Raised for every job in flight when the worker process dies. */
export class WorkerCrashedError extends Error {
  constructor(readonly reason: string) {
    super(reason);
    this.name = 'WorkerCrashedError';
  }
}

/** What the supervisor tells listeners when the worker dies. */
export interface WorkerCrash {
  readonly reason: string;
  readonly exit: WorkerExit;
  readonly restarting: boolean;
}

interface PendingJob {
  readonly type: WorkerJob['type'];
  readonly resolve: (result: unknown) => void;
  readonly reject: (error: Error) => void;
  readonly onProgress: ((progress: unknown) => void) | undefined;
}

interface SupervisorEvents {
  state: [WorkerState];
  crash: [WorkerCrash];
}

/** Options of the supervisor: how often it restarts a worker that keeps dying. */
export interface SupervisorOptions {
  readonly maxRestarts: number;
  readonly restartWindowMilliseconds: number;
  readonly shutdownGraceMilliseconds: number;
}

const defaultOptions: SupervisorOptions = {
  maxRestarts: 5,
  restartWindowMilliseconds: 60_000,
  shutdownGraceMilliseconds: 3_000,
};

function describeExit(exit: WorkerExit, errorTail: string): string {
  const how =
    exit.signal !== null ? `was killed by ${exit.signal}` : `exited with code ${exit.code ?? 'unknown'}`;
  const outOfMemory = /heap out of memory|Cannot allocate memory|std::bad_alloc/i.test(errorTail);
  const detail = outOfMemory
    ? ' It ran out of memory.'
    : errorTail.trim() === ''
      ? ''
      : ` Its last output: ${errorTail.trim().split('\n').slice(-3).join(' | ')}`;
  return `The compute worker stopped unexpectedly: it ${how}.${detail}`;
}

/**
 * Owns the one long-lived compute worker: starts it, runs jobs on it with sequence-numbered messages, notices
 * when it dies, fails the jobs it was running with the reason, and starts a new one.
 */
export class WorkerSupervisor extends EventEmitter<SupervisorEvents> {
  private readonly options: SupervisorOptions;
  private worker: WorkerProcess | null = null;
  private ready: Promise<void> | null = null;
  private nextSequence = 1;
  private readonly pending = new Map<number, PendingJob>();
  private readonly restartTimes: number[] = [];
  private currentState: WorkerState = { state: 'stopped', pid: null, restarts: 0, lastCrash: null };
  private shuttingDown = false;
  private errorTail = '';

  constructor(
    private readonly launch: WorkerLauncher,
    options: Partial<SupervisorOptions> = {},
  ) {
    super();
    this.options = { ...defaultOptions, ...options };
  }

  /** The worker's state as the UI shows it. */
  get state(): WorkerState {
    return this.currentState;
  }

  /** Starts the worker if it is not running and resolves once it says it is ready. */
  start(): Promise<void> {
    if (this.ready !== null) return this.ready;
    this.shuttingDown = false;
    this.setState({ ...this.currentState, state: 'starting', pid: null });
    const worker = this.launch();
    this.worker = worker;
    this.errorTail = '';
    this.ready = new Promise<void>((resolve, reject) => {
      worker.onErrorOutput((text) => {
        this.errorTail = (this.errorTail + text).slice(-2_000);
      });
      worker.onMessage((raw) => {
        const parsed = fromWorkerMessageSchema.safeParse(raw);
        if (!parsed.success) {
          console.error(`worker supervisor: malformed message: ${describeValidationError(parsed.error)}`);
          return;
        }
        const message = parsed.data;
        if (message.kind === 'ready') {
          this.setState({ ...this.currentState, state: 'ready', pid: message.pid });
          resolve();
          return;
        }
        const job = this.pending.get(message.sequence);
        if (job === undefined) return;
        if (message.kind === 'progress') {
          job.onProgress?.(message.progress);
        } else if (message.kind === 'error') {
          this.pending.delete(message.sequence);
          job.reject(new Error(message.message));
        } else {
          this.pending.delete(message.sequence);
          const checked = workerJobResultSchemas[job.type].safeParse(message.result);
          if (checked.success) job.resolve(checked.data);
          else
            job.reject(
              new Error(
                `The compute worker sent a malformed ${job.type} result: ${describeValidationError(checked.error)}`,
              ),
            );
        }
      });
      worker.onExit((exit) => {
        const wasReady = this.currentState.state === 'ready';
        this.handleExit(worker, exit);
        if (!wasReady) reject(new WorkerCrashedError(describeExit(exit, this.errorTail)));
      });
    });
    return this.ready;
  }

  /** Runs a job on the worker, starting it first if needed. */
  async run<Job extends WorkerJob>(
    job: Job,
    onProgress?: (progress: unknown) => void,
  ): Promise<WorkerJobResults[Job['type']]> {
    await this.start();
    const sequence = this.nextSequence++;
    const result = new Promise<WorkerJobResults[Job['type']]>((resolve, reject) => {
      this.pending.set(sequence, {
        type: job.type,
        resolve: resolve as (result: unknown) => void,
        reject,
        onProgress,
      });
    });
    this.post({ kind: 'run', sequence, job });
    return result;
  }

  /** Asks the worker to stop every job in flight, cooperatively. */
  stopAll(): void {
    for (const sequence of this.pending.keys()) this.post({ kind: 'stop', sequence });
  }

  /** Stops the worker: asks it to exit, and kills it if it has not within the grace period. */
  async shutdown(): Promise<void> {
    this.shuttingDown = true;
    const worker = this.worker;
    if (worker === null) return;
    const exited = new Promise<void>((resolve) => worker.onExit(() => resolve()));
    this.post({ kind: 'shutdown' });
    const timer = setTimeout(() => worker.kill(), this.options.shutdownGraceMilliseconds);
    await exited;
    clearTimeout(timer);
  }

  private post(message: ToWorkerMessage): void {
    this.worker?.send(message);
  }

  private handleExit(worker: WorkerProcess, exit: WorkerExit): void {
    if (worker !== this.worker) return;
    this.worker = null;
    this.ready = null;
    if (this.shuttingDown) {
      this.failPending('The compute worker was shut down.');
      this.setState({ ...this.currentState, state: 'stopped', pid: null });
      return;
    }
    const reason = describeExit(exit, this.errorTail);
    this.failPending(reason);
    const now = Date.now();
    this.restartTimes.push(now);
    while ((this.restartTimes[0] ?? now) < now - this.options.restartWindowMilliseconds)
      this.restartTimes.shift();
    const restarting = this.restartTimes.length <= this.options.maxRestarts;
    this.setState({
      state: 'crashed',
      pid: null,
      restarts: this.currentState.restarts + (restarting ? 1 : 0),
      lastCrash: reason,
    });
    this.emit('crash', { reason, exit, restarting });
    if (restarting) {
      this.start().catch((error: unknown) => {
        console.error(
          `worker supervisor: restart failed: ${error instanceof Error ? error.message : String(error)}`,
        );
      });
    }
  }

  private failPending(reason: string): void {
    for (const [sequence, job] of this.pending) {
      this.pending.delete(sequence);
      job.reject(new WorkerCrashedError(reason));
    }
  }

  private setState(state: WorkerState): void {
    this.currentState = state;
    this.emit('state', state);
  }
}
