import { type DenseMatrix, InvalidInputError } from '@lowrank/core';
import type { ImageQuality } from './image-quality.js';
import { KERNEL_WINDOW, SsimStripsOnThreads } from './ssim-strips-threaded.js';

/**
 * PSNR, SSIM and relative error of an approximation that is produced a band of rows at a time, so
 * a big image's reconstruction is never held whole. SSIM is Wang et al.'s (11 x 11 Gaussian window,
 * sigma 1.5, K1 = 0.01, K2 = 0.03, 'valid' windows) computed as @lowrank/core's `ssim` computes it,
 * the same sums in the same order, over a ring of the last `window` horizontally filtered rows.
 */

/**
 * Rows first..first+count-1 of one channel (row-major). A source may write them into `into`
 * (count x cols, offered to save a copy) and return it, or return its own array.
 */
export type BandSource = (
  channel: number,
  first: number,
  count: number,
  into?: Float64Array,
) => Float32Array | Float64Array;

/** Where the sums run: 'auto' picks the threads for big images; the others are for tests. */
export type QualityEngine = 'auto' | 'javascript' | 'threads';

/** Pixels per channel from which the threaded kernel pays for its start (about 1 megapixel). */
const THREADS_MIN_PIXELS = 1 << 20;

/** Rows per band: enough to make each band's product efficient, few enough to stay small. */
export const QUALITY_BAND_ROWS = 64;

function gaussianWindow(size: number, sigma: number): Float64Array {
  const w = new Float64Array(size);
  const c = (size - 1) / 2;
  let total = 0;
  for (let i = 0; i < size; i++) {
    w[i] = Math.exp(-((i - c) ** 2) / (2 * sigma * sigma));
    total += w[i]!;
  }
  for (let i = 0; i < size; i++) w[i]! /= total;
  return w;
}

/** The window core's ssim uses for this size: 11, or the largest odd size that fits. */
function windowSize(rows: number, cols: number): number {
  const smallest = Math.min(rows, cols);
  return smallest >= 11 ? 11 : smallest % 2 === 1 ? smallest : smallest - 1;
}

/** Streams one channel: mean SSIM over valid windows, and the squared error and energy sums. */
class ChannelAccumulator {
  readonly #cols: number;
  readonly #w: Float64Array;
  readonly #outCols: number;
  /** Horizontally filtered x, y, x^2, y^2, xy of the last `size` rows (slot = row % size). */
  readonly #ring: Float64Array[][];
  /** The current row of x, y, x^2, y^2, xy in float64 (one array type for the filter loop). */
  readonly #x: Float64Array;
  readonly #y: Float64Array;
  readonly #xx: Float64Array;
  readonly #yy: Float64Array;
  readonly #xy: Float64Array;
  readonly #vertical: Float64Array[];
  #row = 0;
  ssimSum = 0;
  ssimCount = 0;
  squared = 0;
  energy = 0;

  constructor(rows: number, cols: number) {
    const size = windowSize(rows, cols);
    this.#cols = cols;
    this.#w = gaussianWindow(size, 1.5);
    this.#outCols = cols - size + 1;
    this.#ring = Array.from({ length: 5 }, () =>
      Array.from({ length: size }, () => new Float64Array(this.#outCols)),
    );
    this.#x = new Float64Array(cols);
    this.#y = new Float64Array(cols);
    this.#xx = new Float64Array(cols);
    this.#yy = new Float64Array(cols);
    this.#xy = new Float64Array(cols);
    this.#vertical = Array.from({ length: 5 }, () => new Float64Array(this.#outCols));
  }

  #filterRow(src: Float64Array, out: Float64Array): void {
    const w = this.#w;
    const s = w.length;
    const n = this.#outCols;
    if (s === 11) {
      filter11(w, src, out, n);
      return;
    }
    for (let j = 0; j < n; j++) {
      let acc = 0;
      for (let t = 0; t < s; t++) acc += w[t]! * src[j + t]!;
      out[j] = acc;
    }
  }

