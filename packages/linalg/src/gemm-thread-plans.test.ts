import { createRng, type DenseMatrix } from '@lowrank/core';
import { afterEach, describe, expect, it } from 'vitest';
import { setLinalgBackend } from './backend.js';
import { forceThreadedGemmForTests } from './gemm-dispatch.js';
import { operandBytesCopiedForTests } from './gemm-thread-plans.js';
import {
  allocateKernelMatrix,
  isKernelMatrix,
  kernelMatrixBytes,
  releaseKernelMatrix,
} from './kernel-memory.js';
import { gram, matmul } from './matmul.js';
import { prefaultKernelMatrix } from './prefault-kernel-matrix.js';
import { threadsSupported } from './threads-support.js';

function fillRandom(m: DenseMatrix<Float64Array>, seed: number): DenseMatrix<Float64Array> {
  const rng = createRng(seed);
  for (let i = 0; i < m.data.length; i++) m.data[i] = rng.next() * 2 - 1;
  return m;
}

function plainCopy(m: DenseMatrix<Float64Array>): DenseMatrix<Float64Array> {
  return { rows: m.rows, cols: m.cols, data: Float64Array.from(m.data) };
}

afterEach(() => {
  forceThreadedGemmForTests(false);
  setLinalgBackend('auto');
});

