import { strings } from '../../lib/strings.js';

/** A network as the size check sees it; `parameterCount` is null when it is not known (an imported graph). */
export interface NetworkSize {
  readonly label: string;
  readonly parameterCount: number | null;
}

/** The compression below which the catalog table no longer calls the student "smaller" (its ratio column). */
const smallerFrom = 1.05;

/** A parameter count as the wizard shows it: thousands below a million, millions from there. */
export function formatParameters(count: number): string {
  return count >= 1e6 ? `${(count / 1e6).toFixed(2)} M` : `${(count / 1e3).toFixed(1)} k`;
}

/**
 * The warning the wizard shows when the student is not smaller than the teacher, naming both networks and
 * their parameters; null when the student is smaller, or when either size is unknown (nothing to compare).
 */
export function studentSizeWarning(teacher: NetworkSize | null, student: NetworkSize | null): string | null {
  const teacherParameters = teacher?.parameterCount ?? null;
  const studentParameters = student?.parameterCount ?? null;
  if (teacher === null || student === null || teacherParameters === null || studentParameters === null)
    return null;
  if (studentParameters <= 0) return null;
  const teacherOverStudent = teacherParameters / studentParameters;
  if (teacherOverStudent >= smallerFrom) return null;
  const text = strings.newExperiment;
  const studentNamed = { name: student.label, parameters: formatParameters(studentParameters) };
  const teacherNamed = { name: teacher.label, parameters: formatParameters(teacherParameters) };
  return teacherOverStudent <= 1 / smallerFrom
    ? text.studentLarger(studentNamed, teacherNamed, studentParameters / teacherParameters)
    : text.studentAsLarge(studentNamed, teacherNamed);
}
