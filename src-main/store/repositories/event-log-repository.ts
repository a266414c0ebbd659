import type Database from 'better-sqlite3';

/** One line of the workbench's event log. */
export interface LoggedEvent {
  readonly id: number;
  readonly at: string;
  readonly kind: string;
  readonly subjectId: string | null;
  readonly message: string;
}

/** Appends to and reads the event log: what happened to runs and other things, in order. */
export class EventLogRepository {
  private readonly appendStatement: Database.Statement;
  private readonly ofSubjectStatement: Database.Statement<
    [string],
    { id: number; at: string; kind: string; subject_id: string | null; message: string }
  >;

  constructor(connection: Database.Database) {
    this.appendStatement = connection.prepare(
      `INSERT INTO event_log (at, kind, subject_id, message) VALUES (@at, @kind, @subjectId, @message)`,
    );
    this.ofSubjectStatement = connection.prepare(
      `SELECT id, at, kind, subject_id, message FROM event_log WHERE subject_id = ? ORDER BY id`,
    );
  }

  /** Appends one event. */
  append(kind: string, subjectId: string | null, message: string): void {
    this.appendStatement.run({ at: new Date().toISOString(), kind, subjectId, message });
  }

  /** The events about one subject (a run, say), oldest first. */
  ofSubject(subjectId: string): LoggedEvent[] {
    return this.ofSubjectStatement.all(subjectId).map((row) => ({
      id: row.id,
      at: row.at,
      kind: row.kind,
      subjectId: row.subject_id,
      message: row.message,
    }));
  }
}
