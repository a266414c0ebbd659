import type { DeletionEntry, DeletionPlan } from '../../src-shared/contracts/deletion-types.js';
import { newNameSchema } from '../../src-shared/contracts/deletion-types.js';

/** The order in which the confirmation lists what goes with a thing. */
const listedKinds: readonly DeletionEntry['kind'][] = [
  'dataset',
  'teacher',
  'experiment',
  'run',
  'export',
  'model',
];

/** What goes besides the target, grouped by kind in a fixed order; model records are counted, not named. */
export function groupedEntries(
  plan: Pick<DeletionPlan, 'entries'>,
): { readonly kind: DeletionEntry['kind']; readonly names: readonly string[] }[] {
  const others = plan.entries.slice(1);
  return listedKinds.flatMap((kind) => {
    const names = others.filter((entry) => entry.kind === kind).map((entry) => entry.name);
    return names.length === 0 ? [] : [{ kind, names }];
  });
}

/** Bytes the folders that are removed hold together. */
export function removedBytes(plan: Pick<DeletionPlan, 'folders'>): number {
  return plan.folders
    .filter((folder) => folder.action === 'remove')
    .reduce((total, folder) => total + folder.bytes, 0);
}

/** The problem with a new name as typed (the contract's rule: trimmed, 1 to 200 characters), or null. */
export function newNameProblem(typed: string): string | null {
  const checked = newNameSchema.safeParse(typed);
  return checked.success ? null : (checked.error.issues[0]?.message ?? 'this name cannot be used');
}
