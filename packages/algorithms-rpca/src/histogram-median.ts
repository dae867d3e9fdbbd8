import { nthSmallest } from './median-absolute.js';

/** Index of a float64's high 32-bit word in a Uint32Array over it (1 on little-endian machines). */
const HIGH_WORD = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1 ? 1 : 0;
/** A bin is the top 16 bits of a float64: sign, exponent and 4 bits of mantissa (1/16 octave). */
const BIN_SHIFT = 16;

/**
 * The median of non-negative numbers by a histogram, the same number medianInPlace gives (so the
 * masks do not change), in two passes over the frame instead of quickselect's many:
 *
 *  1. a histogram of the numbers' top 16 bits (for non-negative floats the bit pattern orders as
 *     the value, so the bins are in value order, each 1/16 of an octave wide);
 *  2. the bin holding the median is found by a running count, its members gathered at the front
 *     of the array, and quickselect runs on them alone (a few percent of the frame).
 *
 * When the count is even and the lower middle number is the largest of an earlier bin, one more
 * pass finds it. Radix selection, as in Alabi et al., "Fast k-selection algorithms for
 * graphics processing units" (2012), with one level and quickselect under it.
 */
export class HistogramMedian {
  // Non-negative numbers have a 0 sign bit: 2^15 bins.
  private readonly histogram = new Int32Array(1 << (31 - BIN_SHIFT));

  /** The median of `work` (non-negative, no NaN); reorders it. */
  median(work: Float64Array): number {
    return this.medianOfAbsolute(work, work, -1)!;
  }

  /**
   * The median of |values| (NaN counted as 0), as medianAbsolute gives it, unless it is at most
   * `bound`: then undefined, found from the histogram alone (the median's bin lies wholly at or
   * below the bound) with no selection. `work` (values.length float64) receives |values| and is
   * reordered; `values` may be `work` itself.
   */
  medianOfAbsolute(values: ArrayLike<number>, work: Float64Array, bound: number): number | undefined {
    const n = values.length;
    if (n === 0) return bound >= 0 ? undefined : 0;
    const high = new Uint32Array(work.buffer, work.byteOffset, 2 * n);
    const histogram = this.histogram;
    histogram.fill(0);
    for (let p = 0; p < n; p++) {
      const a = Math.abs(values[p]!);
      work[p] = Number.isNaN(a) ? 0 : a; // the steps' magnitude of NaN is 0
      histogram[high[2 * p + HIGH_WORD]! >>> BIN_SHIFT]!++;
    }
    const k = n >> 1;
    let below = 0;
    let bin = 0;
    while (below + histogram[bin]! <= k) below += histogram[bin++]!;
    // Every number of the bin is below the first number of the next one.
    if (bound >= 0 && binStart(bin + 1) <= bound) return undefined;
    const rank = k - below;
    // With an even count the lower middle number is needed too; when the median is the smallest of
    // its bin, that is the largest number of the earlier bins: found before the front is overwritten.
    let lower = -Infinity;
    if (n % 2 === 0 && rank === 0) {
      for (let p = 0; p < n; p++) {
        const v = work[p]!;
        if (high[2 * p + HIGH_WORD]! >>> BIN_SHIFT < bin && v > lower) lower = v;
      }
    }
    // Gather the median's bin at the front (writes never pass the read position).
    let members = 0;
    for (let p = 0; p < n; p++) {
      if (high[2 * p + HIGH_WORD]! >>> BIN_SHIFT === bin) work[members++] = work[p]!;
    }
    const inBin = work.subarray(0, members);
    const upper = nthSmallest(inBin, rank);
    if (n % 2) return upper;
    for (let i = 0; i < rank; i++) if (inBin[i]! > lower) lower = inBin[i]!;
    return (lower + upper) / 2;
  }
}

/** The smallest float64 of a bin (its bits: the bin's 16, then zeros). */
function binStart(bin: number): number {
  BITS[HIGH_WORD] = bin << BIN_SHIFT;
  BITS[1 - HIGH_WORD] = 0;
  return NUMBER[0]!;
}
const NUMBER = new Float64Array(1);
const BITS = new Uint32Array(NUMBER.buffer);
