/** How RTK keeps representative teacher keys for one student query (method.md §2, RTK step 2). */
export type SelectionRule =
  | { readonly rule: 'topk'; readonly k: number }
  | { readonly rule: 'threshold'; readonly tau: number }
  | { readonly rule: 'perStage'; readonly teacherStages: readonly number[] };

function keepTopK(row: Float32Array, k: number, keep: Uint8Array): void {
  const order = Array.from(row.keys()).sort(
    (left, right) => (row[right] ?? 0) - (row[left] ?? 0) || left - right,
  );
  for (const index of order.slice(0, k)) keep[index] = 1;
}

function keepAboveThreshold(row: Float32Array, tau: number, keep: Uint8Array): void {
  let maximum = -Infinity;
  let best = 0;
  row.forEach((value, index) => {
    if (value > maximum) {
      maximum = value;
      best = index;
    }
  });
  let total = 0;
  for (const value of row) total += Math.exp(value - maximum);
  row.forEach((value, index) => {
    if (Math.exp(value - maximum) / total >= tau) keep[index] = 1;
  });
  keep[best] = 1;
}

function keepBestPerStage(row: Float32Array, teacherStages: readonly number[], keep: Uint8Array): void {
  const best = new Map<number, number>();
  row.forEach((value, index) => {
    const stage = teacherStages[index] ?? 0;
    const current = best.get(stage);
    if (current === undefined || value > (row[current] ?? -Infinity)) best.set(stage, index);
  });
  for (const index of best.values()) keep[index] = 1;
}

/**
 * Picks the kept teacher keys of every (sample, student query) row of logits laid out (rows, teacherTaps);
 * returns a 0/1 mask of the same layout.
 */
export function selectRepresentativeKeys(
  logits: Float32Array,
  teacherTaps: number,
  selection: SelectionRule,
): Uint8Array {
  const mask = new Uint8Array(logits.length);
  for (let start = 0; start < logits.length; start += teacherTaps) {
    const row = logits.subarray(start, start + teacherTaps);
    const keep = mask.subarray(start, start + teacherTaps);
    if (selection.rule === 'topk') keepTopK(row, selection.k, keep);
    else if (selection.rule === 'threshold') keepAboveThreshold(row, selection.tau, keep);
    else keepBestPerStage(row, selection.teacherStages, keep);
  }
  return mask;
}
