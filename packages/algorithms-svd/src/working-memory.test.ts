import { type InputShape, videoMatrixFrom } from '@lowrank/core';
import { setLinalgBackend } from '@lowrank/linalg';
import { afterEach, describe, expect, it } from 'vitest';
import { randomizedSvdFactorizer, svdBackgroundFactorizer, svdFactorizer } from './index.js';
import { random } from './test-matrices.fixture.js';
import { productMemory, RUNTIME_BYTES } from './working-memory.js';

// Peak RSS against these estimates is measured by packages/cli/bench/measure-working-memory.mjs;
// here, what the formulas must get right whatever the calibration.

const MB = 2 ** 20;

const plugins = [svdFactorizer, randomizedSvdFactorizer, svdBackgroundFactorizer];

afterEach(() => setLinalgBackend('auto'));

describe('estimateWorkingBytes of the SVD plugins', () => {
  it('is a finite number of bytes for every shape, from 1 x 1 to a long video', () => {
    const shapes: InputShape[] = [
      { rows: 1, cols: 1 },
      { rows: 7, cols: 3 },
      { rows: 3, cols: 7 },
      { rows: 512, cols: 512 },
      { rows: 748, cols: 76800, channels: 1 },
      { rows: 300, cols: 110592 * 3, channels: 3 },
      { rows: 4000, cols: 3000, dtype: 'float32' },
    ];
    for (const plugin of plugins)
      for (const shape of shapes) {
        const bytes = plugin.estimateWorkingBytes!(shape, {});
        expect(Number.isFinite(bytes), `${plugin.meta.name} ${shape.rows} x ${shape.cols}`).toBe(true);
        expect(bytes).toBeGreaterThan(0);
      }
  });

  it('counts at least what the result holds', async () => {
    for (const [rows, cols] of [
      [60, 40],
      [40, 60],
    ] as const) {
      const a = random(rows, cols, rows);
      const full = await svdFactorizer.factorize(a);
      const resultBytes = full.u.data.byteLength + full.v.data.byteLength + full.singularValues.byteLength;
      expect(svdFactorizer.estimateWorkingBytes!({ rows, cols })).toBeGreaterThan(resultBytes);
      const video = videoMatrixFrom(a.data, { frames: rows, width: cols, height: 1, channels: 1 });
      const split = await svdBackgroundFactorizer.factorize(video);
      expect(svdBackgroundFactorizer.estimateWorkingBytes!({ rows, cols })).toBeGreaterThan(
        split.lowRank.data.byteLength + split.sparse.data.byteLength,
      );
    }
  });

  it('svd: grows with the long side as about 5 copies of the input (3 in arrays, 2 in kernel scratch)', () => {
    setLinalgBackend('wasm', { threads: 2 });
    const n = 200;
    const at = (rows: number) => svdFactorizer.estimateWorkingBytes!({ rows, cols: n }, { rank: n });
    // Per extra row: Bt, its sorted and transposed copies (3 n numbers) and, on two threads, the
    // input and Bt copied into the kernel memory for the products (2 n).
    const perRow = (at(40000) - at(20000)) / 20000;
    const expected = 5 * n * 8;
    expect(perRow).toBeGreaterThan(0.98 * expected);
    expect(perRow).toBeLessThan(1.05 * expected);
  });

  it('svd: a rank below min(rows, cols) adds the truncated copies of U and V', () => {
    const shape = { rows: 3000, cols: 4000 };
    const full = svdFactorizer.estimateWorkingBytes!(shape, {});
    expect(svdFactorizer.estimateWorkingBytes!(shape, { rank: 50 }) - full).toBe((3000 + 4000) * 50 * 8);
  });

  it('randomized-svd: grows with rank + oversamples on the long side, transposed or not', () => {
    for (const shape of [
      { rows: 40000, cols: 300 },
      { rows: 300, cols: 40000 },
    ]) {
      const at = (rank: number) =>
        randomizedSvdFactorizer.estimateWorkingBytes!(shape, { rank, powerIterations: 4 });
      const small = at(20);
      const large = at(120);
      // LU between power iterations holds 4 blocks of long x (rank + oversamples) numbers at once;
      // one more dropped block may wait for the collector, and a product's C one in kernel memory.
      const perRank = (large - small) / 100;
      expect(perRank).toBeGreaterThan(4 * 40000 * 8);
      expect(perRank).toBeLessThan(7 * (40000 + 300) * 8);
    }
  });

  it('randomized-svd: a big input in ordinary memory is copied into the kernel memory only with two threads', () => {
    const shape = { rows: 3000, cols: 4000 };
    setLinalgBackend('wasm', { threads: 1 });
    const oneThread = randomizedSvdFactorizer.estimateWorkingBytes!(shape, { rank: 10 });
    setLinalgBackend('wasm', { threads: 2 });
    const twoThreads = randomizedSvdFactorizer.estimateWorkingBytes!(shape, { rank: 10 });
    // The copy, less the blocks that one thread keeps in its own module memory instead.
    const copy = 3000 * 4000 * 8;
    expect(twoThreads - oneThread).toBeGreaterThan(0.9 * copy);
    expect(twoThreads - oneThread).toBeLessThan(1.1 * copy);
  });

  it('randomized-svd: a video (channels stated) is read in the kernel memory the pipelines decode it into: no copy', () => {
    setLinalgBackend('wasm', { threads: 2 });
    const image = randomizedSvdFactorizer.estimateWorkingBytes!({ rows: 748, cols: 76800 }, { rank: 2 });
    const video = randomizedSvdFactorizer.estimateWorkingBytes!(
      { rows: 748, cols: 76800, channels: 1 },
      { rank: 2 },
    );
    expect(image - video).toBe(748 * 76800 * 8);
  });

  it('svd-background: doubling the frames doubles the dominant term, L and S', () => {
    const pixels = 76800;
    const at = (frames: number) =>
      svdBackgroundFactorizer.estimateWorkingBytes!({ rows: frames, cols: pixels });
    const matrix = (frames: number) => frames * pixels * 8;
    const extra = at(1496) - at(748);
    expect(extra).toBeGreaterThanOrEqual(2 * (matrix(1496) - matrix(748)));
    expect(extra).toBeLessThan(2.1 * (matrix(1496) - matrix(748)));
    // Beyond L and S: one block of L (128 of the 748 rows) in the single-thread kernels, the
    // randomized SVD's blocks (12 columns of 76800), the runtime.
    const beyond = at(748) - 2 * matrix(748);
    expect(beyond).toBeGreaterThan((128 / 748) * matrix(748) + RUNTIME_BYTES);
    expect(beyond).toBeLessThan(0.4 * matrix(748));
  });

  it('svd-background: a higher rank adds to the factors, not to L and S', () => {
    const shape = { rows: 748, cols: 19200 };
    const rank2 = svdBackgroundFactorizer.estimateWorkingBytes!(shape, {});
    const rank3 = svdBackgroundFactorizer.estimateWorkingBytes!(shape, { rank: 3 });
    expect(rank3).toBeGreaterThan(rank2);
    expect(rank3 - rank2).toBeLessThan(5 * MB);
  });

  it('refuses bad options with the option named, as factorize does', () => {
    expect(() => svdFactorizer.estimateWorkingBytes!({ rows: 10, cols: 10 }, { rank: 11 })).toThrow(/rank/);
    expect(() =>
      randomizedSvdFactorizer.estimateWorkingBytes!({ rows: 10, cols: 10 }, { oversamples: -1 }),
    ).toThrow(/oversamples/);
  });
});

