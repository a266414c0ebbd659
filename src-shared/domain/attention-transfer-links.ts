/** A feature tap as AT's links read it: where it sits and the shape of one sample's map (H, W, C). */
export interface LinkableTap {
  readonly index: number;
  readonly stage: number;
  readonly shape: readonly [height: number, width: number, channels: number];
}

/** One AT link: the last student tap of a stage imitates the last teacher tap of the stage of equal resolution. */
export interface AttentionTransferLink {
  readonly teacher: number;
  readonly student: number;
  readonly teacherStage: number;
  readonly studentStage: number;
  readonly height: number;
  readonly width: number;
}

function stageEnds(taps: readonly LinkableTap[]): LinkableTap[] {
  const last = new Map<number, LinkableTap>();
  for (const tap of taps) last.set(tap.stage, tap);
  return [...last.entries()].sort(([left], [right]) => left - right).map(([, tap]) => tap);
}

/**
 * AT's links for a teacher and a student (method.md §2, [ours] for pairs of other shapes): the last tap of
 * each student stage is linked to the last tap of the teacher stage with the same spatial resolution;
 * a stage with no such partner gets no link. For the catalog's ResNets and WRNs, whose three stages share
 * resolutions, these are the reference's stage-by-stage links; for a heterogeneous pair (WRN-40-2 →
 * ShuffleNetV2, ResNet-32x4 → MobileNetV2) only the resolutions both networks have are linked. An empty
 * list means AT cannot distil the pair.
 */
export function attentionTransferLinks(
  teacherTaps: readonly LinkableTap[],
  studentTaps: readonly LinkableTap[],
): AttentionTransferLink[] {
  const teacherEnds = stageEnds(teacherTaps);
  return stageEnds(studentTaps).flatMap((student) => {
    const [height, width] = student.shape;
    const teacher = teacherEnds.find((tap) => tap.shape[0] === height && tap.shape[1] === width);
    if (teacher === undefined) return [];
    return [
      {
        teacher: teacher.index,
        student: student.index,
        teacherStage: teacher.stage,
        studentStage: student.stage,
        height,
        width,
      },
    ];
  });
}

/** The spatial resolutions of a network's stages, e.g. `32x32, 16x16, 8x8`, for messages. */
export function stageResolutions(taps: readonly LinkableTap[]): string {
  return stageEnds(taps)
    .map((tap) => `${tap.shape[0]}x${tap.shape[1]}`)
    .join(', ');
}
