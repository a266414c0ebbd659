import { z } from 'zod';
import { defineCall, defineEvent } from './define.js';
import type { AppInfo, DatasetSummary, ExperimentSummary } from './domain-types.js';
import { workerStateSchema } from './domain-types.js';
import type { WorkerState } from './domain-types.js';
import { engineStatusSchema } from './engine-status.js';
import type { EngineStatus } from './engine-status.js';

/** What the home screen shows in one round trip. */
export interface HomeData {
  readonly app: AppInfo;
  readonly engine: EngineStatus | null;
  readonly engineError: string | null;
  readonly worker: WorkerState;
  readonly datasets: readonly DatasetSummary[];
  readonly experiments: readonly ExperimentSummary[];
}

const noArguments = z.object({}).strict();

/**
 * Every call the UI can make. The key is the function name the preload and the lab client expose; the channel
 * is the name on the wire (IPC channel, HTTP path).
 */
export const workbenchCalls = {
  /** Everything the home screen needs: app facts, engine status, datasets and experiments. */
  getHome: defineCall<HomeData>()('home:get', noArguments),
  /** The compute engine's status from the worker's doctor job; `refresh` runs doctor again. */
  getEngineStatus: defineCall<EngineStatus>()(
    'engine:status',
    z.object({ refresh: z.boolean().default(false) }).strict(),
  ),
  /** The datasets in the store, newest first. */
  listDatasets: defineCall<DatasetSummary[]>()('datasets:list', noArguments),
  /** The experiments in the store, newest first. */
  listExperiments: defineCall<ExperimentSummary[]>()(
    'experiments:list',
    z.object({ datasetId: z.string().min(1).optional() }).strict(),
  ),
} as const;

/** Every event the UI can receive. */
export const workbenchEvents = {
  /** The engine status changed (doctor ran again, or the worker restarted). */
  onEngineStatus: defineEvent('engine:status-changed', engineStatusSchema),
  /** The compute worker changed state: started, crashed and restarted, stopped. */
  onWorkerState: defineEvent('worker:state-changed', workerStateSchema),
} as const;

export type WorkbenchCalls = typeof workbenchCalls;
export type CallName = keyof WorkbenchCalls;
export type EventName = keyof typeof workbenchEvents;

/** The arguments a caller passes (defaults may be left out). */
export type CallInput<Name extends CallName> = z.input<WorkbenchCalls[Name]['arguments']>;
/** The arguments a handler receives (after validation and defaults). */
export type CallArguments<Name extends CallName> = z.output<WorkbenchCalls[Name]['arguments']>;
/** What a call resolves to. */
export type CallResult<Name extends CallName> = NonNullable<WorkbenchCalls[Name]['result']>;
/** The payload of an event. */
export type EventPayload<Name extends EventName> = z.output<(typeof workbenchEvents)[Name]['payload']>;

/** The API as the renderer sees it: one named async function per call and one subscriber per event. */
export type WorkbenchApi = {
  readonly [Name in CallName]: (argumentsValue?: CallInput<Name>) => Promise<CallResult<Name>>;
} & {
  readonly [Name in EventName]: (listener: (payload: EventPayload<Name>) => void) => () => void;
};

/** The services side: one handler per call, receiving validated arguments. */
export type WorkbenchHandlers = {
  readonly [Name in CallName]: (argumentsValue: CallArguments<Name>) => Promise<CallResult<Name>>;
};

export const callNames = Object.keys(workbenchCalls) as CallName[];
export const eventNames = Object.keys(workbenchEvents) as EventName[];

/** Finds the call name for a wire channel, or undefined for a channel that is not ours. */
export function callNameForChannel(channel: string): CallName | undefined {
  return callNames.find((name) => workbenchCalls[name].channel === channel);
}
