import { isKernelArray, kernelMatrixBytes, threadsSupported } from '@lowrank/linalg';
import { describe, expect, it } from 'vitest';
import { KernelDecodeAllocator } from './kernel-decode-allocator.js';

const kernel = threadsSupported();

describe('KernelDecodeAllocator', () => {
  it('gives an over-counted decode its exact array at the same address: one copy of the frames', () => {
    const before = kernelMatrixBytes();
    const storage = new KernelDecodeAllocator();
    const first = storage.allocate(1000);
    first.fill(0.5);
    const exact = storage.allocate(900);
    expect(exact).toHaveLength(900);
    expect(exact.buffer).toBe(first.buffer);
    expect(exact.byteOffset).toBe(first.byteOffset);
    // readVideoMatrix copies the frames into the exact array: here onto themselves.
    exact.set(first.subarray(0, 900));
    expect(exact[899]).toBe(0.5);
    expect(isKernelArray(exact)).toBe(kernel);
    storage.settle(exact);
    // Still held (it frees itself once collected): the capacity's 8000 bytes, no second array.
    if (kernel) expect(kernelMatrixBytes() - before).toBe(8000);
  });

  it('releases the arrays a growing decode left behind, and everything after an error', () => {
    const before = kernelMatrixBytes();
    const storage = new KernelDecodeAllocator();
    const small = storage.allocate(800);
    const grown = storage.allocate(1208);
    expect(grown.byteOffset).not.toBe(small.byteOffset);
    storage.settle(grown);
    if (kernel) expect(kernelMatrixBytes() - before).toBe(1208 * 8);

    const failed = new KernelDecodeAllocator();
    failed.allocate(4000);
    failed.settle(undefined);
    if (kernel) expect(kernelMatrixBytes() - before).toBe(1208 * 8);
  });
});
