import { randomUUID } from 'node:crypto';
import type { RunStatus, RunSummary } from '../../src-shared/contracts/run-types.js';
import { trainProgressSchema } from '../../src-shared/contracts/worker-protocol.js';
import type { TrainProgress, TrainRunJob } from '../../src-shared/contracts/worker-protocol.js';
import type { BackendName } from '../../src-shared/contracts/engine-status.js';
import { describeBackbone } from '../../src-shared/domain/backbone-catalog.js';
import { resolvedAugmentation } from '../../src-shared/domain/training-recipe.js';
import { WorkerCrashedError } from '../jobs/worker-supervisor.js';
import type { WorkerSupervisor } from '../jobs/worker-supervisor.js';
import { homeLayout } from '../store/home-layout.js';
import type { WorkbenchStore } from '../store/workbench-store.js';
import type { EventBus } from './event-bus.js';
import { describeOwner } from './home-ownership.js';
import { describeStorageFailure, isDiskFull } from './storage-failure.js';

const finishedStatuses: ReadonlySet<RunStatus> = new Set(['done', 'failed', 'cancelled']);

/** A readable reason for a failed run, naming the usual causes in plain words. */
export function describeRunFailure(error: unknown, homeDirectory: string): string {
  const storage = describeStorageFailure(error, homeDirectory);
  if (storage !== null) return `${storage} Free some space or fix the folder, then resume the run.`;
  return error instanceof Error ? error.message : String(error);
}

/** How often an idle queue looks for runs that another process put in the store. */
const idlePollMilliseconds = 2_000;

interface ActiveRun {
  readonly runId: string;
  stopAs: 'paused' | 'cancelled' | null;
  imagesPerSecond: number | null;
  lastProgressEvent: number;
}

/**
 * Runs the queued runs one at a time on the compute worker, in queue order, recording every epoch in the
 * store as it finishes. Only the process that owns the workbench home serves the queue (`serve`); every
 * other process may queue, pause or cancel runs that are not training, through the store. Survives worker
 * crashes (the run becomes interrupted with the reason) and a full disk (the queue halts with the reason
 * instead of crashing the process), and resumes runs from their last checkpoint.
 */
export class RunQueue {
  private active: ActiveRun | null = null;
  private idleWaiters: (() => void)[] = [];
  private serving = false;
  private idlePoll: NodeJS.Timeout | null = null;
  private eligibility: ((run: RunSummary) => boolean) | null = null;
  private halt: string | null = null;

  constructor(
    private readonly store: WorkbenchStore,
    private readonly supervisor: WorkerSupervisor,
    private readonly events: EventBus,
    private readonly homeDirectory: string,
    private readonly forcedBackend: BackendName | null,
  ) {}

  /**
   * Starts serving the queue: this process owns the home. It looks for newly queued runs every few seconds,
   * so runs that other processes queue in the store are trained here too.
   */
  serve(): void {
    this.serving = true;
    if (this.idlePoll === null) {
      this.idlePoll = setInterval(() => this.pump(), idlePollMilliseconds);
      this.idlePoll.unref();
    }
    this.pump();
  }

  /** Stops taking new runs (the one training now goes on until it ends or is paused). */
  stopServing(): void {
    this.serving = false;
    if (this.idlePoll !== null) clearInterval(this.idlePoll);
    this.idlePoll = null;
    for (const resolve of this.idleWaiters.splice(0)) resolve();
  }

  /** Trains only the queued runs `isEligible` accepts (null: all of them), e.g. one CLI command's own runs. */
  limitTo(isEligible: ((run: RunSummary) => boolean) | null): void {
    this.eligibility = isEligible;
  }

  /** Why the queue stopped taking runs on its own (a full disk), or null while it can go on. */
  get haltReason(): string | null {
    return this.halt;
  }

  /** Marks runs that a dead owner left running as interrupted; call only while claiming the home. */
  recoverAbandonedRuns(): number {
    return this.store.runs.interruptAbandoned(
      'The workbench stopped while this run was training. Resume it to continue from its last checkpoint.',
    );
  }

  /** The run being trained now, if any. */
  get activeRunId(): string | null {
    return this.active?.runId ?? null;
  }

  /** Starts the next eligible queued run if this process serves the queue and none is running. */
  pump(): void {
    if (this.active !== null) return;
    const next = this.serving && this.halt === null ? this.claimNext() : undefined;
    if (next === undefined) {
      for (const resolve of this.idleWaiters.splice(0)) resolve();
      return;
    }
    this.active = { runId: next.id, stopAs: null, imagesPerSecond: null, lastProgressEvent: 0 };
    void this.execute(next).finally(() => {
      this.active = null;
      this.pump();
    });
  }