  /** One row of the original (x) and of the approximation (y). */
  push(x: ArrayLike<number>, xOffset: number, y: ArrayLike<number>, yOffset: number): void {
    const cols = this.#cols;
    const xs = this.#x;
    const ys = this.#y;
    const xx = this.#xx;
    const yy = this.#yy;
    const xy = this.#xy;
    let squared = 0;
    let energy = 0;
    for (let j = 0; j < cols; j++) {
      const a = x[xOffset + j]!;
      const v = y[yOffset + j]!;
      // biome-ignore lint/complexity/useMathMinMax: NaN must fail both tests and map to 0
      const b = v > 0 ? (v < 1 ? v : 1) : 0;
      xs[j] = a;
      ys[j] = b;
      xx[j] = a * a;
      yy[j] = b * b;
      xy[j] = a * b;
      const d = a - b;
      squared += d * d;
      energy += a * a;
    }
    this.squared += squared;
    this.energy += energy;
    const size = this.#w.length;
    const slot = this.#row % size;
    const ring = this.#ring;
    this.#filterRow(xs, ring[0]![slot]!);
    this.#filterRow(ys, ring[1]![slot]!);
    this.#filterRow(xx, ring[2]![slot]!);
    this.#filterRow(yy, ring[3]![slot]!);
    this.#filterRow(xy, ring[4]![slot]!);
    this.#row++;
    if (this.#row >= size) this.#emit(this.#row - size);
  }

  /** The SSIM map's row `first` (its window covers rows first..first+size-1). */
  #emit(first: number): void {
    const w = this.#w;
    const size = w.length;
    const n = this.#outCols;
    if (size === 11) {
      const rows = this.#ring.map((ring) => Array.from({ length: 11 }, (_, t) => ring[(first + t) % 11]!));
      this.ssimSum += ssimRow11(w, rows, this.#vertical, n);
      this.ssimCount += n;
      return;
    }
    for (let q = 0; q < 5; q++) {
      const out = this.#vertical[q]!.fill(0);
      const rows = this.#ring[q]!;
      for (let t = 0; t < size; t++) {
        const wt = w[t]!;
        const src = rows[(first + t) % size]!;
        for (let j = 0; j < n; j++) out[j]! += wt * src[j]!;
      }
    }
    const [muX, muY, eXX, eYY, eXY] = this.#vertical as [
      Float64Array,
      Float64Array,
      Float64Array,
      Float64Array,
      Float64Array,
    ];
    const c1 = 0.01 ** 2;
    const c2 = 0.03 ** 2;
    let total = 0;
    for (let j = 0; j < n; j++) {
      const mx = muX[j]!;
      const my = muY[j]!;
      const sxx = eXX[j]! - mx * mx;
      const syy = eYY[j]! - my * my;
      const sxy = eXY[j]! - mx * my;
      total += ((2 * mx * my + c1) * (2 * sxy + c2)) / ((mx * mx + my * my + c1) * (sxx + syy + c2));
    }
    this.ssimSum += total;
    this.ssimCount += n;
  }
}

/**
 * Quality of an approximation of `original` (one height x width plane per channel, values in
 * [0, 1]) read from `bands`, a band of rows at a time, its values clamped to [0, 1] (NaN to 0) as
 * they are read, as an image shows them: the same numbers as imageQuality on the whole clamped
 * reconstruction (PSNR pooled over channels, SSIM the mean of the channels' SSIM). From a megapixel
 * on ('auto'), the SSIM windows are summed in float32 on the threads (ssim-strips-threaded.ts):
 * the mean SSIM then differs from imageQuality's by under 1e-6.
 */
export function streamingImageQuality(
  original: readonly DenseMatrix[],
  bands: BandSource,
  bandRows = QUALITY_BAND_ROWS,
  engine: QualityEngine = 'auto',
): ImageQuality {
  if (original.length === 0) throw new InvalidInputError('streamingImageQuality: no channels.');
  const { rows, cols } = original[0]!;
  if (rows === 0 || cols === 0) throw new InvalidInputError('streamingImageQuality: the image is empty.');
  let squared = 0;
  let energy = 0;
  let ssimTotal = 0;
  const threaded =
    engine === 'threads' ||
    (engine === 'auto' && rows * cols >= THREADS_MIN_PIXELS && windowSize(rows, cols) === KERNEL_WINDOW);
  for (let c = 0; c < original.length; c++) {
    const x = original[c]!.data;
    const band = (first: number, count: number, into?: Float64Array) => {
      const values = bands(c, first, count, into);
      if (values.length < count * cols)
        throw new InvalidInputError(
          `streamingImageQuality: band of ${values.length} values for ${count} rows.`,
        );
      return values;
    };
    const sums =
      (threaded && channelOnThreads(x, rows, cols, bandRows, band)) ||
      channelInJavaScript(x, rows, cols, bandRows, band);
    squared += sums.squared;
    energy += sums.energy;
    ssimTotal += sums.ssimSum / sums.ssimCount;
  }
  const mse = squared / (rows * cols * original.length);
  return {
    psnr: mse === 0 ? Number.POSITIVE_INFINITY : 10 * Math.log10(1 / mse),
    ssim: ssimTotal / original.length,
    relativeError:
      energy === 0 ? (squared === 0 ? 0 : Number.POSITIVE_INFINITY) : Math.sqrt(squared / energy),
  };
}

