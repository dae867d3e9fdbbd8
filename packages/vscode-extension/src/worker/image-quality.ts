import { type DenseMatrix, matrixFrom, psnrFromMse, ssim } from '@lowrank/core';

/** Clamps a reconstruction to the displayable range [0, 1], in place, and returns it. */
export function clampUnit<M extends DenseMatrix>(m: M): M {
  const d = m.data;
  for (let k = 0; k < d.length; k++) {
    const v = d[k]!;
    d[k] = Math.min(1, Math.max(0, v));
  }
  return m;
}

export interface ImageQuality {
  /** dB, peak 1, over every channel's pixels. */
  readonly psnr: number;
  /** Mean of the channels' SSIM (11x11 Gaussian window, sigma 1.5). */
  readonly ssim: number;
  /** ||original - approximation||_F / ||original||_F over every channel. */
  readonly relativeError: number;
}

/**
 * Quality of an approximation of a (possibly multi-channel) image, both given as one height x width
 * matrix per channel with values in [0, 1]. The approximation is what the user sees and saves, so
 * callers pass it clamped to [0, 1].
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
    ssimSum += ssim(matrixFrom(a.rows, a.cols, a.data), matrixFrom(b.rows, b.cols, b.data), { peak: 1 });
  }
  return {
    psnr: psnrFromMse(squared / count, 1),
    ssim: ssimSum / original.length,
    relativeError:
      energy === 0 ? (squared === 0 ? 0 : Number.POSITIVE_INFINITY) : Math.sqrt(squared / energy),
  };
}
