import type { z } from 'zod';

/** One call of the API: its channel name, the schema of its arguments and (as a type only) its result. */
export interface CallSpec<Arguments extends z.ZodType, Result> {
  readonly channel: string;
  readonly arguments: Arguments;
  /** Never read at run time: carries the result type for the transports and the client. */
  readonly result?: Result;
}

/** Declares a call whose arguments are validated by `argumentsSchema` and which resolves to `Result`. */
export function defineCall<Result>() {
  return <Arguments extends z.ZodType>(
    channel: string,
    argumentsSchema: Arguments,
  ): CallSpec<Arguments, Result> => ({
    channel,
    arguments: argumentsSchema,
  });
}

/** One event the UI can receive: its channel name and the schema of its payload. */
export interface EventSpec<Payload extends z.ZodType> {
  readonly channel: string;
  readonly payload: Payload;
}

/** Declares an event whose payload matches `payloadSchema`. */
export function defineEvent<Payload extends z.ZodType>(
  channel: string,
  payloadSchema: Payload,
): EventSpec<Payload> {
  return { channel, payload: payloadSchema };
}

/** The error envelope every transport returns for a failed call. */
export interface CallFailure {
  readonly ok: false;
  readonly error: { readonly code: CallErrorCode; readonly message: string };
}

/** The envelope every transport returns for a call that succeeded. */
export interface CallSuccess<Result> {
  readonly ok: true;
  readonly result: Result;
}

export type CallOutcome<Result> = CallSuccess<Result> | CallFailure;

/** Why a call failed: bad arguments, an unknown call, a refused caller, or the service's own error. */
export type CallErrorCode = 'invalid-arguments' | 'unknown-call' | 'forbidden' | 'failed';
