import type { z } from 'zod';
import type { CallFailure, CallOutcome } from './define.js';
import { callNameForChannel, workbenchCalls } from './api.js';
import type { CallName, CallResult, WorkbenchHandlers } from './api.js';

/** Turns a zod error into one readable sentence per problem, each with the path of the offending field. */
export function describeValidationError(error: z.ZodError): string {
  return error.issues
    .map((issue) => {
      const path = issue.path.length > 0 ? issue.path.join('.') : 'arguments';
      return `${path}: ${issue.message}`;
    })
    .join('; ');
}

/** A failure envelope with a specific code and message. */
export function callFailure(code: CallFailure['error']['code'], message: string): CallFailure {
  return { ok: false, error: { code, message } };
}

/**
 * Validates a call that arrived over any transport and runs its handler. The handler is never called when the
 * channel is unknown or the arguments do not match the contract.
 */
export async function dispatchCall(
  handlers: WorkbenchHandlers,
  channel: string,
  rawArguments: unknown,
): Promise<CallOutcome<CallResult<CallName>>> {
  const name = callNameForChannel(channel);
  if (name === undefined) {
    return callFailure('unknown-call', `"${channel}" is not a workbench call.`);
  }
  const parsed = workbenchCalls[name].arguments.safeParse(rawArguments ?? {});
  if (!parsed.success) {
    return callFailure(
      'invalid-arguments',
      `Invalid arguments for ${channel}: ${describeValidationError(parsed.error)}`,
    );
  }
  try {
    const handler = handlers[name] as (argumentsValue: unknown) => Promise<CallResult<CallName>>;
    return { ok: true, result: await handler(parsed.data) };
  } catch (error) {
    return callFailure('failed', error instanceof Error ? error.message : String(error));
  }
}
