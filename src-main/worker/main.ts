import {
  fromWorkerMessageSchema,
  toWorkerMessageSchema,
} from '../../src-shared/contracts/worker-protocol.js';
import type { FromWorkerMessage } from '../../src-shared/contracts/worker-protocol.js';
import { describeValidationError } from '../../src-shared/contracts/dispatch.js';
import { runJob } from './job-runner.js';
import { connectToParent } from './parent-channel.js';

const parent = connectToParent();
const runningJobs = new Map<number, AbortController>();

function send(message: FromWorkerMessage): void {
  parent.send(fromWorkerMessageSchema.parse(message));
}

parent.onMessage((raw) => {
  const parsed = toWorkerMessageSchema.safeParse(raw);
  if (!parsed.success) {
    console.error(`compute worker: ignored a malformed message: ${describeValidationError(parsed.error)}`);
    return;
  }
  const message = parsed.data;
  switch (message.kind) {
    case 'shutdown':
      for (const controller of runningJobs.values()) controller.abort();
      process.exit(0);
      break;
    case 'stop':
      runningJobs.get(message.sequence)?.abort();
      break;
    case 'run': {
      const controller = new AbortController();
      runningJobs.set(message.sequence, controller);
      const reportProgress = (progress: unknown): void =>
        send({ kind: 'progress', sequence: message.sequence, progress });
      runJob(message.job, reportProgress, controller.signal)
        .then((result) => send({ kind: 'result', sequence: message.sequence, result }))
        .catch((error: unknown) =>
          send({
            kind: 'error',
            sequence: message.sequence,
            message: error instanceof Error ? error.message : String(error),
          }),
        )
        .finally(() => runningJobs.delete(message.sequence));
      break;
    }
  }
});

send({ kind: 'ready', pid: process.pid });
