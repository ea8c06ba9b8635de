// Statistics the specification asks for: nearest-rank percentiles of iteration times, the median
// for the score.

export const PERCENTILES = [10, 25, 50, 75, 90, 95, 98, 99] as const;

/**
 * The specification's nearest-rank percentile: sort ascending, i = int(N * p / 100) - 1 (clamped to
 * 0, so a handful of iterations still has every percentile).
 */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const i = Math.max(0, Math.floor((sorted.length * p) / 100) - 1);
  return sorted[Math.min(i, sorted.length - 1)]!;
}

/** The middle value (mean of the two middle values for an even count). */
export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** Half the range, relative to the median: 0.04 means the iterations lay within about ±4%. */
export function spread(values: readonly number[]): number {
  if (values.length < 2) return 0;
  return (Math.max(...values) - Math.min(...values)) / 2 / median(values);
}
