import { type DenseMatrix, frobeniusNorm, relativeError } from '@lowrank/core';
import { matmul } from '@lowrank/linalg';
import { describe, expect, it } from 'vitest';
import { cameraFixture, loadCamera } from './camera.fixture.js';
import { type SvdFactors, svd } from './gram-jacobi-svd.js';
import { reconstructFromFactors } from './low-rank-svd-result.js';
import { orthonormalityError, random } from './test-matrices.fixture.js';

const fixture = cameraFixture;

/** A rank-r product of Gaussian factors. */
function planted(rows: number, cols: number, rank: number, seed: number): DenseMatrix<Float64Array> {
  return matmul(random(rows, rank, seed), random(rank, cols, seed + 1)) as DenseMatrix<Float64Array>;
}

function expectValidSvd(a: DenseMatrix, f: SvdFactors, tolerance = 2e-10): void {
  const p = Math.min(a.rows, a.cols);
  expect(f.s.length).toBe(p);
  for (let i = 1; i < p; i++) expect(f.s[i]!).toBeLessThanOrEqual(f.s[i - 1]!);
  expect(f.s[p - 1]!).toBeGreaterThanOrEqual(0);
  expect(orthonormalityError(f.u)).toBeLessThan(tolerance);
  expect(orthonormalityError(f.v)).toBeLessThan(tolerance);
  expect(relativeError(a, reconstructFromFactors({ u: f.u, s: f.s, v: f.v }, p))).toBeLessThan(1e-13);
}