describe('productMemory (the model of linalg products)', () => {
  const twoThreads = { simd: true, threads: 2 };

  it('puts a big product on the threads with its copied operands, C and workspaces in the kernel memory', () => {
    const memory = productMemory({ m: 1000, n: 1000, k: 1000, a: 1e6, b: 1e6 }, twoThreads);
    expect(memory.moduleBytes).toBe(0);
    // A, B and C, plus two packing workspaces (128 x 256 and 256 x min(1024, n) numbers each).
    expect(memory.kernelScratch).toBe((3e6 + 2 * (128 * 256 + 256 * 1000)) * 8);
  });

  it('splits a deep Gram of a small C into 16 partial products', () => {
    const memory = productMemory({ m: 748, n: 748, k: 76800, a: 0, b: 0, upperOnly: true }, twoThreads);
    expect(memory.kernelScratch).toBe((16 * 748 * 748 + 2 * (128 * 256 + 256 * 748)) * 8);
  });

  it('keeps a thin product with a big copy on one thread, with a block of C in the module memory', () => {
    // L = U_k diag(s) V_k^T for a 748 x 76800 video at rank 2: 2 multiply-adds per copied element.
    const memory = productMemory(
      { m: 748, n: 76800, k: 2, a: 748 * 2, b: 76800 * 2, aRows: true },
      twoThreads,
    );
    expect(memory.kernelScratch).toBe(0);
    expect(memory.moduleBytes).toBe((2 * 76800 + 132 * 2 + 128 * 76800) * 8);
  });
});
