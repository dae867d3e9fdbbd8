import { createRng, type DenseMatrix, ssim, zeros } from '@lowrank/core';
import {
  allocateKernelMatrix,
  releaseKernelMatrix,
  setLinalgBackend,
  threadsSupported,
} from '@lowrank/linalg';
import { afterAll, describe, expect, it } from 'vitest';
import { imageQuality, planeBands } from './image-quality.js';
import { SsimStripsOnThreads } from './ssim-strips-threaded.js';
import { streamingImageQuality } from './streaming-quality.js';

/** Smooth structure plus noise in [0, 1], as float64 or float32 (the big-image path). */
function image(rows: number, cols: number, seed: number, float32 = false): DenseMatrix {
  const rng = createRng(seed);
  const m = zeros(rows, cols, float32 ? 'float32' : 'float64');
  for (let i = 0; i < rows; i++)
    for (let j = 0; j < cols; j++)
      m.data[i * cols + j] = Math.min(
        1,
        Math.max(0, 0.5 + 0.3 * Math.sin(i / 5 + j / 7) + 0.1 * rng.normal()),
      );
  return m;
}

/** A degraded copy: blurred a little toward a second image, clamped. */
function degraded(original: DenseMatrix, seed: number): DenseMatrix<Float64Array> {
  const other = image(original.rows, original.cols, seed);
  return {
    rows: original.rows,
    cols: original.cols,
    data: Float64Array.from(original.data, (v, k) => 0.8 * v + 0.2 * other.data[k]!),
  };
}

/**
 * The kernel's window sums are float32: one window's SSIM moves by up to a few 1e-6 (the 11 x 11
 * image below, a single window: 2.2e-6), the mean over the megapixels where 'auto' runs the kernel
 * by less (8e-7 on a 24-megapixel photo). A wrong tap, column or row moves it by far more. The
 * squared error and the energy are float64 sums, held to 1e-12.
 */
const FLOAT32_WINDOWS = 1e-5;

describe.runIf(threadsSupported())('SSIM, squared error and energy on WebAssembly threads', () => {
  afterAll(() => setLinalgBackend('auto'));

  for (const threads of [2, 3]) {
    it(`equal core's whole-image SSIM over many bands and strips (${threads} threads)`, () => {
      setLinalgBackend('wasm', { threads });
      // 600 columns: output strips of 256, 256 and 78 (even and odd tails); 77 rows in bands of 16.
      for (const [rows, cols, float32] of [
        [77, 600, false],
        [40, 267, true],
        [11, 11, false],
      ] as const) {
        const x = image(rows, cols, rows + cols, float32);
        const y = degraded(x, 5);
        const whole = imageQuality([x], [y]);
        for (const bandRows of [16, 64]) {
          const threaded = streamingImageQuality([x], planeBands([y]), bandRows, 'threads');
          expect(Math.abs(threaded.ssim - whole.ssim)).toBeLessThan(FLOAT32_WINDOWS);
          expect(Math.abs(threaded.ssim - ssim(x, y))).toBeLessThan(FLOAT32_WINDOWS);
          expect(threaded.psnr).toBeCloseTo(whole.psnr, 10);
          expect(Math.abs(threaded.relativeError - whole.relativeError)).toBeLessThan(1e-12);
          const javascript = streamingImageQuality([x], planeBands([y]), bandRows, 'javascript');
          expect(Math.abs(threaded.ssim - javascript.ssim)).toBeLessThan(FLOAT32_WINDOWS);
          expect(Math.abs(javascript.ssim - whole.ssim)).toBeLessThan(1e-12);
        }
      }
    });
  }

  it('clamps the approximation as it reads it (NaN to 0) in both engines, and reads a float32 image in place', () => {
    setLinalgBackend('wasm', { threads: 2 });
    const rows = 40;
    const cols = 300;
    const source = image(rows, cols, 12, true);
    // The big-image path: a float32 image in the kernel memory, read there without a copy.
    const x = allocateKernelMatrix(rows, cols, 'float32');
    x.data.set(source.data);
    const y = degraded(source, 13);
    for (const [k, value] of [
      [5, 1.7],
      [401, -0.3],
      [1234, Number.NaN],
      [6001, 2],
    ] as const)
      y.data[k] = value;
    // biome-ignore lint/complexity/useMathMinMax: NaN must map to 0
    const clamped = { ...y, data: y.data.map((v) => (v > 0 ? (v < 1 ? v : 1) : 0)) };
    const whole = imageQuality([x], [clamped]);
    try {
      for (const engine of ['threads', 'javascript'] as const) {
        const q = streamingImageQuality([x], planeBands([y]), 16, engine);
        expect(Math.abs(q.ssim - whole.ssim)).toBeLessThan(engine === 'threads' ? FLOAT32_WINDOWS : 1e-12);
        expect(q.psnr).toBeCloseTo(whole.psnr, 10);
        expect(Math.abs(q.relativeError - whole.relativeError)).toBeLessThan(1e-12);
      }
    } finally {
      releaseKernelMatrix(x);
    }
  });

  it('really runs on the threads: the sums come from the kernel, window by window', () => {
    setLinalgBackend('wasm', { threads: 2 });
    const rows = 30;
    const cols = 300;
    const x = image(rows, cols, 1);
    const y = degraded(x, 2);
    const window = new Float64Array(11);
    for (let i = 0; i < 11; i++) window[i] = Math.exp(-((i - 5) ** 2) / (2 * 1.5 ** 2));
    const total = window.reduce((a, b) => a + b, 0);
    for (let i = 0; i < 11; i++) window[i]! /= total;
    const sums = SsimStripsOnThreads.open(rows, cols, 8, window);
    expect(sums).not.toBeNull();
    try {
      for (let first = 0; first < rows; first += 8) {
        const count = Math.min(8, rows - first);
        const band = sums!.bandBuffer(count);
        band.set(y.data.subarray(first * cols, (first + count) * cols));
        expect(sums!.push(x.data, first * cols, band, count)).toBe(true);
      }
    } finally {
      sums!.close();
    }
    expect(sums!.ssimCount).toBe((rows - 10) * (cols - 10));
    expect(Math.abs(sums!.ssimSum / sums!.ssimCount - ssim(x, y))).toBeLessThan(FLOAT32_WINDOWS);
    let squared = 0;
    let energy = 0;
    for (let k = 0; k < x.data.length; k++) {
      squared += (x.data[k]! - y.data[k]!) ** 2;
      energy += x.data[k]! ** 2;
    }
    expect(Math.abs(sums!.squared - squared)).toBeLessThan(1e-12 * squared);
    expect(Math.abs(sums!.energy - energy)).toBeLessThan(1e-12 * energy);
  });

  it('gives SSIM 1 and zero error for an exact copy', () => {
    setLinalgBackend('wasm', { threads: 2 });
    const x = image(40, 300, 9);
    const q = streamingImageQuality([x], planeBands([x]), 16, 'threads');
    expect(q.psnr).toBe(Number.POSITIVE_INFINITY);
    expect(q.relativeError).toBe(0);
    expect(Math.abs(q.ssim - 1)).toBeLessThan(1e-14);
  });
});
