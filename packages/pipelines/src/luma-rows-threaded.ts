import type { SampleSlices } from '@lowrank/io';
import {
  allocateKernelMatrix,
  defineThreadedKernels,
  isKernelArray,
  isKernelMatrix,
  linalgBackend,
  releaseKernelMatrix,
  runKernelOnThreads,
} from '@lowrank/linalg';
import { LUMA_ROWS_WASM_BASE64 } from './generated/luma-rows-wasm-binary.js';

/**
 * @lowrank/io's 8-bit RGB to luma conversion (luma.ts) on linalg's worker threads
 * (assembly/luma-rows.ts, the same operations, so the same values): for readImage's `convertLuma`
 * when the gray image goes into the kernel memory. The decoder's samples are ordinary memory (or a
 * spool file) the threads cannot read, so they pass through a small staging buffer, a slice at a time.
 */
const lumaKernels = defineThreadedKernels({
  name: '@lowrank/pipelines luma',
  binaries: { simd128: LUMA_ROWS_WASM_BASE64 },
  warmUpBytesPerThread: 64,
  kernels: {
    lumaRows: {
      args: { rgb: 'pointer', stride: 'i32', from: 'i32', to: 'i32', out: 'pointer', level: 'pointer' },
      // Four pixels of the (arbitrary) shared warm-up operand, into the thread's own region; the
      // table is that operand too, its values arbitrary.
      warmUp: (s, t) => ({ rgb: s.a, stride: 3, from: 0, to: 4, out: s.own(t), level: s.b }),
    },
  },
});

/** The kernel, for prepareKernelThreads: its warm-up then happens with the others', ahead of use. */
export const lumaRowsKernel = lumaKernels.lumaRows;

/** Pixels a slice: 3 MB of RGB, copied in well under a millisecond, then split between the threads. */
const SLICE_PIXELS = 1 << 20;

/**
 * Converts `pixels` interleaved 8-bit samples (`stride` bytes a pixel) into `out`, a float32 array in
 * the kernel memory, on the threads. Returns false, having written nothing, where they do not run
 * or `out` is not in the kernel memory: the caller converts in JavaScript then.
 */
export function lumaOnThreads(
  samples: SampleSlices,
  pixels: number,
  out: Float32Array,
  stride: number,
): boolean {
  const threads = linalgBackend().threads;
  if (threads < 2 || !isKernelArray(out) || out.length < pixels || samples.length < pixels * stride)
    return false;
  const slice = Math.min(pixels, SLICE_PIXELS);
  // The staging buffer and the table: float64 kernel matrices, viewed as bytes and float32.
  const staging = allocateKernelMatrix(1, Math.ceil((slice * stride) / 8));
  const table = allocateKernelMatrix(1, 128);
  try {
    if (!isKernelMatrix(staging) || !isKernelMatrix(table)) return false;
    const bytes = new Uint8Array(staging.data.buffer, staging.data.byteOffset, slice * stride);
    const level = new Float32Array(table.data.buffer, table.data.byteOffset, 256);
    for (let v = 0; v < 256; v++) level[v] = v / 255;
    for (let first = 0; first < pixels; first += slice) {
      const count = Math.min(slice, pixels - first);
      samples.read(bytes.subarray(0, count * stride), first * stride);
      const share = Math.ceil(count / threads);
      const ran = runKernelOnThreads(lumaKernels.lumaRows, threads, { rgb: bytes, stride, level }, (t) => {
        const from = Math.min(count, t * share);
        const to = Math.min(count, from + share);
        return { from, to, out: out.subarray(first + from, first + to) };
      });
      if (!ran) {
        if (first === 0) return false;
        throw new Error('lumaOnThreads: the threads stopped running in the middle of an image.');
      }
    }
    return true;
  } finally {
    releaseKernelMatrix(staging);
    releaseKernelMatrix(table);
  }
}
