import { ERRORS, IvhError } from '@dhuman/protocol';

/** 1-based line and column of a UTF-16 offset; `\r\n`, `\n` and a lone `\r` each end a line. */
export function lineColumn(input: string, offset: number): { line: number; column: number } {
  let line = 1;
  let lineStart = 0;
  for (let i = 0; i < offset && i < input.length; i++) {
    const c = input[i];
    if (c === '\n' || (c === '\r' && input[i + 1] !== '\n')) {
      line++;
      lineStart = i + 1;
    }
  }
  return { line, column: offset - lineStart + 1 };
}

/**
 * The error every SSML problem becomes. Clients only see the message, so it names both the problem and where it
 * is: line and column for a person reading their markup, the raw offset for a program.
 */
export function ssmlError(input: string, offset: number, problem: string): IvhError {
  const { line, column } = lineColumn(input, offset);
  return new IvhError(
    ERRORS.INVALID_PARAMETER,
    `SSML ${problem} at line ${line}, column ${column} (offset ${offset})`,
  );
}

/** "line L, column C" of an offset, for messages that point at a second place (where a tag was opened). */
export function describePosition(input: string, offset: number): string {
  const { line, column } = lineColumn(input, offset);
  return `line ${line}, column ${column}`;
}
