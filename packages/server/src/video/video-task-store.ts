import type Database from 'better-sqlite3';
import type { VideoTaskStatus } from '@dhuman/protocol';
import {
  videoTaskResultSchema,
  videoTaskSpecSchema,
  type VideoTaskRecord,
  type VideoTaskResult,
  type VideoTaskSpec,
} from './video-task.js';

interface VideoTaskRow {
  seq: number;
  task_id: string;
  appkey: string;
  spec: string;
  callback_url: string | null;
  status: string;
  progress: number;
  result: string | null;
  fail_code: number;
  fail_message: string;
  attempts: number;
  created_at: number;
  started_at: number | null;
  finished_at: number | null;
  expires_at: number | null;
}

function toRecord(row: VideoTaskRow): VideoTaskRecord {
  return {
    taskId: row.task_id,
    appkey: row.appkey,
    seq: row.seq,
    spec: videoTaskSpecSchema.parse(JSON.parse(row.spec)),
    callbackUrl: row.callback_url,
    status: row.status as VideoTaskStatus,
    progress: row.progress,
    result: row.result === null ? null : videoTaskResultSchema.parse(JSON.parse(row.result)),
    failCode: row.fail_code,
    failMessage: row.fail_message,
    attempts: row.attempts,
    createdAt: row.created_at,
    startedAt: row.started_at,
    finishedAt: row.finished_at,
    expiresAt: row.expires_at,
  };
}

export interface NewVideoTask {
  taskId: string;
  appkey: string;
  spec: VideoTaskSpec;
  callbackUrl: string | null;
  createdAt: number;
}

const UNFINISHED = `status IN ('COMMIT', 'MAKING')`;

/** Video tasks in the server's SQLite file (table `video_tasks`, migration 6). Every read by id names the appkey. */
export class SqliteVideoTaskStore {
  private readonly stmt;

  constructor(private readonly db: Database.Database) {
    this.stmt = {
      insert: db.prepare(
        `INSERT INTO video_tasks (task_id, appkey, spec, callback_url, status, created_at)
         VALUES (@taskId, @appkey, @spec, @callbackUrl, 'COMMIT', @createdAt)`,
      ),
      get: db.prepare<[string, string], VideoTaskRow>(
        'SELECT * FROM video_tasks WHERE task_id = ? AND appkey = ?',
      ),
      countUnfinished: db.prepare<[], { n: number }>(
        `SELECT count(*) AS n FROM video_tasks WHERE ${UNFINISHED}`,
      ),
      countUnfinishedOf: db.prepare<[string], { n: number }>(
        `SELECT count(*) AS n FROM video_tasks WHERE appkey = ? AND ${UNFINISHED}`,
      ),
      countAhead: db.prepare<[number], { n: number }>(
        `SELECT count(*) AS n FROM video_tasks WHERE status = 'COMMIT' AND seq < ?`,
      ),
      next: db.prepare<[], VideoTaskRow>(
        `SELECT * FROM video_tasks WHERE status = 'COMMIT' ORDER BY seq LIMIT 1`,
      ),
      claim: db.prepare(
        `UPDATE video_tasks SET status = 'MAKING', progress = 0, attempts = attempts + 1, started_at = ?
         WHERE task_id = ? AND status = 'COMMIT'`,
      ),
      progress: db.prepare(`UPDATE video_tasks SET progress = ? WHERE task_id = ? AND status = 'MAKING'`),
      succeed: db.prepare(
        `UPDATE video_tasks SET status = 'SUCCESS', progress = 100, result = ?, finished_at = ?, expires_at = ?
         WHERE task_id = ? AND status = 'MAKING'`,
      ),
      fail: db.prepare(
        `UPDATE video_tasks SET status = 'FAIL', progress = -1, fail_code = ?, fail_message = ?, finished_at = ?,
           expires_at = ?
         WHERE task_id = ? AND ${UNFINISHED}`,
      ),
      requeue: db.prepare(`UPDATE video_tasks SET status = 'COMMIT', progress = 0 WHERE status = 'MAKING'`),
      expired: db.prepare<[number], { task_id: string }>(
        'SELECT task_id FROM video_tasks WHERE expires_at IS NOT NULL AND expires_at <= ?',
      ),
      delete: db.prepare('DELETE FROM video_tasks WHERE task_id = ?'),
      allIds: db.prepare<[], { task_id: string }>('SELECT task_id FROM video_tasks'),
    };
  }

  insert(task: NewVideoTask): void {
    this.stmt.insert.run({ ...task, spec: JSON.stringify(task.spec) });
  }

  /** Undefined when the task does not exist or belongs to another appkey: the two are not told apart. */
  get(appkey: string, taskId: string): VideoTaskRecord | undefined {
    const row = this.stmt.get.get(taskId, appkey);
    return row && toRecord(row);
  }

  countUnfinished(appkey?: string): number {
    return (
      (appkey === undefined ? this.stmt.countUnfinished.get() : this.stmt.countUnfinishedOf.get(appkey))?.n ??
      0
    );
  }

  /** Queued tasks submitted before the task at `seq` (`ArrayCount`). */
  countAhead(seq: number): number {
    return this.stmt.countAhead.get(seq)?.n ?? 0;
  }

  /** Takes the oldest queued task and marks it MAKING, or undefined when none is queued. */
  claimNext(at: number): VideoTaskRecord | undefined {
    return this.db.transaction(() => {
      const row = this.stmt.next.get();
      if (!row) return undefined;
      this.stmt.claim.run(at, row.task_id);
      const claimed = this.stmt.get.get(row.task_id, row.appkey);
      return claimed && toRecord(claimed);
    })();
  }

  saveProgress(taskId: string, progress: number): void {
    this.stmt.progress.run(progress, taskId);
  }

  succeed(taskId: string, result: VideoTaskResult, at: number, expiresAt: number): boolean {
    return this.stmt.succeed.run(JSON.stringify(result), at, expiresAt, taskId).changes === 1;
  }

  fail(taskId: string, code: number, message: string, at: number, expiresAt: number): boolean {
    return this.stmt.fail.run(code, message, at, expiresAt, taskId).changes === 1;
  }

  /** Puts tasks a stopped process left MAKING back in the queue (in their original order); returns how many. */
  requeueInterrupted(): number {
    return this.stmt.requeue.run().changes;
  }

  listExpired(now: number): string[] {
    return this.stmt.expired.all(now).map((r) => r.task_id);
  }

  delete(taskId: string): void {
    this.stmt.delete.run(taskId);
  }

  /** Every task id, to tell files of known tasks from leftovers. */
  listIds(): Set<string> {
    return new Set(this.stmt.allIds.all().map((r) => r.task_id));
  }
}
