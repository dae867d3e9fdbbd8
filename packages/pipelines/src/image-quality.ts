import {
  type DenseMatrix,
  type LowRankFactorization,
  psnrFromMse,
  type SvdFactorsView,
  ssim,
} from '@lowrank/core';
import { allocateKernelMatrix, matmul, releaseKernelMatrixWhenCollected } from '@lowrank/linalg';
import type { BandSource } from './streaming-quality.js';

export interface ImageQuality {
  /** dB, peak 1, over every channel's pixels together. */
  readonly psnr: number;
  /** Mean of the channels' SSIM (11 x 11 Gaussian window, sigma 1.5, as scikit-image). */
  readonly ssim: number;
  /** ||original - approximation||_F / ||original||_F over every channel. */
  readonly relativeError: number;
}

/** A result's rank-k reconstruction clamped to [0, 1]: the picture that is shown and saved. */
export function clampedReconstruction(result: LowRankFactorization, rank: number): DenseMatrix<Float64Array> {
  const m = result.reconstruct(rank);
  const out = new Float64Array(m.data.length);
  for (let k = 0; k < out.length; k++) {
    const v = m.data[k]!;
    // biome-ignore lint/complexity/useMathMinMax: NaN must fail both tests and map to 0
    out[k] = v > 0 ? (v < 1 ? v : 1) : 0;
  }
  return { rows: m.rows, cols: m.cols, data: out };
}

/**
 * Quality of an approximation of a (possibly multi-channel) image, both as one height x width
 * matrix per channel in [0, 1]. Pass the clamped approximation: it is what the user sees.
 */
export function imageQuality(
  original: readonly DenseMatrix[],
  approximation: readonly DenseMatrix[],
): ImageQuality {
  if (original.length !== approximation.length || original.length === 0) {
    throw new RangeError(
      `imageQuality: ${original.length} original channels vs ${approximation.length} approximated.`,
    );
  }
  let squared = 0;
  let energy = 0;
  let count = 0;
  let ssimSum = 0;
  for (let c = 0; c < original.length; c++) {
    const a = original[c]!;
    const b = approximation[c]!;
    for (let k = 0; k < a.data.length; k++) {
      const diff = a.data[k]! - b.data[k]!;
      squared += diff * diff;
      energy += a.data[k]! * a.data[k]!;
    }
    count += a.data.length;
    ssimSum += ssim(a, b, { peak: 1 });
  }
  return {
    psnr: psnrFromMse(squared / count, 1),
    ssim: ssimSum / original.length,
    relativeError:
      energy === 0 ? (squared === 0 ? 0 : Number.POSITIVE_INFINITY) : Math.sqrt(squared / energy),
  };
}

/**
 * Bands of rows of the clamped rank-k images U_k diag(s_k) V_k^T, one channel per factor set: the
 * reconstruction a band at a time (a small product each), for metrics and writing without holding
 * the whole image in float64. With `clamp: false` the values are left as computed, for a consumer
 * that clamps as it reads them (streamingImageQuality's threads do it for free).
 */
export function factorBands(
  factors: readonly SvdFactorsView[],
  rank: number,
  { clamp = true }: { readonly clamp?: boolean } = {},
): BandSource {
  const prepared = factors.map(({ u, s, v }) => {
    const k = Math.min(rank, s.length, u.cols, v.cols);
    // V's first k columns, contiguous (n x k), read transposed by the product; in the kernel
    // memory, so that each band's threaded product reads it there instead of copying it in (a
    // 6000 x 50 V: 2.4 MB a band, 63 bands). It frees itself once the bands are collected.
    const vk = allocateKernelMatrix(v.rows, k);
    releaseKernelMatrixWhenCollected(vk);
    for (let j = 0; j < v.rows; j++) for (let t = 0; t < k; t++) vk.data[j * k + t] = v.data[j * v.cols + t]!;
    return { u, s, k, vk };
  });
  return (channel, first, count, into) => {
    const { u, s, k, vk } = prepared[channel]!;
    const cols = vk.rows;
    const target = into && into.length >= count * cols ? into.subarray(0, count * cols) : undefined;
    if (k === 0) return target ? target.fill(0) : new Float64Array(count * cols);
    const us = new Float64Array(count * k);
    for (let r = 0; r < count; r++) {
      const src = (first + r) * u.cols;
      for (let t = 0; t < k; t++) us[r * k + t] = u.data[src + t]! * s[t]!;
    }
    const band = matmul({ rows: count, cols: k, data: us }, vk, {
      transposeB: true,
      ...(target ? { out: { rows: count, cols, data: target } } : {}),
    }).data;
    if (!clamp) return band;
    for (let i = 0; i < band.length; i++) {
      const value = band[i]!;
      // biome-ignore lint/complexity/useMathMinMax: NaN must fail both tests and map to 0
      band[i] = value > 0 ? (value < 1 ? value : 1) : 0;
    }
    return band;
  };
}

/** A whole plane per channel, already computed, as bands (views, no copies). */
export function planeBands(planes: readonly DenseMatrix[]): BandSource {
  return (channel, first, count) => {
    const plane = planes[channel]!;
    return plane.data.subarray(first * plane.cols, (first + count) * plane.cols);
  };
}
