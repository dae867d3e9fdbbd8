import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { InvalidOptionError } from './errors.js';
import { type DenseMatrix, fromRows, matrixFrom, zeros } from './matrix.js';
import {
  compressionRatio,
  energyKept,
  frobeniusNorm,
  meanSquaredError,
  psnr,
  rankForCompressionRatio,
  rankForEnergy,
  rankForPsnr,
  relativeError,
  ssim,
  svdStoredNumbers,
} from './metrics.js';
import { sample } from './test-data.fixture.js';

async function camera(): Promise<DenseMatrix> {
  const { data, info } = await sharp(sample('camera.png'))
    .greyscale()
    .raw()
    .toBuffer({ resolveWithObject: true });
  expect(info.channels).toBe(1);
  return matrixFrom(
    info.height,
    info.width,
    Float64Array.from(data, (v) => v / 255),
  );
}

function map(m: DenseMatrix, f: (v: number, i: number, j: number) => number): DenseMatrix {
  const out = zeros(m.rows, m.cols);
  for (let i = 0; i < m.rows; i++)
    for (let j = 0; j < m.cols; j++) out.data[i * m.cols + j] = f(m.data[i * m.cols + j]!, i, j);
  return out;
}

describe('error metrics', () => {
  it('relative Frobenius error, MSE and PSNR match closed forms', () => {
    const a = fromRows([
      [3, 0],
      [0, 4],
    ]);
    const b = fromRows([
      [3, 0],
      [0, 0],
    ]);
    expect(frobeniusNorm(a)).toBe(5);
    expect(relativeError(a, b)).toBeCloseTo(4 / 5, 15);
    expect(relativeError(a, a)).toBe(0);
    expect(meanSquaredError(a, b)).toBe(4);
    // peak 8: 10 log10(64 / 4) = 12.0412 dB
    expect(psnr(a, b, 8)).toBeCloseTo(10 * Math.log10(16), 12);
    expect(psnr(a, a)).toBe(Number.POSITIVE_INFINITY);
    // 8-bit data: one level of error everywhere is 48.13 dB.
    const x = zeros(4, 4);
    const y = map(x, () => 1);
    expect(psnr(x, y, 255)).toBeCloseTo(20 * Math.log10(255), 12);
    expect(() => relativeError(a, zeros(2, 3))).toThrow(/shapes differ/);
    expect(() => psnr(a, b, 0)).toThrow(InvalidOptionError);
  });
});

describe('SSIM (Wang et al. 2004, 11x11 Gaussian window, sigma 1.5)', () => {
  it('is 1 for identical images and matches the closed form on constant images', () => {
    const a = map(zeros(20, 20), () => 0.3);
    const b = map(zeros(20, 20), () => 0.6);
    expect(ssim(a, a)).toBeCloseTo(1, 14);
    // Constant images: variances vanish, SSIM = (2ab + C1) / (a^2 + b^2 + C1) with C1 = (0.01 L)^2.
    const c1 = 1e-4;
    expect(ssim(a, b)).toBeCloseTo((2 * 0.3 * 0.6 + c1) / (0.09 + 0.36 + c1), 12);
    // Same on an 8-bit scale with peak 255.
    const a8 = map(a, (v) => v * 255);
    const b8 = map(b, (v) => v * 255);
    expect(ssim(a8, b8, { peak: 255 })).toBeCloseTo(ssim(a, b), 12);
  });

  it('matches scikit-image on camera.png distortions', async () => {
    // Reference values from scikit-image 0.19 (Debian python3-skimage):
    //   structural_similarity(x, y, data_range=1.0, gaussian_weights=True, sigma=1.5, use_sample_covariance=False)
    // with x = camera.png / 255, wave: y = clip(x + 0.08 sin(0.3 i) cos(0.21 j), 0, 1); quant16: round(15 x) / 15.
    const x = await camera();
    const wave = map(x, (v, i, j) =>
      Math.min(1, Math.max(0, v + 0.08 * Math.sin(i * 0.3) * Math.cos(j * 0.21))),
    );
    const quant = map(x, (v) => Math.round(v * 15) / 15);
    expect(ssim(x, wave)).toBeCloseTo(0.8005933825873577, 9);
    expect(ssim(x, quant)).toBeCloseTo(0.8952875602446738, 9);
    // Summation order differs from numpy's pairwise sum: compare to 1e-10 relative.
    expect(Math.abs(meanSquaredError(x, quant) / 0.0004088595169225777 - 1)).toBeLessThan(1e-10);
  });

  it('shrinks the window for images smaller than 11 pixels and refuses even windows', () => {
    const a = fromRows([
      [0, 1, 0],
      [1, 0, 1],
      [0, 1, 0],
    ]);
    expect(ssim(a, a)).toBeCloseTo(1, 14);
    expect(() => ssim(a, a, { windowSize: 4 })).toThrow(/windowSize/);
  });
});

describe('compression bookkeeping', () => {
  it('counts k(m+n+1) stored numbers: a 512 x 512 image at k = 50 keeps ~20%', () => {
    expect(svdStoredNumbers(512, 512, 50)).toBe(51_250);
    expect(compressionRatio(512, 512, 50)).toBeCloseTo(262_144 / 51_250, 12);
    expect(1 / compressionRatio(512, 512, 50)).toBeCloseTo(0.1955, 4);
    expect(() => svdStoredNumbers(512, 512, -1)).toThrow(/rank/);
  });

  it('energy kept and rank choice from singular values', () => {
    const s = [4, 2, 1, 1]; // squares 16, 4, 1, 1 -> total 22
    expect(energyKept(s, 0)).toBe(0);
    expect(energyKept(s, 1)).toBeCloseTo(16 / 22, 15);
    expect(energyKept(s, 4)).toBe(1);
    expect(rankForEnergy(s, 16 / 22)).toBe(1);
    expect(rankForEnergy(s, 0.8)).toBe(2);
    expect(rankForEnergy(s, 1)).toBe(4);
    expect(() => rankForEnergy(s, 1.5)).toThrow(/"energy"/);
    // 2 x 2 matrix with singular values [4, 2]: rank 1 leaves MSE 4 / 4 = 1 -> PSNR 20 log10(peak).
    expect(rankForPsnr([4, 2], 2, 2, 20 * Math.log10(10) - 1e-9, 10)).toBe(1);
    expect(rankForPsnr([4, 2], 2, 2, 25, 10)).toBe(2);
    // 512 x 512 at ratio 5: floor(262144 / (5 * 1025)) = 51
    expect(rankForCompressionRatio(512, 512, 5)).toBe(51);
    expect(compressionRatio(512, 512, 51)).toBeGreaterThanOrEqual(5);
    expect(compressionRatio(512, 512, 52)).toBeLessThan(5);
    expect(() => rankForCompressionRatio(512, 512, 0)).toThrow(/"targetRatio"/);
  });
});
