import type { ProgressUnit } from '../formats/types.js';

/** The phases of an import, in order. */
export const importPhases = [
  'detecting',
  'unpacking',
  'probing',
  'reading',
  'resizing',
  'checking',
  'thumbnails',
  'writing',
] as const;
export type ImportPhase = (typeof importPhases)[number];

/** One progress report of an import job. */
export interface ImportProgress {
  readonly phase: ImportPhase;
  /** Units done and to do in this phase. */
  readonly done: number;
  readonly total: number;
  /** Images while images are read, resized and checked; bytes while an archive is unpacked and the cache written. */
  readonly unit: ProgressUnit;
  readonly perSecond: number;
  /** Seconds left in this phase at the current rate; null until a rate is known. */
  readonly etaSeconds: number | null;
  /** Seconds since the import started. */
  readonly elapsedSeconds: number;
}

const minimumInterval = 100;

/** Turns done/total counts into throttled reports with a rate and an ETA. */
export class ProgressMeter {
  private readonly startedAt = performance.now();
  private phaseStartedAt = this.startedAt;
  private phase: ImportPhase = 'detecting';
  private unit: ProgressUnit = 'files';
  private lastReportAt = 0;

  constructor(private readonly listener: ((progress: ImportProgress) => void) | undefined) {}

  /**
   * Reports `done` of `total` in `phase`; reports within 100 ms of the last are dropped unless they finish
   * the phase. The rate is measured from the start of the phase, or from the report where its unit changed.
   */
  report(phase: ImportPhase, done: number, total: number, unit: ProgressUnit): void {
    const now = performance.now();
    if (phase !== this.phase || unit !== this.unit) {
      this.phase = phase;
      this.unit = unit;
      this.phaseStartedAt = now;
    } else if (now - this.lastReportAt < minimumInterval && done < total) {
      return;
    }
    this.lastReportAt = now;
    const phaseSeconds = (now - this.phaseStartedAt) / 1000;
    const perSecond = phaseSeconds > 0 ? done / phaseSeconds : 0;
    this.listener?.({
      phase,
      done,
      total,
      unit,
      perSecond,
      etaSeconds: perSecond > 0 ? Math.max(0, (total - done) / perSecond) : null,
      elapsedSeconds: (now - this.startedAt) / 1000,
    });
  }
}
