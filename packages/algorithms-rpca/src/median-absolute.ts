/** The k-th smallest entry (0-based) by quickselect. */
export function nthSmallest(values: Float64Array, k: number): number {
  // Quickselect (Hoare partition, median-of-three pivot); reorders `values`.
  let lo = 0;
  let hi = values.length - 1;
  while (hi > lo) {
    const mid = (lo + hi) >> 1;
    const a = values[lo]!;
    const b = values[mid]!;
    const c = values[hi]!;
    const pivot = Math.max(Math.min(a, b), Math.min(Math.max(a, b), c)); // median of three
    let i = lo;
    let j = hi;
    while (i <= j) {
      while (values[i]! < pivot) i++;
      while (values[j]! > pivot) j--;
      if (i <= j) {
        const t = values[i]!;
        values[i] = values[j]!;
        values[j] = t;
        i++;
        j--;
      }
    }
    if (k <= j) hi = j;
    else if (k >= i) lo = i;
    else return values[k]!;
  }
  return values[k]!;
}

/** Median of |values| (copies into `scratch`). */
export function medianAbsolute(
  values: ArrayLike<number>,
  scratch: Float64Array = new Float64Array(values.length),
): number {
  const n = values.length;
  if (n === 0) return 0;
  const work = scratch.length === n ? scratch : scratch.subarray(0, n);
  for (let i = 0; i < n; i++) work[i] = Math.abs(values[i]!);
  return medianInPlace(work);
}

/** Median of `work` (reorders it): for callers that already hold a copy of the values. */
export function medianInPlace(work: Float64Array): number {
  const n = work.length;
  if (n === 0) return 0;
  const upper = nthSmallest(work, n >> 1);
  if (n % 2) return upper;
  let lower = -Infinity;
  for (let i = 0; i < n >> 1; i++) if (work[i]! > lower) lower = work[i]!;
  return (lower + upper) / 2;
}
