/** The timer functions a throttle uses; tests pass fake ones. */
export interface ThrottleTimers {
  readonly now: () => number;
  readonly setTimeout: (callback: () => void, milliseconds: number) => number;
  readonly clearTimeout: (handle: number) => void;
}

const windowTimers: ThrottleTimers = {
  now: () => performance.now(),
  setTimeout: (callback, milliseconds) => window.setTimeout(callback, milliseconds),
  clearTimeout: (handle) => window.clearTimeout(handle),
};

/** A throttled action: request it as often as you like, it runs at most once per interval. */
export interface Throttle {
  /** Asks for a run: now when the interval has passed since the last one, else once at its end. */
  readonly request: () => void;
  /** Drops a pending run (when the chart is destroyed). */
  readonly cancel: () => void;
}

/**
 * Runs `action` at most once every `intervalMilliseconds`, always after the last request (trailing), so a burst
 * of events costs a few redraws a second and the final state is never skipped.
 */
export function createThrottle(
  action: () => void,
  intervalMilliseconds: number,
  timers: ThrottleTimers = windowTimers,
): Throttle {
  let lastRun = Number.NEGATIVE_INFINITY;
  let pending: number | null = null;
  const run = (): void => {
    pending = null;
    lastRun = timers.now();
    action();
  };
  return {
    request() {
      if (pending !== null) return;
      const wait = lastRun + intervalMilliseconds - timers.now();
      if (wait <= 0) run();
      else pending = timers.setTimeout(run, wait);
    },
    cancel() {
      if (pending !== null) timers.clearTimeout(pending);
      pending = null;
    },
  };
}
