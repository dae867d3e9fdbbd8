import { releaseKernelMatrix } from '@lowrank/linalg';
import { describe, expect, it } from 'vitest';
import { blockPowerSpectralNorm } from './block-power-spectral-norm.js';
import { javascriptProducts } from './dense-products.js';
import { linalgProducts } from './products.js';
import { withSpectrum } from './test-matrices.js';

function frobeniusSquared(values: number[]): number {
  return values.reduce((sum, s) => sum + s * s, 0);
}

describe('blockPowerSpectralNorm', () => {
  it('finds a dominant singular value to 1e-13 (wide and tall, both product sets)', () => {
    const spectrum = [50, 9, 8, 7, 6, 5, 4, 3, 2, 1];
    const wide = withSpectrum(40, 300, spectrum, 5);
    const tall = { rows: wide.cols, cols: wide.rows, data: new Float64Array(wide.data.length) };
    for (let i = 0; i < wide.rows; i++)
      for (let j = 0; j < wide.cols; j++) tall.data[j * wide.rows + i] = wide.data[i * wide.cols + j]!;
    for (const products of [linalgProducts, javascriptProducts])
      for (const t of [wide, tall]) {
        const norm = blockPowerSpectralNorm(t, frobeniusSquared(spectrum), products);
        expect(norm).toBeDefined();
        expect(Math.abs(norm! - 50) / 50).toBeLessThan(1e-13);
      }
    releaseKernelMatrix(wide);
  });

  it('declines (undefined) when the top value does not dominate the trace, so no proof exists', () => {
    // 10 equal-ish singular values: every other eigenvalue could be as large as the top one.
    const spectrum = [10, 9.9, 9.8, 9.7, 9.6, 9.5, 9.4, 9.3, 9.2, 9.1];
    const t = withSpectrum(40, 300, spectrum, 6);
    expect(blockPowerSpectralNorm(t, frobeniusSquared(spectrum), linalgProducts)).toBeUndefined();
    releaseKernelMatrix(t);
  });
});
