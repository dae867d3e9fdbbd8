import { type DenseMatrix, type LowRankFactorization, psnrFromMse, ssim } from '@lowrank/core';

export interface ImageQuality {
  /** dB, peak 1, over every channel's pixels together. */
  readonly psnr: number;
  /** Mean of the channels' SSIM (11 x 11 Gaussian window, sigma 1.5, as scikit-image). */
  readonly ssim: number;
  /** ||original - approximation||_F / ||original||_F over every channel. */
  readonly relativeError: number;
}

export function squaredNorm(m: DenseMatrix): number {
  let sum = 0;
  for (let k = 0; k < m.data.length; k++) sum += m.data[k]! ** 2;
  return sum;
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