describe.runIf(threadsSupported())(
  'kernel matrices (operands already in the threaded kernels memory)',
  () => {
    it('allocates zero-filled matrices inside the kernel memory and reuses released space', () => {
      const a = allocateKernelMatrix(37, 29);
      expect(isKernelMatrix(a)).toBe(true);
      expect(isKernelMatrix({ rows: 1, cols: 1, data: new Float64Array(1) })).toBe(false);
      expect(a.data.length).toBe(37 * 29);
      expect(a.data.every((v) => v === 0)).toBe(true);
      fillRandom(a, 1);
      const address = a.data.byteOffset;
      releaseKernelMatrix(a);
      const b = allocateKernelMatrix(37, 29);
      expect(b.data.byteOffset).toBe(address);
      expect(b.data.every((v) => v === 0)).toBe(true);
      expect(kernelMatrixBytes()).toBe(Math.ceil((37 * 29 * 8) / 64) * 64); // whole 64-byte lines
      releaseKernelMatrix(b);
      expect(kernelMatrixBytes()).toBe(0);
    });

    it('allocates float32 kernel matrices, prefaults them on the threads, and multiplies them in place', () => {
      setLinalgBackend('wasm', { threads: 2 });
      // 300 x 1000 float32 (1.2 MB, many pages): a float32 image in the kernel memory.
      const a = allocateKernelMatrix(300, 1000, 'float32');
      expect(a.data).toBeInstanceOf(Float32Array);
      expect(isKernelMatrix(a)).toBe(true);
      expect(kernelMatrixBytes()).toBe(Math.ceil((300 * 1000 * 4) / 64) * 64);
      a.data.fill(5);
      // Prefaulting zeroes every element on both threads, the last page included.
      expect(prefaultKernelMatrix(a)).toBe(true);
      expect(a.data.every((v) => v === 0)).toBe(true);
      expect(prefaultKernelMatrix({ rows: 1, cols: 2, data: new Float32Array(2) })).toBe(false);
      const rng = createRng(21);
      for (let i = 0; i < a.data.length; i++) a.data[i] = rng.next();
      const y = { rows: 1000, cols: 60, data: new Float32Array(1000 * 60) };
      rng.fillNormal(y.data);
      try {
        const copiedBefore = operandBytesCopiedForTests();
        const threaded = matmul(a, y).data; // 18 M multiply-adds: both threads, A read where it is
        const copied = operandBytesCopiedForTests() - copiedBefore;
        expect(copied).toBeLessThan(a.data.byteLength);
        expect(copied).toBeGreaterThan(0); // y was copied, so the threaded path ran
        setLinalgBackend('js');
        const expected = matmul({ rows: 300, cols: 1000, data: Float32Array.from(a.data) }, y).data;
        for (let i = 0; i < expected.length; i++)
          expect(Math.abs(threaded[i]! - expected[i]!)).toBeLessThan(1e-4 * (1 + Math.abs(expected[i]!)));
      } finally {
        releaseKernelMatrix(a);
      }
      expect(kernelMatrixBytes()).toBe(0);
    });

    it("zero-fills a matrix that spans a product's dirty scratch and freshly grown memory", () => {
      forceThreadedGemmForTests(true);
      setLinalgBackend('wasm', { threads: 2 });
      // A product leaves its scratch (copied operands, packing buffers) above the live matrices.
      const t = fillRandom(allocateKernelMatrix(40, 300), 7);
      matmul(t, t, { transposeB: true });
      releaseKernelMatrix(t);
      // This one starts where t and the scratch were and ends in memory grown for it.
      const big = allocateKernelMatrix(300, 2000);
      expect(big.data.every((v) => v === 0)).toBe(true);
      releaseKernelMatrix(big);
    });

    it('schedules wide products by column units: right with C in kernel memory, accumulated or not', () => {
      forceThreadedGemmForTests(true);
      // 40 x 2600 with k = 300: wide (split by columns), several units of 1024 columns, a ragged last one.
      const a = fillRandom(allocateKernelMatrix(40, 300), 11);
      const b = fillRandom(allocateKernelMatrix(300, 2600), 12);
      const start = fillRandom(allocateKernelMatrix(40, 2600), 13);
      try {
        setLinalgBackend('js');
        const expected = matmul(plainCopy(a), plainCopy(b)).data;
        const accumulated = matmul(plainCopy(a), plainCopy(b), { out: plainCopy(start), beta: 1 }).data;
        for (const threads of [2, 3]) {
          setLinalgBackend('wasm', { threads });
          const plain = matmul(a, b).data;
          for (let i = 0; i < plain.length; i++)
            expect(Math.abs(plain[i]! - expected[i]!)).toBeLessThan(1e-12);
          const out = allocateKernelMatrix(40, 2600);
          out.data.set(start.data);
          matmul(a, b, { out, beta: 1 });
          for (let i = 0; i < plain.length; i++)
            expect(Math.abs(out.data[i]! - accumulated[i]!)).toBeLessThan(1e-12);
          releaseKernelMatrix(out);
        }
      } finally {
        for (const m of [a, b, start]) releaseKernelMatrix(m);
      }
    });

    it('schedules deep products by depth slices: right, upper triangle only for a Gram, and the same bits on 2 and 3 threads', () => {
      forceThreadedGemmForTests(true);
      // 37 x 9001: depth 9001 >= 16 slices of 256, a small C; 37 rows is not a multiple of 4.
      const x = fillRandom(allocateKernelMatrix(37, 9001), 14);
      const y = fillRandom(allocateKernelMatrix(9001, 6), 15);
      try {
        setLinalgBackend('js');
        const gramExpected = gram(plainCopy(x), 'AAt').data;
        const start = fillRandom({ rows: 37, cols: 6, data: new Float64Array(37 * 6) }, 16);
        const productExpected = matmul(plainCopy(x), plainCopy(y), {
          out: plainCopy(start),
          alpha: 3,
          beta: -1,
        }).data;
        const runs: Float64Array[] = [];
        for (const threads of [2, 3, 2]) {
          setLinalgBackend('wasm', { threads });
          const g = gram(x, 'AAt').data as Float64Array;
          for (let i = 0; i < g.length; i++)
            expect(Math.abs(g[i]! - gramExpected[i]!)).toBeLessThan(1e-11 * (1 + Math.abs(gramExpected[i]!)));
          const out = plainCopy(start);
          matmul(x, y, { out, alpha: 3, beta: -1 });
          for (let i = 0; i < out.data.length; i++)
            expect(Math.abs(out.data[i]! - productExpected[i]!)).toBeLessThan(1e-11);
          runs.push(g);
        }
        // Slices are summed in a fixed order whatever thread ran them.
        expect(runs[1]).toEqual(runs[0]);
        expect(runs[2]).toEqual(runs[0]);
      } finally {
        releaseKernelMatrix(x);
        releaseKernelMatrix(y);
      }
    });

    it('gives bit-identical products to ordinary arrays, and the scratch never touches live kernel matrices', () => {
      forceThreadedGemmForTests(true);
      setLinalgBackend('wasm', { threads: 2 });
      const t = fillRandom(allocateKernelMatrix(45, 301), 2);
      const w = fillRandom(allocateKernelMatrix(45, 45), 3);
      const bystander = fillRandom(allocateKernelMatrix(19, 23), 4);
      const bystanderBefore = Float64Array.from(bystander.data);
      const tPlain = plainCopy(t);
      const wPlain = plainCopy(w);
      try {
        // Zero-copy both operands, one operand, transposed, and the Gram (same operand twice).
        const copiedBefore = operandBytesCopiedForTests();
        const inPlace = matmul(w, t).data;
        expect(operandBytesCopiedForTests()).toBe(copiedBefore);
        expect(inPlace).toEqual(matmul(wPlain, tPlain).data);
        expect(operandBytesCopiedForTests()).toBeGreaterThan(copiedBefore);
        expect(matmul(wPlain, t).data).toEqual(matmul(wPlain, tPlain).data);
        expect(matmul(t, w, { transposeA: true }).data).toEqual(
          matmul(tPlain, wPlain, { transposeA: true }).data,
        );
        expect(gram(t, 'AAt').data).toEqual(gram(tPlain, 'AAt').data);
        expect(gram(t, 'AtA').data).toEqual(gram(tPlain, 'AtA').data);
        // An output in kernel memory, accumulated into (beta = 1).
        const out = fillRandom(allocateKernelMatrix(45, 301), 5);
        const outPlain = plainCopy(out);
        matmul(w, t, { out, beta: 1 });
        matmul(wPlain, tPlain, { out: outPlain, beta: 1 });
        expect(out.data).toEqual(outPlain.data);
        releaseKernelMatrix(out);
        expect(t.data).toEqual(tPlain.data);
        expect(w.data).toEqual(wPlain.data);
        expect(bystander.data).toEqual(bystanderBefore);
      } finally {
        releaseKernelMatrix(t);
        releaseKernelMatrix(w);
        releaseKernelMatrix(bystander);
      }
    });

    it('keeps kernel matrices usable when the thread pool stops and restarts', () => {
      const t = fillRandom(allocateKernelMatrix(16, 40), 6);
      forceThreadedGemmForTests(true);
      setLinalgBackend('wasm', { threads: 2 });
      const before = gram(t, 'AAt').data;
      setLinalgBackend('wasm', { threads: 1 }); // stops the workers
      expect(isKernelMatrix(t)).toBe(true);
      setLinalgBackend('wasm', { threads: 3 });
      expect(gram(t, 'AAt').data).toEqual(before);
      releaseKernelMatrix(t);
    });
  },
);

describe('releaseKernelMatrix', () => {
  it('ignores ordinary matrices', () => {
    expect(() => releaseKernelMatrix({ rows: 2, cols: 2, data: new Float64Array(4) })).not.toThrow();
  });
});
