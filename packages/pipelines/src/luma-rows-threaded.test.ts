import { lumaFromRgb, samplesInMemory } from '@lowrank/io';
import {
  allocateKernelMatrix,
  releaseKernelMatrix,
  setLinalgBackend,
  threadsSupported,
} from '@lowrank/linalg';
import { afterAll, describe, expect, it } from 'vitest';
import { lumaOnThreads } from './luma-rows-threaded.js';

describe.runIf(threadsSupported())('lumaOnThreads', () => {
  afterAll(() => setLinalgBackend('auto'));

  it("gives lumaFromRgb's float32 values on all 2^24 RGB triples, RGB and RGBA, on 2 and 3 threads", () => {
    const pixels = 1 << 24;
    for (const stride of [3, 4]) {
      const samples = new Uint8Array(pixels * stride);
      for (let p = 0; p < pixels; p++) {
        samples[stride * p] = p >>> 16;
        samples[stride * p + 1] = (p >>> 8) & 255;
        samples[stride * p + 2] = p & 255;
        if (stride === 4) samples[stride * p + 3] = 255;
      }
      const expected = new Float32Array(pixels);
      lumaFromRgb(samples, pixels, expected, 255, stride);
      for (const threads of stride === 3 ? [2, 3] : [2]) {
        setLinalgBackend('wasm', { threads });
        const out = allocateKernelMatrix(1, pixels, 'float32');
        try {
          expect(lumaOnThreads(samplesInMemory(samples), pixels, out.data, stride)).toBe(true);
          let mismatches = 0;
          for (let p = 0; p < pixels; p++) if (out.data[p] !== expected[p]) mismatches++;
          expect(mismatches).toBe(0);
        } finally {
          releaseKernelMatrix(out);
        }
      }
    }
  });

  it('declines (false, nothing written) for an ordinary array or one thread', () => {
    setLinalgBackend('wasm', { threads: 2 });
    const samples = new Uint8Array([10, 20, 30, 40, 50, 60]);
    const ordinary = new Float32Array(2);
    expect(lumaOnThreads(samplesInMemory(samples), 2, ordinary, 3)).toBe(false);
    expect(Array.from(ordinary)).toEqual([0, 0]);
    setLinalgBackend('wasm', { threads: 1 });
    const out = allocateKernelMatrix(1, 2, 'float32');
    try {
      expect(lumaOnThreads(samplesInMemory(samples), 2, out.data, 3)).toBe(false);
    } finally {
      releaseKernelMatrix(out);
    }
  });
});
