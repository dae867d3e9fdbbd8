import { createRng, matrixFrom, relativeError, zeros } from '@lowrank/core';
import { assertConformance } from '@lowrank/core/testing';
import { describe, expect, it } from 'vitest';
import { nmf, nmfWorkingBytes } from './nmf.js';

/** A planted non-negative rank-r product W H (W, H ~ U(0,1)), exact: no noise. */
function planted(rows: number, cols: number, r: number, seed: number) {
  const rng = createRng(seed);
  const m = zeros(rows, cols);
  const w = Array.from({ length: rows * r }, () => rng.next());
  const h = Array.from({ length: r * cols }, () => rng.next());
  for (let i = 0; i < rows; i++)
    for (let j = 0; j < cols; j++) {
      let s = 0;
      for (let q = 0; q < r; q++) s += w[i * r + q]! * h[q * cols + j]!;
      m.data[i * cols + j] = s;
    }
  return m;
}

describe('nmf plugin', () => {
  it('passes the Lowrank conformance kit', async () => {
    const report = await assertConformance(nmf);
    expect(report.results.filter((r) => r.status === 'passed').length).toBeGreaterThanOrEqual(6);
  });

  it('recovers a planted non-negative rank-3 product to small error', async () => {
    const m = planted(40, 30, 3, 11);
    const result = await nmf.factorize(m, { rank: 3, maxIterations: 2000, tolerance: 1e-10, seed: 1 });
    const err = relativeError(m, result.reconstruct());
    // HALS converges to a stationary point; on an exact planted product it reaches the global fit.
    expect(err).toBeLessThan(1e-3);
    expect(result.diagnostics.residual).toBeCloseTo(err, 10);
    for (const v of result.w.data) expect(v).toBeGreaterThanOrEqual(0);
    for (const v of result.h.data) expect(v).toBeGreaterThanOrEqual(0);
    expect(result.storedNumbers(3)).toBe(3 * (40 + 30));
  });

  it('refuses a negative entry, naming where it is', async () => {
    const m = matrixFrom(2, 2, Float64Array.from([1, 2, -3, 4]));
    await expect(nmf.factorize(m, { rank: 1 })).rejects.toThrow(/entry \(1, 0\) is -3/);
  });

  it('keeps the heaviest components first, so a smaller reconstruct rank fits worse', async () => {
    const m = planted(30, 20, 4, 3);
    const result = await nmf.factorize(m, { rank: 4, maxIterations: 500 });
    const errs = [1, 2, 3, 4].map((k) => relativeError(m, result.reconstruct(k)));
    for (let i = 1; i < errs.length; i++) expect(errs[i]!).toBeLessThan(errs[i - 1]!);
  });

  describe('estimateWorkingBytes', () => {
    it('is a finite number of bytes, at least the result it returns', async () => {
      const m = planted(40, 30, 3, 5);
      const result = await nmf.factorize(m, { rank: 3, maxIterations: 5 });
      const resultBytes = result.w.data.byteLength + result.h.data.byteLength;
      const estimate = nmf.estimateWorkingBytes!({ rows: 40, cols: 30 }, { rank: 3 });
      expect(Number.isFinite(estimate)).toBe(true);
      expect(estimate).toBeGreaterThan(resultBytes + 40 * 30 * 8);
      for (const shape of [
        { rows: 1, cols: 1 },
        { rows: 3000, cols: 4000 },
      ])
        expect(Number.isFinite(nmf.estimateWorkingBytes!(shape))).toBe(true);
    });

    it('doubling the rows doubles the dominant term (the final W H product)', () => {
      const extra = nmfWorkingBytes(6000, 4000, 10, false) - nmfWorkingBytes(3000, 4000, 10, false);
      const product = 3000 * 4000 * 8;
      expect(extra).toBeGreaterThan(product);
      expect(extra).toBeLessThan(1.02 * product);
    });

    it('grows with the rank through W and H; the full-rank closed form needs no product', () => {
      const at = (rank: number) => nmf.estimateWorkingBytes!({ rows: 300, cols: 400 }, { rank });
      // Ten more components: W and H and their sorted copies (2 x 10 x (rows + cols) numbers), a
      // wider cross product; well under the rows x cols product that dominates.
      const extra = at(20) - at(10);
      expect(extra).toBeGreaterThan(2 * 10 * (300 + 400) * 8);
      expect(extra).toBeLessThan(3 * 10 * (300 + 400) * 8);
      expect(at(300)).toBeLessThan(at(299));
    });

    it('counts the float64 copy of a float32 input', () => {
      expect(nmfWorkingBytes(100, 100, 5, true) - nmfWorkingBytes(100, 100, 5, false)).toBe(100 * 100 * 8);
    });
  });
});
