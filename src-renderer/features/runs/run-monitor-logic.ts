import type {
  EpochRecord,
  RunProgress,
  RunStatus,
  RunSummary,
} from '../../../src-shared/contracts/run-types.js';

/** One line of the monitor's log. */
export interface LogEntry {
  readonly id: number;
  readonly time: string;
  readonly runId: string;
  readonly kind: 'status' | 'epoch';
  readonly text: string;
  readonly status: RunStatus | null;
}

/** One point of the batch-level loss curve. */
export interface BatchPoint {
  readonly x: number;
  readonly y: number;
}

/** The run to show first: the running one, else a paused or interrupted one, else the latest that started. */
export function pickDefaultRun(runs: readonly RunSummary[]): string | null {
  const byPreference = (statuses: readonly RunStatus[]): RunSummary | undefined =>
    runs.find((run) => statuses.includes(run.status));
  const chosen =
    byPreference(['running']) ??
    byPreference(['paused', 'interrupted']) ??
    [...runs]
      .filter((run) => run.startedAt !== null)
      .sort((first, second) => (second.startedAt ?? '').localeCompare(first.startedAt ?? ''))[0] ??
    runs[0];
  return chosen?.id ?? null;
}

/** The runs in the order the monitor lists them: the teacher first, then by queue position. */
export function orderRuns(runs: readonly RunSummary[]): RunSummary[] {
  return [...runs].sort(
    (first, second) =>
      Number(second.role === 'teacher') - Number(first.role === 'teacher') ||
      first.queuePosition - second.queuePosition ||
      first.createdAt.localeCompare(second.createdAt),
  );
}

/** The list with `run` replacing the run of the same id, or added when new. */
export function upsertRun(runs: readonly RunSummary[], run: RunSummary): RunSummary[] {
  const index = runs.findIndex((existing) => existing.id === run.id);
  if (index === -1) return orderRuns([...runs, run]);
  const next = [...runs];
  next[index] = run;
  return next;
}

/** The records with `record` added, replacing an earlier record of the same epoch (a resumed run repeats it). */
export function appendEpoch(records: readonly EpochRecord[], record: EpochRecord): EpochRecord[] {
  return [...records.filter((existing) => existing.epoch < record.epoch), record];
}

/**
 * The batch-loss points of the current epoch after a progress event: a new epoch (or a run restarting its
 * epoch) starts a fresh curve, preparing events and events without a loss change nothing.
 */
export function appendBatchPoint(
  points: readonly BatchPoint[],
  pointsEpoch: number | null,
  progress: RunProgress,
): { readonly points: readonly BatchPoint[]; readonly epoch: number | null } {
  if (progress.phase !== 'training' || progress.loss === null) return { points, epoch: pointsEpoch };
  const point = { x: progress.batch, y: progress.loss.total };
  const last = points.at(-1);
  if (pointsEpoch !== progress.epoch || (last !== undefined && last.x >= progress.batch)) {
    return { points: [point], epoch: progress.epoch };
  }
  return { points: [...points, point], epoch: pointsEpoch };
}

/** Keeps the newest `limit` log entries so a long run's log stays cheap to render. */
export function appendLog(log: readonly LogEntry[], entry: LogEntry, limit = 500): LogEntry[] {
  const next = [...log, entry];
  return next.length > limit ? next.slice(next.length - limit) : next;
}

/** The log a monitor starts with: when each run started and finished, oldest first. */
export function initialLog(
  runs: readonly RunSummary[],
  describe: (run: RunSummary, status: RunStatus) => string,
): LogEntry[] {
  const entries: Omit<LogEntry, 'id'>[] = [];
  for (const run of runs) {
    if (run.startedAt !== null) {
      entries.push({
        time: run.startedAt,
        runId: run.id,
        kind: 'status',
        status: 'running',
        text: describe(run, 'running'),
      });
    }
    if (run.finishedAt !== null) {
      entries.push({
        time: run.finishedAt,
        runId: run.id,
        kind: 'status',
        status: run.status,
        text: describe(run, run.status),
      });
    }
  }
  return entries
    .sort((first, second) => first.time.localeCompare(second.time))
    .map((entry, index) => ({ ...entry, id: index + 1 }));
}

/** A copy of the map with `key` set to `value` (state maps are replaced, never mutated). */
export function withEntry<Key, Value>(
  map: ReadonlyMap<Key, Value>,
  key: Key,
  value: Value,
): ReadonlyMap<Key, Value> {
  return new Map(map).set(key, value);
}

/** A copy of the map without `key`. */
export function withoutEntry<Key, Value>(map: ReadonlyMap<Key, Value>, key: Key): ReadonlyMap<Key, Value> {
  const next = new Map(map);
  next.delete(key);
  return next;
}

/** A copy of the set with `value` added (present) or removed (absent). */
export function withMember<Value>(
  set: ReadonlySet<Value>,
  value: Value,
  present: boolean,
): ReadonlySet<Value> {
  const next = new Set(set);
  if (present) next.add(value);
  else next.delete(value);
  return next;
}

/** The current time as an ISO timestamp, for log entries. */
export function currentTimestamp(): string {
  return new Date().toISOString();
}

/** An empty map to start state with. */
export function emptyMap<Key, Value>(): ReadonlyMap<Key, Value> {
  return new Map<Key, Value>();
}

/** An empty set to start state with. */
export function emptySet<Value>(): ReadonlySet<Value> {
  return new Set<Value>();
}

/**
 * The log after a load: the history from the run summaries, then the entries events added meanwhile, except
 * status entries the history already holds (an event that arrived while the load was in flight), renumbered.
 */
export function mergeLog(history: readonly LogEntry[], live: readonly LogEntry[]): LogEntry[] {
  const known = new Set(history.map((entry) => `${entry.runId}:${entry.status ?? ''}`));
  const fresh = live.filter(
    (entry) => entry.kind !== 'status' || !known.has(`${entry.runId}:${entry.status ?? ''}`),
  );
  return [...history, ...fresh].map((entry, index) => ({ ...entry, id: index + 1 }));
}
