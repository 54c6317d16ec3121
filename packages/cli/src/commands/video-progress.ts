import type { VideoTaskStatus } from '@dhuman/protocol';

/**
 * The progress of a video task on stderr: on a terminal one line redrawn in place (bar, percent, status,
 * queue position, elapsed time); otherwise (a log, a pipe) a plain line when the status changes and every few
 * seconds, since a redrawn line would fill a log with carriage returns.
 */

export interface ProgressView {
  status: VideoTaskStatus;
  /** 0..100; -1 once failed. */
  progress: number;
  /** Tasks ahead in the queue while COMMIT. */
  queueAhead: number;
  elapsedMs: number;
}

export interface ProgressOutput {
  write(text: string): unknown;
  isTTY?: boolean;
  columns?: number;
}

/** How often a plain line repeats an unchanged status: often enough to show the command is alive. */
const PLAIN_EVERY_MS = 5_000;
const BAR_MIN = 10;
const BAR_MAX = 40;
const DEFAULT_COLUMNS = 80;
/** Erases from the cursor to the end of the line (a shorter line must not leave the old one's tail). */
const CLEAR_TO_END = '\x1b[K';

export function formatElapsed(ms: number): string {
  const seconds = Math.max(0, Math.floor(ms / 1000));
  return `${Math.floor(seconds / 60)}:${String(seconds % 60).padStart(2, '0')}`;
}

function clampPercent(progress: number): number {
  return Math.min(100, Math.max(0, Math.round(progress)));
}

/** What follows the bar: `42 %  MAKING  0:12`, with the queue position while waiting. */
function details(view: ProgressView): string {
  const percent = view.status === 'FAIL' ? '  - %' : `${String(clampPercent(view.progress)).padStart(3)} %`;
  const queue = view.status === 'COMMIT' ? `  queued, ${view.queueAhead} ahead` : '';
  return `${percent}  ${view.status}${queue}  ${formatElapsed(view.elapsedMs)}`;
}

/** The terminal line: a bar sized to what is left of `columns` (10..40 cells), then the details. */
export function barLine(view: ProgressView, columns?: number): string {
  const text = details(view);
  // A pseudo-terminal may report 0 columns when it does not know its size.
  const room = (columns && columns > 0 ? columns : DEFAULT_COLUMNS) - text.length - 4;
  const width = Math.max(BAR_MIN, Math.min(BAR_MAX, room));
  const filled = Math.round((width * clampPercent(view.progress)) / 100);
  return `[${'█'.repeat(filled)}${'░'.repeat(width - filled)}] ${text}`;
}

/** The line for a log: `task <id>: MAKING 42 % (0:12)`. */
export function plainLine(taskId: string, view: ProgressView): string {
  const state =
    view.status === 'COMMIT'
      ? `COMMIT, ${view.queueAhead} ahead in the queue`
      : view.status === 'FAIL'
        ? 'FAIL'
        : `${view.status} ${clampPercent(view.progress)} %`;
  return `task ${taskId}: ${state} (${formatElapsed(view.elapsedMs)})`;
}

export class ProgressDisplay {
  readonly #out: ProgressOutput;
  readonly #taskId: string;
  readonly #tty: boolean;
  #drawn = false;
  #lastStatus: VideoTaskStatus | undefined;
  #lastPlainMs = Number.NEGATIVE_INFINITY;

  constructor(out: ProgressOutput, taskId: string) {
    this.#out = out;
    this.#taskId = taskId;
    this.#tty = out.isTTY === true;
  }

  update(view: ProgressView): void {
    if (this.#tty) {
      this.#out.write(`\r${barLine(view, this.#out.columns)}${CLEAR_TO_END}`);
      this.#drawn = true;
    } else if (view.status !== this.#lastStatus || view.elapsedMs - this.#lastPlainMs >= PLAIN_EVERY_MS) {
      this.#out.write(`${plainLine(this.#taskId, view)}\n`);
      this.#lastPlainMs = view.elapsedMs;
    }
    this.#lastStatus = view.status;
  }

  /** Ends the redrawn line, so what is printed next starts on a line of its own. Safe to call twice. */
  end(): void {
    if (this.#drawn) this.#out.write('\n');
    this.#drawn = false;
  }
}
