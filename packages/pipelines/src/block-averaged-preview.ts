import { randomizedSvd, type SvdFactors } from '@lowrank/algorithms-svd';
import type { DenseMatrix } from '@lowrank/core';

/** Pixels of the averaged image a first preview factorizes, at most (about a fitted view's). */
export const PREVIEW_MAX_PIXELS = 1 << 20;

/**
 * The first preview of a big image: the leading `rank` singular triplets of the image averaged
 * over b x b blocks (b the smallest that leaves at most PREVIEW_MAX_PIXELS: 4 for 12 megapixels,
 * a sixteenth of the work and memory traffic), brought back to full size by repeating each row of
 * the factors b times. With U' and V' the repeated factors over sqrt(b) and s' = b s, the columns
 * of U' and V' stay orthonormal (exactly when b divides the sides) and U' S' V'^T is the averaged image's rank-k approximation, each
 * value spread over its block: what a fitted view shows of the full image's, at a fraction of the
 * cost. Blocks at the right and bottom edges average what they have.
 */
export function blockAveragedPreview(
  plane: DenseMatrix,
  rank: number,
  options: { signal?: AbortSignal | undefined } = {},
): SvdFactors {
  const b = previewBlock(plane.rows, plane.cols);
  return reducedPreview(blockAverage(plane, b), rank, plane.rows, plane.cols, b, options);
}

/** The block size b of a rows x cols image's first preview: the smallest leaving at most PREVIEW_MAX_PIXELS. */
export function previewBlock(rows: number, cols: number): number {
  return Math.max(1, Math.ceil(Math.sqrt((rows * cols) / PREVIEW_MAX_PIXELS)));
}

/**
 * The preview from an image already reduced by b (ceil(rows / b) x ceil(cols / b), by block
 * averages or by a decoder's downscale): its leading `rank` triplets with the factors' rows repeated
 * b times, over sqrt(b), and the values times b (see blockAveragedPreview).
 */
export function reducedPreview(
  small: DenseMatrix,
  rank: number,
  rows: number,
  cols: number,
  b: number,
  options: { signal?: AbortSignal | undefined } = {},
): SvdFactors {
  const k = Math.min(rank, small.rows, small.cols);
  // Two power iterations: the reduced image is small enough for a better preview at no real cost.
  const { u, s, v } = randomizedSvd(small, k, {
    powerIterations: 2,
    ...(options.signal ? { signal: options.signal } : {}),
  });
  const scale = 1 / Math.sqrt(b);
  return {
    u: repeatRows(u, b, rows, scale),
    s: s.map((value) => value * b),
    v: repeatRows(v, b, cols, scale),
  };
}

/** The mean of each b x b block (ceil(rows / b) x ceil(cols / b); edge blocks over the pixels they have). */
export function blockAverage(plane: DenseMatrix, b: number): DenseMatrix<Float64Array> {
  const { rows, cols, data } = plane;
  const outRows = Math.ceil(rows / b);
  const outCols = Math.ceil(cols / b);
  const sums = new Float64Array(outRows * outCols);
  for (let i = 0; i < rows; i++) {
    const row = i * cols;
    const out = Math.floor(i / b) * outCols;
    for (let j = 0; j < cols; j++) sums[out + Math.floor(j / b)]! += data[row + j]!;
  }
  for (let r = 0; r < outRows; r++) {
    const height = Math.min(b, rows - r * b);
    for (let c = 0; c < outCols; c++) sums[r * outCols + c]! /= height * Math.min(b, cols - c * b);
  }
  return { rows: outRows, cols: outCols, data: sums };
}

/** Rows of `factor` each repeated b times (cut to `length` rows), times `scale`. */
function repeatRows(
  factor: DenseMatrix,
  b: number,
  length: number,
  scale: number,
): DenseMatrix<Float64Array> {
  const k = factor.cols;
  const out = new Float64Array(length * k);
  for (let i = 0; i < length; i++) {
    const from = Math.floor(i / b) * k;
    for (let t = 0; t < k; t++) out[i * k + t] = factor.data[from + t]! * scale;
  }
  return { rows: length, cols: k, data: out };
}
