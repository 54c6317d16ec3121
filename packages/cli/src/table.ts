/** Prints rows as an aligned text table, or "(none)". */
export function printTable(
  rows: Array<Record<string, string>>,
  out: NodeJS.WritableStream = process.stdout,
): void {
  const first = rows[0];
  if (!first) {
    out.write('(none)\n');
    return;
  }
  const columns = Object.keys(first);
  const widths = columns.map((c) => Math.max(c.length, ...rows.map((r) => (r[c] ?? '').length)));
  const line = (cells: string[]) =>
    cells
      .map((cell, i) => cell.padEnd(widths[i] ?? 0))
      .join('  ')
      .trimEnd();
  out.write(`${line(columns)}\n`);
  for (const row of rows) out.write(`${line(columns.map((c) => row[c] ?? ''))}\n`);
}
