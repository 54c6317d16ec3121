/** What every benchmark module exports; `run.ts` keeps a registry of them by name. */
export interface Benchmark {
  name: string;
  description: string;
  run(options: BenchOptions): Promise<BenchResult>;
}

export interface BenchOptions {
  /** Measured seconds per load phase (warm-up comes on top). */
  durationSec: number;
  /** Progress for humans; goes to stderr so stdout stays table + JSON. */
  progress: (message: string) => void;
  /** `--runs`: repetitions of each measurement, for benches that repeat one (undefined: the bench's default). */
  runs?: number | undefined;
  /** `--tasks`: jobs submitted at once, for benches that submit a batch (undefined: the bench's default). */
  tasks?: number | undefined;
}

export interface BenchTable {
  columns: readonly string[];
  rows: ReadonlyArray<ReadonlyArray<string | number>>;
}

export interface BenchResult {
  /** Printed for humans, one aligned table per benchmark. */
  table: BenchTable;
  /** Lines printed under the table (aim checks, error breakdowns). */
  notes: string[];
  /** Machine-readable results, printed with `--json`; plain JSON values only. */
  figures: Record<string, unknown>;
}
