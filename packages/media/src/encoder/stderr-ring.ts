/**
 * Keeps the last lines ffmpeg wrote to stderr, so errors can quote them, while stderr is always drained (a full
 * pipe would block ffmpeg). Bounded in lines and in line length, including an unterminated last line.
 */
export class StderrRing {
  private readonly lines: string[] = [];
  private partial = '';

  constructor(
    private readonly maxLines = 20,
    private readonly maxLineLength = 500,
  ) {}

  push(chunk: string): void {
    const parts = (this.partial + chunk).split(/\r?\n|\r/);
    this.partial = (parts.pop() ?? '').slice(0, this.maxLineLength);
    for (const line of parts) {
      if (line.trim() !== '') this.add(line);
    }
  }

  /** The kept lines, oldest first, with any unterminated last line. */
  snapshot(): string[] {
    const tail = this.partial.trim() === '' ? [] : [this.partial];
    return [...this.lines, ...tail].slice(-this.maxLines);
  }

  private add(line: string): void {
    this.lines.push(line.slice(0, this.maxLineLength));
    if (this.lines.length > this.maxLines) this.lines.shift();
  }
}
