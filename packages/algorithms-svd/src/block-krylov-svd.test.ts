import { type DenseMatrix, InvalidOptionError, relativeError } from '@lowrank/core';
import { matmul } from '@lowrank/linalg';
import { describe, expect, it } from 'vitest';
import { blockKrylovSvd } from './block-krylov-svd.js';
import { cameraFixture, loadCamera } from './camera.fixture.js';
import { svd } from './gram-jacobi-svd.js';
import { reconstructFromFactors } from './low-rank-svd-result.js';
import { randomizedSvd } from './randomized-svd.js';
import { orthonormalityError, random } from './test-matrices.fixture.js';

/** U diag(s) V^T with random orthonormal U, V (QR of Gaussians) and the given singular values. */
function planted(rows: number, cols: number, s: readonly number[], seed: number): DenseMatrix<Float64Array> {
  const k = s.length;
  const u = svd(random(rows, k, seed)).u;
  const v = svd(random(cols, k, seed + 1)).u;
  for (let r = 0; r < rows; r++) for (let c = 0; c < k; c++) u.data[r * k + c]! *= s[c]!;
  return matmul(u, v, { transposeB: true }) as DenseMatrix<Float64Array>;
}

describe('blockKrylovSvd', () => {
  it("matches scikit-learn's error on camera.png at rank 50 (7 power iterations) from 6 passes", () => {
    const a = loadCamera();
    const f = blockKrylovSvd(a, 50);
    const err = relativeError(a, reconstructFromFactors(f, 50));
    const reference = fixture.sklearnRandomizedRank50.relativeError;
    // Measured 0.02% apart; power iteration with as many passes (2 iterations) is 1.1% off.
    expect(Math.abs(err - reference) / reference).toBeLessThan(0.001);
    const twoIterations = randomizedSvd(a, 50, { powerIterations: 2 });
    expect(err).toBeLessThan(relativeError(a, reconstructFromFactors(twoIterations, 50)));
    for (let i = 0; i < 10; i++)
      expect(Math.abs(f.s[i]! - fixture.singularValues[i]!) / fixture.singularValues[0]!).toBeLessThan(1e-8);
    expect(orthonormalityError(f.u)).toBeLessThan(1e-12);
    expect(orthonormalityError(f.v)).toBeLessThan(1e-12);
  });

  it('recovers planted singular values and vectors, tall and wide alike, in float32 too', () => {
    const s = [100, 60, 40, 20, 10, 5, 2, 1, 0.5, 0.25];
    const tall = planted(240, 160, s, 5);
    const exact = svd(tall);
    const wideT = { rows: 160, cols: 240, data: new Float64Array(240 * 160) };
    for (let r = 0; r < 240; r++)
      for (let c = 0; c < 160; c++) wideT.data[c * 240 + r] = tall.data[r * 160 + c]!;
    // Three blocks of 6 columns leave an error of about 6e-9 at the 6th value (gap 5 : 2).
    for (const [a, tolerance] of [
      [tall, 1e-7],
      [wideT, 1e-7],
      [{ rows: 240, cols: 160, data: Float32Array.from(tall.data) }, 1e-5],
    ] as const) {
      const f = blockKrylovSvd(a, 6, { oversamples: 0 });
      for (let i = 0; i < 6; i++) expect(Math.abs(f.s[i]! - s[i]!) / s[0]!).toBeLessThan(tolerance);
      // Singular vectors up to the sign convention, which both apply: |<u_i, exact u_i>| = 1.
      const tallU = a === wideT ? f.v : f.u;
      for (let i = 0; i < 6; i++) {
        let dot = 0;
        for (let r = 0; r < 240; r++) dot += tallU.data[r * 6 + i]! * exact.u.data[r * exact.u.cols + i]!;
        expect(Math.abs(Math.abs(dot) - 1)).toBeLessThan(tolerance * 100);
      }
    }
  });

  it('hands over to power iteration, still exact, when the matrix has fewer directions than the Krylov space', () => {
    const a = planted(120, 90, [5, 3, 2, 1], 9); // rank 4 exactly
    const f = blockKrylovSvd(a, 6); // blocks of 16, three of them: 48 columns for 4 directions
    expect(f.s.length).toBe(6);
    for (const [i, value] of [5, 3, 2, 1].entries()) expect(Math.abs(f.s[i]! - value)).toBeLessThan(1e-10);
    expect(f.s[4]!).toBeLessThan(1e-10);
    expect(relativeError(a, reconstructFromFactors(f, 6))).toBeLessThan(1e-10);
    expect(orthonormalityError(f.u)).toBeLessThan(1e-10);
    for (const x of f.u.data) expect(Number.isFinite(x)).toBe(true);
  });

  it('hands over to power iteration when the Krylov space is wider than the matrix', () => {
    const a = random(40, 30, 2);
    const f = blockKrylovSvd(a, 12); // 3 blocks of 22 > 30 columns
    const exact = svd(a);
    for (let i = 0; i < 12; i++) expect(Math.abs(f.s[i]! - exact.s[i]!) / exact.s[0]!).toBeLessThan(0.05);
    expect(orthonormalityError(f.u)).toBeLessThan(1e-10);
  });

  it('repeats bit for bit with a seed, and checks its options', () => {
    const a = random(80, 50, 4);
    const x = blockKrylovSvd(a, 5, { seed: 3 });
    const y = blockKrylovSvd(a, 5, { seed: 3 });
    expect(Array.from(y.u.data)).toEqual(Array.from(x.u.data));
    expect(Array.from(y.s)).toEqual(Array.from(x.s));
    expect(() => blockKrylovSvd(a, 0)).toThrow(InvalidOptionError);
    expect(() => blockKrylovSvd(a, 51)).toThrow(/rank/);
    expect(() => blockKrylovSvd(a, 5, { depth: -1 })).toThrow(/depth/);
    expect(() => blockKrylovSvd(a, 5, { oversamples: 1.5 })).toThrow(/oversamples/);
    const nan = { rows: 3, cols: 3, data: new Float64Array([1, 2, 3, 4, Number.NaN, 6, 7, 8, 9]) };
    expect(() => blockKrylovSvd(nan, 1)).toThrow(/NaN|finite/i);
  });

  it('stops with the AbortSignal and reports its steps', () => {
    const a = random(60, 40, 6);
    const controller = new AbortController();
    controller.abort(new Error('stop'));
    expect(() => blockKrylovSvd(a, 3, { signal: controller.signal })).toThrow();
    const fractions: number[] = [];
    blockKrylovSvd(a, 3, { onProgress: (p) => fractions.push(p.fraction ?? Number.NaN) });
    expect(fractions).toEqual([1 / 4, 2 / 4, 3 / 4, 1]);
  });
});

const fixture = cameraFixture;
