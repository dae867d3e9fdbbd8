import { type DenseMatrix, relativeError } from '@lowrank/core';
import { matmul } from '@lowrank/linalg';
import { describe, expect, it } from 'vitest';
import { cameraFixture, loadCamera } from './camera.fixture.js';
import { svd } from './gram-jacobi-svd.js';
import { reconstructFromFactors } from './low-rank-svd-result.js';
import { autoPowerIterations, randomizedSvd } from './randomized-svd.js';
import { orthonormalityError, random } from './test-matrices.fixture.js';

const fixture = cameraFixture;

/** Low rank plus a little noise, with a decaying spectrum. */
function structured(rows: number, cols: number, rank: number, seed: number): DenseMatrix<Float64Array> {
  const u = random(rows, rank, seed);
  const v = random(rank, cols, seed + 1);
  for (let r = 0; r < rank; r++) for (let c = 0; c < cols; c++) v.data[r * cols + c]! *= 2 ** -r;
  const a = matmul(u, v) as DenseMatrix<Float64Array>;
  const noise = random(rows, cols, seed + 2);
  for (let i = 0; i < a.data.length; i++) a.data[i]! += 1e-3 * noise.data[i]!;
  return a;
}

describe('randomizedSvd', () => {
  it("reaches scikit-learn's relative error on camera.png at rank 50 (default settings) within 0.5%", () => {
    const a = loadCamera();
    const f = randomizedSvd(a, 50);
    const err = relativeError(a, reconstructFromFactors(f, 50));
    const reference = fixture.sklearnRandomizedRank50.relativeError;
    expect(Math.abs(err - reference) / reference).toBeLessThan(0.005);
    // The leading singular values agree with the exact ones closely.
    for (let i = 0; i < 10; i++)
      expect(Math.abs(f.s[i]! - fixture.singularValues[i]!) / fixture.singularValues[0]!).toBeLessThan(1e-6);
  });

  it("works on float32 input in float32 (float64 factors out): camera.png's error within 0.5% of scikit-learn's", () => {
    const a = loadCamera();
    const single = { rows: a.rows, cols: a.cols, data: Float32Array.from(a.data) };
    const f = randomizedSvd(single, 50);
    expect(f.u.data).toBeInstanceOf(Float64Array);
    expect(f.v.data).toBeInstanceOf(Float64Array);
    const err = relativeError(a, reconstructFromFactors(f, 50));
    const reference = fixture.sklearnRandomizedRank50.relativeError;
    expect(Math.abs(err - reference) / reference).toBeLessThan(0.005);
    // float32 rounding (about 6e-8 relative) bounds how far the leading values can move.
    for (let i = 0; i < 10; i++)
      expect(Math.abs(f.s[i]! - fixture.singularValues[i]!) / fixture.singularValues[0]!).toBeLessThan(1e-5);
    expect(orthonormalityError(f.u)).toBeLessThan(1e-5);
  });

  it("uses scikit-learn's iteration rule: 7 when rank < 0.1 min(m, n), else 4", () => {
    expect(autoPowerIterations(50, 512, 512)).toBe(7);
    expect(autoPowerIterations(52, 512, 512)).toBe(4);
    expect(autoPowerIterations(10, 76800, 748)).toBe(7);
  });

  it('repeats bit for bit with a seed, and differs across seeds', () => {
    const a = structured(60, 40, 8, 3);
    const x = randomizedSvd(a, 5, { seed: 11, powerIterations: 1 });
    const y = randomizedSvd(a, 5, { seed: 11, powerIterations: 1 });
    expect(Array.from(y.u.data)).toEqual(Array.from(x.u.data));
    expect(Array.from(y.s)).toEqual(Array.from(x.s));
    expect(Array.from(y.v.data)).toEqual(Array.from(x.v.data));
    const z = randomizedSvd(a, 5, { seed: 12, powerIterations: 1 });
    expect(Array.from(z.u.data)).not.toEqual(Array.from(x.u.data));
  });

  it('returns u m x k, s k, v n x k with orthonormal columns, for tall and wide inputs', () => {
    for (const [m, n] of [
      [80, 30],
      [30, 80],
    ] as const) {
      const a = structured(m, n, 6, m);
      const f = randomizedSvd(a, 4);
      expect([f.u.rows, f.u.cols, f.s.length, f.v.rows, f.v.cols]).toEqual([m, 4, 4, n, 4]);
      expect(orthonormalityError(f.u)).toBeLessThan(1e-13);
      expect(orthonormalityError(f.v)).toBeLessThan(1e-13);
      const exact = svd(a);
      for (let i = 0; i < 4; i++) expect(Math.abs(f.s[i]! - exact.s[i]!)).toBeLessThan(1e-10 * exact.s[0]!);
    }
  });

  it('recovers an exactly low-rank matrix to rounding level, and the full rank exactly', () => {
    const a = matmul(random(50, 5, 1), random(5, 35, 2)) as DenseMatrix<Float64Array>;
    const f = randomizedSvd(a, 5);
    expect(relativeError(a, reconstructFromFactors(f, 5))).toBeLessThan(1e-12);
    const b = random(20, 12, 5);
    expect(relativeError(b, reconstructFromFactors(randomizedSvd(b, 12), 12))).toBeLessThan(1e-12);
  });

  it('gives the same spectrum whatever the normalizer and the transpose choice', () => {
    const a = structured(70, 45, 10, 8);
    const reference = svd(a).s;
    for (const normalizer of ['none', 'LU', 'QR'] as const) {
      for (const transpose of ['auto', 'always', 'never'] as const) {
        const f = randomizedSvd(a, 6, { normalizer, transpose, powerIterations: 4 });
        for (let i = 0; i < 6; i++)
          expect(Math.abs(f.s[i]! - reference[i]!)).toBeLessThan(1e-5 * reference[0]!);
      }
    }
  });

  it("makes the largest |entry| of every left vector positive (scikit-learn's svd_flip)", () => {
    for (const a of [structured(40, 25, 5, 1), structured(25, 40, 5, 2)]) {
      const f = randomizedSvd(a, 5);
      for (let c = 0; c < 5; c++) {
        let best = 0;
        for (let r = 0; r < f.u.rows; r++)
          if (Math.abs(f.u.data[r * 5 + c]!) > Math.abs(best)) best = f.u.data[r * 5 + c]!;
        expect(best).toBeGreaterThan(0);
      }
    }
  });

  it('reports progress, honours abort, and refuses bad arguments naming the option', () => {
    const a = structured(30, 20, 4, 1);
    const seen: number[] = [];
    randomizedSvd(a, 3, { onProgress: (p) => seen.push(p.fraction ?? -1) });
    expect(seen.length).toBeGreaterThan(3);
    expect(seen.at(-1)).toBe(1);
    const controller = new AbortController();
    expect(() =>
      randomizedSvd(a, 3, {
        signal: controller.signal,
        onProgress: () => controller.abort(),
      }),
    ).toThrow(expect.objectContaining({ name: 'AbortError' }));
    expect(() => randomizedSvd(a, 0)).toThrow(expect.objectContaining({ option: 'rank' }));
    expect(() => randomizedSvd(a, 21)).toThrow(
      expect.objectContaining({ option: 'rank', message: expect.stringMatching(/1 to 20/) }),
    );
    expect(() => randomizedSvd(a, 2.5)).toThrow(expect.objectContaining({ option: 'rank' }));
    expect(() => randomizedSvd(a, 3, { oversamples: -1 })).toThrow(
      expect.objectContaining({ option: 'oversamples' }),
    );
    expect(() => randomizedSvd(a, 3, { powerIterations: 1.5 })).toThrow(
      expect.objectContaining({ option: 'powerIterations' }),
    );
    expect(() => randomizedSvd(a, 3, { normalizer: 'svd' as 'LU' })).toThrow(
      expect.objectContaining({ option: 'normalizer' }),
    );
    expect(() => randomizedSvd(a, 3, { transpose: 'yes' as 'auto' })).toThrow(
      expect.objectContaining({ option: 'transpose' }),
    );
    expect(() => randomizedSvd(a, 3, { seed: -2 })).toThrow(expect.objectContaining({ option: 'seed' }));
    expect(() => randomizedSvd({ rows: 2, cols: 2, data: Float64Array.of(0, 1, Number.NaN, 1) }, 1)).toThrow(
      expect.objectContaining({ code: 'INVALID_INPUT' }),
    );
    expect(() => randomizedSvd({ rows: 0, cols: 0, data: new Float64Array(0) }, 1)).toThrow(/empty/);
  });
});