interface ChannelSums {
  readonly ssimSum: number;
  readonly ssimCount: number;
  readonly squared: number;
  readonly energy: number;
}

type ChannelBand = (first: number, count: number, into?: Float64Array) => Float32Array | Float64Array;

function channelInJavaScript(
  x: Float32Array | Float64Array,
  rows: number,
  cols: number,
  bandRows: number,
  band: ChannelBand,
): ChannelSums {
  const channel = new ChannelAccumulator(rows, cols);
  for (let first = 0; first < rows; first += bandRows) {
    const count = Math.min(bandRows, rows - first);
    const values = band(first, count);
    for (let r = 0; r < count; r++) channel.push(x, (first + r) * cols, values, r * cols);
  }
  return channel;
}

/** The same sums on linalg's threads (ssim-strips-threaded.ts), or null where they cannot run. */
function channelOnThreads(
  x: Float32Array | Float64Array,
  rows: number,
  cols: number,
  bandRows: number,
  band: ChannelBand,
): ChannelSums | null {
  const sums = SsimStripsOnThreads.open(rows, cols, bandRows, gaussianWindow(KERNEL_WINDOW, 1.5));
  if (!sums) return null;
  try {
    for (let first = 0; first < rows; first += bandRows) {
      const count = Math.min(bandRows, rows - first);
      const values = band(first, count, sums.bandBuffer(count));
      if (!sums.push(x, first * cols, values, count)) return null;
    }
    return { ssimSum: sums.ssimSum, ssimCount: sums.ssimCount, squared: sums.squared, energy: sums.energy };
  } finally {
    sums.close();
  }
}

/** The 11-tap window (symmetric: w[t] = w[10 - t]) along a row: the fast path of #filterRow. */
function filter11(w: Float64Array, src: Float64Array, out: Float64Array, n: number): void {
  const w0 = w[0]!;
  const w1 = w[1]!;
  const w2 = w[2]!;
  const w3 = w[3]!;
  const w4 = w[4]!;
  const w5 = w[5]!;
  for (let j = 0; j < n; j++) {
    out[j] =
      w0 * (src[j]! + src[j + 10]!) +
      w1 * (src[j + 1]! + src[j + 9]!) +
      w2 * (src[j + 2]! + src[j + 8]!) +
      w3 * (src[j + 3]! + src[j + 7]!) +
      w4 * (src[j + 4]! + src[j + 6]!) +
      w5 * src[j + 5]!;
  }
}

/** out[j] = the symmetric 11-tap window down rows r[0..10] at column j. */
function column11(w: Float64Array, r: readonly Float64Array[], out: Float64Array, n: number): void {
  const [r0, r1, r2, r3, r4, r5, r6, r7, r8, r9, r10] = r as [
    Float64Array,
    Float64Array,
    Float64Array,
    Float64Array,
    Float64Array,
    Float64Array,
    Float64Array,
    Float64Array,
    Float64Array,
    Float64Array,
    Float64Array,
  ];
  const w0 = w[0]!;
  const w1 = w[1]!;
  const w2 = w[2]!;
  const w3 = w[3]!;
  const w4 = w[4]!;
  const w5 = w[5]!;
  for (let j = 0; j < n; j++) {
    out[j] =
      w0 * (r0[j]! + r10[j]!) +
      w1 * (r1[j]! + r9[j]!) +
      w2 * (r2[j]! + r8[j]!) +
      w3 * (r3[j]! + r7[j]!) +
      w4 * (r4[j]! + r6[j]!) +
      w5 * r5[j]!;
  }
}

/** The sum of one SSIM map row from the 11 filtered rows of x, y, x^2, y^2, xy: the fast path of #emit. */
function ssimRow11(w: Float64Array, rows: Float64Array[][], scratch: Float64Array[], n: number): number {
  for (let q = 0; q < 5; q++) column11(w, rows[q]!, scratch[q]!, n);
  const [muX, muY, eXX, eYY, eXY] = scratch as [
    Float64Array,
    Float64Array,
    Float64Array,
    Float64Array,
    Float64Array,
  ];
  const c1 = 0.01 ** 2;
  const c2 = 0.03 ** 2;
  let total = 0;
  for (let j = 0; j < n; j++) {
    const mx = muX[j]!;
    const my = muY[j]!;
    const sxx = eXX[j]! - mx * mx;
    const syy = eYY[j]! - my * my;
    const sxy = eXY[j]! - mx * my;
    total += ((2 * mx * my + c1) * (2 * sxy + c2)) / ((mx * mx + my * my + c1) * (sxx + syy + c2));
  }
  return total;
}
