import { InvalidInputError, InvalidOptionError } from './errors.js';
import type { DenseMatrix } from './matrix.js';

function assertSameShape(a: DenseMatrix, b: DenseMatrix, what: string): void {
  if (a.rows !== b.rows || a.cols !== b.cols) {
    throw new InvalidInputError(`${what}: shapes differ (${a.rows} x ${a.cols} vs ${b.rows} x ${b.cols}).`);
  }
}

/** ||A||_F, accumulated with scaling-free compensated sum (fine for the sizes here). */
export function frobeniusNorm(a: DenseMatrix): number {
  const d = a.data;
  let sum = 0;
  for (let k = 0; k < d.length; k++) sum += d[k]! * d[k]!;
  return Math.sqrt(sum);
}

/** ||A - B||_F / ||A||_F (0 when both are zero). A is the reference. */
export function relativeError(reference: DenseMatrix, approximation: DenseMatrix): number {
  assertSameShape(reference, approximation, 'relativeError');
  let num = 0;
  let den = 0;
  const a = reference.data;
  const b = approximation.data;
  for (let k = 0; k < a.length; k++) {
    const diff = a[k]! - b[k]!;
    num += diff * diff;
    den += a[k]! * a[k]!;
  }
  if (den === 0) return num === 0 ? 0 : Number.POSITIVE_INFINITY;
  return Math.sqrt(num / den);
}

/** Mean squared error over all entries. */
export function meanSquaredError(a: DenseMatrix, b: DenseMatrix): number {
  assertSameShape(a, b, 'meanSquaredError');
  if (a.data.length === 0) throw new InvalidInputError('meanSquaredError: the matrices are empty.');
  let sum = 0;
  for (let k = 0; k < a.data.length; k++) {
    const diff = a.data[k]! - b.data[k]!;
    sum += diff * diff;
  }
  return sum / a.data.length;
}

/** PSNR in dB for a given peak value (1 for data in [0, 1], 255 for 8-bit). Infinity when equal. */
export function psnr(reference: DenseMatrix, approximation: DenseMatrix, peak = 1): number {
  return psnrFromMse(meanSquaredError(reference, approximation), peak);
}

export function psnrFromMse(mse: number, peak = 1): number {
  if (!(peak > 0)) throw new InvalidOptionError('peak', `must be positive, got ${peak}.`);
  return mse === 0 ? Number.POSITIVE_INFINITY : 10 * Math.log10((peak * peak) / mse);
}

export interface SsimOptions {
  /** Dynamic range L of the data: 1 for [0, 1] (default), 255 for 8-bit values. */
  readonly peak?: number;
  /** Gaussian window size (odd) and sigma; the standard is 11 and 1.5. */
  readonly windowSize?: number;
  readonly sigma?: number;
}

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

/** 'valid' separable filtering of rows x cols data with a 1-D window, applied along both axes. */
function filterValid(src: Float64Array, rows: number, cols: number, w: Float64Array): Float64Array {
  const s = w.length;
  const outCols = cols - s + 1;
  const outRows = rows - s + 1;
  const tmp = new Float64Array(rows * outCols);
  for (let i = 0; i < rows; i++) {
    const base = i * cols;
    for (let j = 0; j < outCols; j++) {
      let acc = 0;
      for (let t = 0; t < s; t++) acc += w[t]! * src[base + j + t]!;
      tmp[i * outCols + j] = acc;
    }
  }
  const out = new Float64Array(outRows * outCols);
  for (let i = 0; i < outRows; i++) {
    for (let t = 0; t < s; t++) {
      const wt = w[t]!;
      const row = (i + t) * outCols;
      for (let j = 0; j < outCols; j++) out[i * outCols + j]! += wt * tmp[row + j]!;
    }
  }
  return out;
}

/**
 * Mean structural similarity (Wang, Bovik, Sheikh, Simoncelli 2004) of two single-channel images
 * held as height x width matrices: 11x11 Gaussian window with sigma 1.5, K1 = 0.01, K2 = 0.03,
 * 'valid' windows only (the reference ssim_index.m). Images smaller than the window use a window
 * as large as the smaller side (odd). For data in [0, 1] with peak 1 this equals the 8-bit SSIM of
 * the same images scaled by 255.
 */
