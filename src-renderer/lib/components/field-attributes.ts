/** The attributes that tie a field's control to its label, hint and error; spread them on the control. */
export interface FieldControlAttributes {
  readonly id: string;
  readonly 'aria-invalid': boolean | undefined;
  readonly 'aria-describedby': string | undefined;
}

/** What a field shows besides its control. */
export interface FieldParts {
  /** Whether the field shows a hint, as `{id}-hint`. */
  readonly hasHint: boolean;
  /** Undefined for a field that is never checked; null while a checked field is fine. */
  readonly error: string | null | undefined;
  /** Ids of hints outside the field that describe it too, e.g. one hint shared by a row of fields. */
  readonly describedBy: string | undefined;
}

/**
 * The control's id, `aria-invalid` (only on fields that are checked) and `aria-describedby`: the outside hints,
 * then the field's hint, then its error (`{id}-error`) while there is one, so a screen reader reads them all.
 */
export function fieldControlAttributes(id: string, parts: FieldParts): FieldControlAttributes {
  const problem = parts.error ?? null;
  const described = [
    parts.describedBy,
    parts.hasHint ? `${id}-hint` : undefined,
    problem === null ? undefined : `${id}-error`,
  ].filter((entry) => entry !== undefined);
  return {
    id,
    'aria-invalid': parts.error === undefined ? undefined : problem !== null,
    'aria-describedby': described.length === 0 ? undefined : described.join(' '),
  };
}