  /** Resolves when no run is running here and none that this process would run is queued. */
  whenIdle(): Promise<void> {
    if (this.active === null && (!this.serving || this.halt !== null || !this.hasEligible())) {
      return Promise.resolve();
    }
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /** Pauses a run: a running one finishes its batch and stops; a queued one is held. */
  pause(runId: string): RunSummary {
    const run = this.requireRun(runId);
    if (this.active?.runId === runId) {
      this.active.stopAs = 'paused';
      this.supervisor.stopAll();
    } else if (run.status === 'running') {
      throw this.trainingElsewhere(run);
    } else if (!this.transition(run, ['queued'], 'paused')) {
      throw new Error(`Run ${runId} is ${run.status}; only a queued or running run can be paused.`);
    }
    return this.requireRun(runId);
  }

  /** Cancels a queued, paused, interrupted or running run. */
  cancel(runId: string): RunSummary {
    const run = this.requireRun(runId);
    if (this.active?.runId === runId) {
      this.active.stopAs = 'cancelled';
      this.supervisor.stopAll();
    } else if (run.status === 'running') {
      throw this.trainingElsewhere(run);
    } else if (!this.transition(run, ['queued', 'paused', 'interrupted'], 'cancelled')) {
      throw new Error(`Run ${runId} is already ${run.status}; there is nothing to cancel.`);
    }
    return this.requireRun(runId);
  }

  /** Puts a paused, interrupted or failed run back in the queue; it continues from its last checkpoint. */
  resume(runId: string): RunSummary {
    const run = this.requireRun(runId);
    if (run.status !== 'paused' && run.status !== 'interrupted' && run.status !== 'failed') {
      throw new Error(
        `Run ${runId} is ${run.status}; only a paused, interrupted or failed run can be resumed.`,
      );
    }
    const checkpoint = this.store.runs.latestCheckpoint(runId);
    this.store.runs.truncateAfter(runId, checkpoint?.epoch ?? 0);
    this.store.runs.requeue(runId);
    // Resuming is how a person says the cause of a halt (a full disk) is fixed.
    this.halt = null;
    this.publishStatus(runId);
    this.pump();
    return this.requireRun(runId);
  }

  /** Derives an experiment's status again from the runs it has left (after some were deleted). */
  refreshExperimentStatus(experimentId: string): void {
    if (this.store.runs.listOfExperiment(experimentId).length > 0) this.updateExperimentStatus(experimentId);
  }

  private trainingElsewhere(run: RunSummary): Error {
    const owner = this.store.owner.current();
    return new Error(
      `Run ${run.id} is training in ${owner === undefined ? 'another workbench process' : describeOwner(owner)}; ` +
        'pause or cancel it there (Ctrl+C pauses a CLI run), or stop that process first.',
    );
  }

  private transition(run: RunSummary, expected: readonly RunStatus[], status: RunStatus): boolean {
    if (!this.store.runs.transition(run.id, expected, status)) return false;
    this.store.eventLog.append('run-status', run.id, status);
    this.publishStatus(run.id);
    return true;
  }

  private requireRun(runId: string): RunSummary {
    const run = this.store.runs.get(runId);
    if (run === undefined) throw new Error(`There is no run ${runId}.`);
    return run;
  }

  /** Whether a queued run may start now: its teacher run is done (or it has none) and the limit allows it. */
  private isEligible(run: RunSummary): boolean {
    if (this.eligibility !== null && !this.eligibility(run)) return false;
    if (run.teacherRunId === null) return true;
    return this.store.runs.get(run.teacherRunId)?.status === 'done';
  }

  private hasEligible(): boolean {
    return this.store.runs.listWithStatus('queued').some((run) => this.isEligible(run));
  }

  /** Fails runs whose teacher run ended without a model, then claims the next eligible run atomically. */
  private claimNext(): RunSummary | undefined {
    try {
      for (const run of this.store.runs.listWithStatus('queued')) {
        if (run.teacherRunId === null) continue;
        const teacher = this.store.runs.get(run.teacherRunId);
        if (teacher?.status === 'done') continue;
        if (teacher === undefined || finishedStatuses.has(teacher.status)) {
          this.setStatus(
            run,
            'failed',
            `Its teacher run ${run.teacherRunId} ended ${teacher?.status ?? 'missing'}, so there is no teacher to learn from.`,
          );
        }
      }
      const claimed = this.store.runs.claimNext(null, (run) => this.isEligible(run));
      if (claimed !== undefined) this.recordStatus(claimed, 'running', null);
      return claimed;
    } catch (error) {
      this.haltOn(error);
      return undefined;
    }
  }

  /** Stops taking runs after a store write failed for good (a full disk), with the reason kept and logged. */
  private haltOn(error: unknown): void {
    this.halt = describeRunFailure(error, this.homeDirectory);
    console.error(`The training queue stopped: ${this.halt}`);
    for (const resolve of this.idleWaiters.splice(0)) resolve();
  }

  private setStatus(
    run: RunSummary,
    status: RunStatus,
    error: string | null = null,
    backend: string | null = null,
  ): void {
    this.store.runs.setStatus(run.id, status, error, backend);
    this.recordStatus(run, status, error);
  }

  private recordStatus(run: RunSummary, status: RunStatus, error: string | null): void {
    this.store.eventLog.append('run-status', run.id, error === null ? status : `${status}: ${error}`);
    this.publishStatus(run.id);
  }

  private publishStatus(runId: string): void {
    const run = this.store.runs.get(runId);
    if (run === undefined) return;
    this.updateExperimentStatus(run.experimentId);
    this.events.publish('onRunStatus', run);
  }

  private updateExperimentStatus(experimentId: string): void {
    const runs = this.store.runs.listOfExperiment(experimentId);
    const statuses = new Set(runs.map((run) => run.status));
    const status = statuses.has('running')
      ? 'running'
      : statuses.has('queued')
        ? 'queued'
        : statuses.has('paused') || statuses.has('interrupted')
          ? 'paused'
          : statuses.has('failed')
            ? 'failed'
            : runs.every((run) => run.status === 'cancelled')
              ? 'cancelled'
              : 'done';
    this.store.experiments.setStatus(experimentId, status);
  }

  private recordModel(run: RunSummary, job: TrainRunJob, modelDirectory: string): void {
    const experiment = this.store.experiments.get(run.experimentId);
    const dataset = experiment === undefined ? undefined : this.store.datasets.get(experiment.spec.datasetId);
    if (dataset === undefined) return;
    const sizes = {
      classes: dataset.classCount,
      inputShape: [dataset.imageHeight, dataset.imageWidth, dataset.channels] as const,
    };
    this.store.models.insert({
      id: randomUUID(),
      name: `${run.role === 'teacher' ? 'Teacher' : 'Student'} ${run.backbone} (${run.method}, seed ${run.seed})`,
      source: 'run',
      runId: run.id,
      backbone: run.backbone,
      path: modelDirectory,
      classCount: dataset.classCount,
      imageHeight: dataset.imageHeight,
      imageWidth: dataset.imageWidth,
      channels: dataset.channels,
      parameterCount: describeBackbone(job.student.backbone, sizes).parameterCount,
      testTop1: this.store.runs.get(run.id)?.lastTestTop1 ?? null,
    });
  }

  private buildJob(run: RunSummary): TrainRunJob {
    const experiment = this.store.experiments.get(run.experimentId);
    if (experiment === undefined) throw new Error(`Run ${run.id} belongs to a missing experiment.`);
    const spec = experiment.spec;
    const dataset = this.store.datasets.get(spec.datasetId);
    if (dataset === undefined) throw new Error(`The dataset of run ${run.id} is no longer in the workbench.`);
    let teacher: TrainRunJob['teacher'] = null;
    if (run.role === 'student' && run.method !== 'none') {
      if (spec.teacher.source === 'import') {
        teacher = { source: 'import', modelJsonPath: spec.teacher.modelJsonPath };
      } else if (spec.teacher.source === 'imported') {
        const stored = this.store.teachers.get(spec.teacher.teacherId);
        if (stored === undefined) {
          throw new Error(
            `The imported teacher ${spec.teacher.teacherId} of run ${run.id} is no longer in the workbench.`,
          );
        }
        teacher = {
          source: 'imported',
          teacherId: stored.record.id,
          directory: stored.directory,
          taps: spec.teacher.taps ?? null,
        };
      } else {
        const teacherRunId = run.teacherRunId ?? (spec.teacher.source === 'run' ? spec.teacher.runId : null);
        const teacherRun = teacherRunId === null ? undefined : this.store.runs.get(teacherRunId);
        if (teacherRun === undefined) throw new Error(`Run ${run.id} has no trained teacher.`);
        teacher = {
          source: 'run',
          backbone: teacherRun.backbone,
          modelDirectory: homeLayout(this.homeDirectory).runModelFolder(teacherRun.id),
        };
      }
    }
    return {
      type: 'train-run',
      runId: run.id,
      forcedBackend: this.forcedBackend,
      datasetDirectory: dataset.cachePath,
      checkpointDirectory: homeLayout(this.homeDirectory).runCheckpointFolder(run.id),
      modelDirectory: homeLayout(this.homeDirectory).runModelFolder(run.id),
      student: { backbone: run.backbone },
      teacher,
      method: run.method,
      hyperparameters: spec.hyperparameters[run.method] ?? {},
      epochs: run.epochsTotal,
      batchSize: spec.schedule.batchSize,
      learningRate: spec.schedule.learningRate,
      momentum: spec.schedule.momentum,
      weightDecay: spec.schedule.weightDecay,
      learningRateSchedule: spec.schedule.learningRateSchedule,
      warmupEpochs: spec.schedule.warmupEpochs,
      seed: run.seed,
      recordedEpochs: this.store.runs.latestCheckpoint(run.id)?.epoch ?? 0,
      augmentation: resolvedAugmentation(spec.augmentation, dataset.format),
      subset: { trainImages: spec.subset?.trainImages ?? null, testImages: spec.subset?.testImages ?? null },
    };
  }

  private onProgress(run: RunSummary, active: ActiveRun, job: TrainRunJob, progress: TrainProgress): void {
    if (progress.kind === 'epoch') {
      this.store.runs.recordEpoch(run.id, progress.record, progress.checkpointPath);
      this.events.publish('onRunEpoch', { runId: run.id, record: progress.record });
      this.publishStatus(run.id);
      return;
    }
    const now = performance.now();
    // The UI needs no more than a few updates a second; the last batch of an epoch always goes out.
    if (
      progress.kind === 'batch' &&
      now - active.lastProgressEvent < 200 &&
      progress.batch !== progress.batches
    )
      return;
    active.lastProgressEvent = now;
    if (progress.kind === 'preparing') {
      this.events.publish('onRunProgress', {
        runId: run.id,
        phase: 'preparing',
        message: progress.message,
        epoch: 0,
        epochs: job.epochs,
        batch: 0,
        batches: 0,
        loss: null,
        imagesPerSecond: null,
        etaSeconds: null,
      });
      return;
    }
    active.imagesPerSecond =
      active.imagesPerSecond === null
        ? progress.imagesPerSecond
        : 0.8 * active.imagesPerSecond + 0.2 * progress.imagesPerSecond;
    const remainingBatches =
      (job.epochs - progress.epoch) * progress.batches + (progress.batches - progress.batch);
    const etaSeconds = (remainingBatches * job.batchSize) / Math.max(active.imagesPerSecond, 1e-6);
    this.events.publish('onRunProgress', {
      runId: run.id,
      phase: 'training',
      message: null,
      epoch: progress.epoch,
      epochs: job.epochs,
      batch: progress.batch,
      batches: progress.batches,
      loss: progress.loss,
      imagesPerSecond: active.imagesPerSecond,
      etaSeconds,
    });
  }

  private async execute(run: RunSummary): Promise<void> {
    const active = this.active;
    if (active === null) return;
    let job: TrainRunJob;
    try {
      job = this.buildJob(run);
    } catch (error) {
      this.settle(run, 'failed', describeRunFailure(error, this.homeDirectory));
      return;
    }
    const progressFailure: { error: Error | null } = { error: null };
    try {
      const result = await this.supervisor.run(job, (raw) => {
        const parsed = trainProgressSchema.safeParse(raw);
        if (!parsed.success || progressFailure.error !== null) return;
        try {
          this.onProgress(run, active, job, parsed.data);
        } catch (error) {
          progressFailure.error = error instanceof Error ? error : new Error(String(error));
          this.supervisor.stopAll();
        }
      });
      if (progressFailure.error !== null) throw progressFailure.error;
      if (result.status === 'completed') {
        if (result.modelDirectory !== null) this.recordModel(run, job, result.modelDirectory);
        this.settle(run, 'done', null, result.backend);
      } else {
        this.settle(run, active.stopAs ?? 'paused', null, result.backend);
      }
    } catch (error) {
      if (error instanceof WorkerCrashedError) {
        this.settle(
          run,
          'interrupted',
          `${error.reason} Resume the run to continue from its last checkpoint.`,
        );
      } else {
        this.settle(
          run,
          active.stopAs === 'cancelled' ? 'cancelled' : 'failed',
          describeRunFailure(error, this.homeDirectory),
        );
        // The next run would meet the same full disk: stop here, with the reason, until someone resumes.
        if (isDiskFull(error)) this.haltOn(error);
      }
    }
  }

  /**
   * Records how a run ended. When even that write fails (the disk is full), the queue halts: the run stays
   * `running` in the store, and whoever claims the home next marks it interrupted, ready to resume.
   */
  private settle(
    run: RunSummary,
    status: RunStatus,
    error: string | null,
    backend: string | null = null,
  ): void {
    try {
      this.setStatus(run, status, error, backend);
    } catch (writeError) {
      this.haltOn(writeError);
    }
  }
}
