/** Latency figures for one set of samples, in milliseconds. */
export interface LatencySummary {
  count: number;
  min: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
  mean: number;
}

/** Nearest-rank percentiles: p99 of 1,000 samples is the 990th smallest, never an interpolation. */
export function summarize(samples: number[]): LatencySummary {
  if (samples.length === 0) {
    return { count: 0, min: NaN, p50: NaN, p90: NaN, p99: NaN, max: NaN, mean: NaN };
  }
  const sorted = [...samples].sort((a, b) => a - b);
  const rank = (p: number) =>
    sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
  const sum = sorted.reduce((total, value) => total + value, 0);
  return {
    count: sorted.length,
    min: round(sorted[0]),
    p50: round(rank(50)),
    p90: round(rank(90)),
    p99: round(rank(99)),
    max: round(sorted[sorted.length - 1]),
    mean: round(sum / sorted.length),
  };
}

export function round(value: number, digits = 3): number {
  const scale = 10 ** digits;
  return Math.round(value * scale) / scale;
}

/** "1.23 ms", with more digits for sub-0.1 ms figures so the Redis floor stays readable. */
export function formatMs(value: number | null | undefined): string {
  if (value === null || value === undefined || Number.isNaN(value)) {
    return 'n/a';
  }
  return `${value < 0.1 ? value.toFixed(3) : value.toFixed(2)} ms`;
}

/** "904,505 B (883.3 KB)": exact bytes, and KB or MB (of 1,024) to read at a glance. */
export function formatBytes(bytes: number): string {
  const scaled = bytes >= 1048576 ? `${(bytes / 1048576).toFixed(2)} MB` : `${(bytes / 1024).toFixed(1)} KB`;
  return `${bytes.toLocaleString('en-US')} B (${scaled})`;
}

export function formatLatency(summary: LatencySummary): string {
  return `p50 ${formatMs(summary.p50)}  p99 ${formatMs(summary.p99)}`;
}

/** Counts a failed operation in `result` and keeps the first few messages as samples. */
export function recordError(result: { errors: number; errorSamples: string[] }, error: unknown): void {
  result.errors++;
  if (result.errorSamples.length < 5) {
    result.errorSamples.push((error as Error).message);
  }
}
