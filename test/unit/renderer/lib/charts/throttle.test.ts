import { describe, expect, it } from 'vitest';
import { createThrottle } from '../../../../../src-renderer/lib/charts/throttle.js';
import type { ThrottleTimers } from '../../../../../src-renderer/lib/charts/throttle.js';

function fakeTimers(): ThrottleTimers & { advance: (milliseconds: number) => void } {
  let now = 0;
  let nextHandle = 1;
  const pending = new Map<number, { at: number; callback: () => void }>();
  return {
    now: () => now,
    setTimeout(callback, milliseconds) {
      const handle = nextHandle++;
      pending.set(handle, { at: now + milliseconds, callback });
      return handle;
    },
    clearTimeout(handle) {
      pending.delete(handle);
    },
    advance(milliseconds) {
      const until = now + milliseconds;
      for (;;) {
        const due = [...pending.entries()]
          .filter(([, timer]) => timer.at <= until)
          .sort(([, first], [, second]) => first.at - second.at)[0];
        if (due === undefined) break;
        pending.delete(due[0]);
        now = due[1].at;
        due[1].callback();
      }
      now = until;
    },
  };
}

describe('createThrottle', () => {
  it('runs the first request at once and folds a burst into one trailing run per interval', () => {
    const timers = fakeTimers();
    let runs = 0;
    const throttle = createThrottle(() => (runs += 1), 250, timers);
    throttle.request();
    expect(runs).toBe(1);
    // 100 progress events over one second: at most a few redraws.
    for (let event = 0; event < 100; event += 1) {
      throttle.request();
      timers.advance(10);
    }
    timers.advance(250);
    expect(runs).toBeGreaterThanOrEqual(4);
    expect(runs).toBeLessThanOrEqual(6);
  });

  it('always runs after the last request, so the final state is drawn', () => {
    const timers = fakeTimers();
    const seen: number[] = [];
    let value = 0;
    const throttle = createThrottle(() => seen.push(value), 250, timers);
    value = 1;
    throttle.request();
    value = 2;
    throttle.request();
    value = 3;
    throttle.request();
    expect(seen).toEqual([1]);
    timers.advance(250);
    expect(seen).toEqual([1, 3]);
  });

  it('drops a pending run when cancelled', () => {
    const timers = fakeTimers();
    let runs = 0;
    const throttle = createThrottle(() => (runs += 1), 250, timers);
    throttle.request();
    throttle.request();
    throttle.cancel();
    timers.advance(1000);
    expect(runs).toBe(1);
  });
});
