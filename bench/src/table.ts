import type { BenchTable } from './types.js';

const NUMBER = /^-?\d[\d,]*(\.\d+)?$/;

/**
 * Renders a table with every column padded to its widest cell; columns whose cells are all numbers are
 * right-aligned (header included) so digits line up. Plain text rather than box drawing, so it pastes into
 * Markdown code blocks and logs unchanged.
 */
export function formatTable(table: BenchTable): string {
  const cells = [table.columns, ...table.rows].map((row) => row.map((cell) => String(cell)));
  const [header = [], ...body] = cells;
  const widths = header.map((_, i) => Math.max(...cells.map((row) => row[i]?.length ?? 0)));
  const rightAligned = header.map(
    (_, i) => body.length > 0 && body.every((row) => NUMBER.test(row[i] ?? '')),
  );
  const line = (row: readonly string[]) =>
    row
      .map((cell, i) => (rightAligned[i] ? cell.padStart(widths[i] ?? 0) : cell.padEnd(widths[i] ?? 0)))
      .join('  ')
      .trimEnd();
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...body.map(line)].join('\n');
}
