import type Database from 'better-sqlite3';

/**
 * Appends to the event log: what happened to runs and other things, in order. Nothing reads it yet; the view
 * of a run's history will add the query it needs.
 */
export class EventLogRepository {
  private readonly appendStatement: Database.Statement;

  constructor(connection: Database.Database) {
    this.appendStatement = connection.prepare(
      `INSERT INTO event_log (at, kind, subject_id, message) VALUES (@at, @kind, @subjectId, @message)`,
    );
  }

  /** Appends one event. */
  append(kind: string, subjectId: string | null, message: string): void {
    this.appendStatement.run({ at: new Date().toISOString(), kind, subjectId, message });
  }
}