export function ssim(reference: DenseMatrix, test: DenseMatrix, options: SsimOptions = {}): number {
  assertSameShape(reference, test, 'ssim');
  const peak = options.peak ?? 1;
  if (!(peak > 0)) throw new InvalidOptionError('peak', `must be positive, got ${peak}.`);
  const { rows, cols } = reference;
  if (rows === 0 || cols === 0) throw new InvalidInputError('ssim: the images are empty.');
  let size = options.windowSize ?? 11;
  if (size % 2 === 0 || size < 1)
    throw new InvalidOptionError('windowSize', `must be a positive odd integer, got ${size}.`);
  const smallest = Math.min(rows, cols);
  if (size > smallest) size = smallest % 2 === 1 ? smallest : smallest - 1;
  const w = gaussianWindow(size, options.sigma ?? 1.5);
  const n = rows * cols;
  const x = Float64Array.from(reference.data);
  const y = Float64Array.from(test.data);
  const xx = new Float64Array(n);
  const yy = new Float64Array(n);
  const xy = new Float64Array(n);
  for (let k = 0; k < n; k++) {
    xx[k] = x[k]! * x[k]!;
    yy[k] = y[k]! * y[k]!;
    xy[k] = x[k]! * y[k]!;
  }
  const muX = filterValid(x, rows, cols, w);
  const muY = filterValid(y, rows, cols, w);
  const eXX = filterValid(xx, rows, cols, w);
  const eYY = filterValid(yy, rows, cols, w);
  const eXY = filterValid(xy, rows, cols, w);
  const c1 = (0.01 * peak) ** 2;
  const c2 = (0.03 * peak) ** 2;
  let total = 0;
  for (let k = 0; k < muX.length; k++) {
    const mx = muX[k]!;
    const my = muY[k]!;
    const sxx = eXX[k]! - mx * mx;
    const syy = eYY[k]! - my * my;
    const sxy = eXY[k]! - mx * my;
    total += ((2 * mx * my + c1) * (2 * sxy + c2)) / ((mx * mx + my * my + c1) * (sxx + syy + c2));
  }
  return total / muX.length;
}

/** Fraction of the squared Frobenius norm captured by the first k singular values. */
export function energyKept(singularValues: ArrayLike<number>, rank: number): number {
  const k = Math.max(0, Math.min(rank, singularValues.length));
  let head = 0;
  let total = 0;
  for (let i = 0; i < singularValues.length; i++) {
    const s2 = singularValues[i]! * singularValues[i]!;
    total += s2;
    if (i < k) head += s2;
  }
  return total === 0 ? 1 : head / total;
}

function checkRankArgs(rows: number, cols: number, rank: number): void {
  if (!Number.isInteger(rows) || !Number.isInteger(cols) || rows < 1 || cols < 1) {
    throw new InvalidInputError(`Matrix shape ${rows} x ${cols} must be positive integers.`);
  }
  if (!Number.isInteger(rank) || rank < 0)
    throw new InvalidOptionError('rank', `must be a non-negative integer, got ${rank}.`);
}

/** Numbers an SVD stores for rank k of an m x n matrix: k left vectors, k right vectors, k values. */
export function svdStoredNumbers(rows: number, cols: number, rank: number): number {
  checkRankArgs(rows, cols, rank);
  return rank * (rows + cols + 1);
}

/** Original numbers / stored numbers: above 1 means the factors are smaller than the matrix. */
export function compressionRatio(rows: number, cols: number, rank: number): number {
  const stored = svdStoredNumbers(rows, cols, rank);
  return stored === 0 ? Number.POSITIVE_INFINITY : (rows * cols) / stored;
}

/** Smallest k whose energy kept reaches `fraction` (0 < fraction <= 1). */
export function rankForEnergy(singularValues: ArrayLike<number>, fraction: number): number {
  if (!(fraction > 0 && fraction <= 1))
    throw new InvalidOptionError('energy', `must be in (0, 1], got ${fraction}.`);
  let total = 0;
  for (let i = 0; i < singularValues.length; i++) total += singularValues[i]! ** 2;
  let head = 0;
  for (let k = 1; k <= singularValues.length; k++) {
    head += singularValues[k - 1]! ** 2;
    // Relative slack so that fraction 1 is reachable despite rounding.
    if (head >= fraction * total * (1 - 1e-12)) return k;
  }
  return Math.max(1, singularValues.length);
}

/**
 * Smallest k whose rank-k approximation reaches `targetDb` PSNR, from the singular values of the
 * full spectrum (||A - A_k||_F^2 = sum of the squared tail; Eckart-Young). Before any clamping or
 * rounding of the reconstruction. Returns the full rank when the target is out of reach.
 */
export function rankForPsnr(
  singularValues: ArrayLike<number>,
  rows: number,
  cols: number,
  targetDb: number,
  peak = 1,
): number {
  if (!Number.isFinite(targetDb))
    throw new InvalidOptionError('targetPsnr', `must be a finite number of dB, got ${targetDb}.`);
  const n = singularValues.length;
  const tail = new Float64Array(n + 1);
  for (let i = n - 1; i >= 0; i--) tail[i] = tail[i + 1]! + singularValues[i]! ** 2;
  const count = rows * cols;
  for (let k = 1; k <= n; k++) {
    if (psnrFromMse(tail[k]! / count, peak) >= targetDb) return k;
  }
  return Math.max(1, n);
}

/** Largest k whose compression ratio is still at least `ratio` (at least 1). */
export function rankForCompressionRatio(rows: number, cols: number, ratio: number): number {
  if (!(ratio > 0) || !Number.isFinite(ratio)) {
    throw new InvalidOptionError('targetRatio', `must be a positive number, got ${ratio}.`);
  }
  const k = Math.floor((rows * cols) / (ratio * (rows + cols + 1)));
  return Math.max(1, Math.min(k, Math.min(rows, cols)));
}