describe('svd (Gram eigendecomposition + Jacobi polish)', () => {
  it("matches numpy's singular values of camera.png to 1e-9 of the largest and reconstructs within 1e-10", () => {
    const a = loadCamera();
    expect(frobeniusNorm(a)).toBeCloseTo(fixture.frobeniusNorm, 9);
    const f = svd(a);
    const s1 = fixture.singularValues[0]!;
    let worst = 0;
    for (let i = 0; i < 512; i++)
      worst = Math.max(worst, Math.abs(f.s[i]! - fixture.singularValues[i]!) / s1);
    expect(worst).toBeLessThan(1e-9);
    expect(relativeError(a, reconstructFromFactors(f, 512))).toBeLessThan(1e-10);
    // U to the default orthogonality (1e-10), V to rounding level; tighter on request.
    expect(orthonormalityError(f.u)).toBeLessThan(1.5e-10);
    expect(orthonormalityError(f.v)).toBeLessThan(1e-12);
    const tight = svd(a, { orthogonality: 1e-12 });
    expect(orthonormalityError(tight.u)).toBeLessThan(2e-12);
    for (let i = 0; i < 512; i++) expect(Math.abs(tight.s[i]! - f.s[i]!)).toBeLessThan(1e-12 * s1);
  });

  it('gives economy shapes for tall and wide inputs, and full shapes on request', () => {
    const tall = random(40, 15, 1);
    const wide = random(15, 40, 2);
    const ft = svd(tall);
    expect([ft.u.rows, ft.u.cols, ft.v.rows, ft.v.cols]).toEqual([40, 15, 15, 15]);
    expectValidSvd(tall, ft);
    const fw = svd(wide);
    expect([fw.u.rows, fw.u.cols, fw.v.rows, fw.v.cols]).toEqual([15, 15, 40, 15]);
    expectValidSvd(wide, fw);
    // The SVD of A^T is the SVD of A with U and V swapped.
    const wideT = { rows: 40, cols: 15, data: new Float64Array(600) };
    for (let i = 0; i < 15; i++) for (let j = 0; j < 40; j++) wideT.data[j * 15 + i] = wide.data[i * 40 + j]!;
    const fwt = svd(wideT);
    for (let i = 0; i < 15; i++) expect(Math.abs(fwt.s[i]! - fw.s[i]!)).toBeLessThan(1e-13 * fw.s[0]!);
    const fullTall = svd(tall, { economy: false });
    expect([fullTall.u.rows, fullTall.u.cols, fullTall.v.rows, fullTall.v.cols]).toEqual([40, 40, 15, 15]);
    expect(orthonormalityError(fullTall.u)).toBeLessThan(1e-13);
    const fullWide = svd(wide, { economy: false });
    expect([fullWide.u.rows, fullWide.u.cols, fullWide.v.rows, fullWide.v.cols]).toEqual([15, 15, 40, 40]);
    expect(orthonormalityError(fullWide.v)).toBeLessThan(1e-13);
    for (let i = 0; i < 15; i++) expect(fullWide.s[i]).toBe(fw.s[i]);
  });

  it('handles 1 x n, n x 1 and 1 x 1 inputs', () => {
    const row = { rows: 1, cols: 4, data: Float64Array.of(3, 0, -4, 0) };
    const fr = svd(row);
    expect(fr.s[0]).toBeCloseTo(5, 14);
    expectValidSvd(row, fr);
    const col = { rows: 4, cols: 1, data: Float64Array.of(0, 0, 2, 0) };
    expect(svd(col).s[0]).toBeCloseTo(2, 14);
    expect(svd({ rows: 1, cols: 1, data: Float64Array.of(-7) }).s[0]).toBe(7);
  });

  it('is exact on rank-deficient inputs: trailing singular values at rounding level, factors still orthonormal', () => {
    for (const [m, n] of [
      [30, 20],
      [20, 30],
      [50, 50],
    ] as const) {
      const a = planted(m, n, 3, m + n);
      const f = svd(a);
      expect(f.s[2]! / f.s[0]!).toBeGreaterThan(1e-3);
      for (let i = 3; i < f.s.length; i++) expect(f.s[i]! / f.s[0]!).toBeLessThan(1e-14);
      expectValidSvd(a, f);
    }
    // Exactly zero singular values (zero columns) still get orthonormal directions.
    const zeroCols = { rows: 6, cols: 4, data: new Float64Array(24) };
    for (let i = 0; i < 6; i++) zeroCols.data[i * 4] = i + 1;
    const fz = svd(zeroCols);
    expect(Array.from(fz.s.subarray(1))).toEqual([0, 0, 0]);
    expectValidSvd(zeroCols, fz);
    const zero = svd({ rows: 3, cols: 5, data: new Float64Array(15) });
    expect(Array.from(zero.s)).toEqual([0, 0, 0]);
    expect(orthonormalityError(zero.u)).toBeLessThan(1e-15);
  });

  it('keeps the error of truncations non-increasing in rank (Eckart-Young tail)', () => {
    const a = random(35, 25, 9);
    const f = svd(a);
    let previous = Number.POSITIVE_INFINITY;
    for (let k = 0; k <= 25; k++) {
      const err = relativeError(a, reconstructFromFactors(f, k));
      expect(err).toBeLessThanOrEqual(previous);
      // ||A - A_k||_F^2 = sum of the squared tail.
      let tail = 0;
      for (let i = k; i < 25; i++) tail += f.s[i]! * f.s[i]!;
      expect(Math.abs(err - Math.sqrt(tail) / frobeniusNorm(a))).toBeLessThan(1e-13);
      previous = err;
    }
  });

  it('applies the sign convention: the largest |entry| of each left vector is positive', () => {
    const f = svd(random(20, 12, 4));
    for (let c = 0; c < 12; c++) {
      let best = 0;
      for (let r = 0; r < 20; r++)
        if (Math.abs(f.u.data[r * 12 + c]!) > Math.abs(best)) best = f.u.data[r * 12 + c]!;
      expect(best).toBeGreaterThan(0);
    }
  });

  it('accepts float32 input and arrays of rows, without modifying the input', () => {
    const a = random(12, 9, 3);
    const a32 = { rows: 12, cols: 9, data: Float32Array.from(a.data) };
    const before = Float32Array.from(a32.data);
    const f = svd(a32);
    expect(Array.from(a32.data)).toEqual(Array.from(before));
    expect(
      relativeError({ rows: 12, cols: 9, data: Float64Array.from(a32.data) }, reconstructFromFactors(f, 9)),
    ).toBeLessThan(1e-13);
    expect(
      svd([
        [3, 0],
        [0, 4],
      ]).s[0],
    ).toBeCloseTo(4, 15);
  });

  it('refuses NaN/Inf, empty matrices and bad options with typed errors', () => {
    expect(() => svd({ rows: 2, cols: 2, data: Float64Array.of(1, Number.NaN, 0, 1) })).toThrow(
      expect.objectContaining({ code: 'INVALID_INPUT', message: expect.stringMatching(/row 0, column 1/) }),
    );
    expect(() => svd({ rows: 1, cols: 2, data: Float64Array.of(Number.POSITIVE_INFINITY, 1) })).toThrow(
      /non-finite/,
    );
    expect(() => svd({ rows: 0, cols: 3, data: new Float64Array(0) })).toThrow(
      expect.objectContaining({ code: 'INVALID_INPUT', message: expect.stringMatching(/empty/) }),
    );
    expect(() => svd(random(3, 3, 1), { economy: 'yes' as unknown as boolean })).toThrow(
      expect.objectContaining({ code: 'INVALID_OPTION', option: 'economy' }),
    );
    expect(() => svd(random(3, 3, 1), { orthogonality: 0 })).toThrow(
      expect.objectContaining({ option: 'orthogonality' }),
    );
    const controller = new AbortController();
    controller.abort();
    expect(() => svd(random(3, 3, 1), { signal: controller.signal })).toThrow(
      expect.objectContaining({ name: 'AbortError' }),
    );
  });
});
