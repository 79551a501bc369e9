// A fixed-bucket latency histogram: one small Uint32Array per minute instead of every sample, so a minute
// costs the same memory at 1 request or 10 000, and minutes add up by adding counts. Bucket bounds grow
// about 1.5× each (1 ms … 10 min), so a quantile read from them is within about a quarter of the true
// value, which is plenty for a chart; the request log keeps the exact latencies.

/** Upper bounds in milliseconds; a last, open bucket holds everything above the largest. */
export const LATENCY_BOUNDS_MS: readonly number[] = [
  1, 2, 3, 5, 7.5, 10, 15, 20, 30, 50, 75, 100, 150, 200, 300, 500, 750, 1000, 1500, 2000, 3000, 5000, 7500, 10_000, 15_000,
  20_000, 30_000, 45_000, 60_000, 90_000, 120_000, 180_000, 300_000, 600_000,
];

export const LATENCY_BUCKETS = LATENCY_BOUNDS_MS.length + 1;

const BOUNDS = Float64Array.from(LATENCY_BOUNDS_MS);

/** The bucket `ms` falls in: the first whose upper bound is >= ms (binary search, ~6 comparisons). */
export function latencyBucket(ms: number): number {
  let low = 0;
  let high = BOUNDS.length;
  while (low < high) {
    const mid = (low + high) >>> 1;
    if (BOUNDS[mid]! < ms) low = mid + 1;
    else high = mid;
  }
  return low;
}

/**
 * The `q` quantile (0 < q < 1) of the samples counted in `counts`, interpolated linearly inside its bucket;
 * null when there are none. A quantile in the open last bucket is reported as its lower bound.
 */
export function latencyQuantile(counts: ArrayLike<number>, q: number): number | null {
  let total = 0;
  for (let i = 0; i < counts.length; i++) total += counts[i]!;
  if (total === 0) return null;
  const rank = q * total;
  let seen = 0;
  for (let i = 0; i < counts.length; i++) {
    const count = counts[i]!;
    if (count === 0 || seen + count < rank) {
      seen += count;
      continue;
    }
    const lower = i === 0 ? 0 : BOUNDS[i - 1]!;
    if (i >= BOUNDS.length) return lower;
    const upper = BOUNDS[i]!;
    return lower + ((upper - lower) * Math.max(0, rank - seen)) / count;
  }
  return BOUNDS[BOUNDS.length - 1]!;
}
