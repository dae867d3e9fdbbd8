import type { DenseMatrix, MatrixData } from '@lowrank/core';
import type { WasmMemory } from './gemm-wasm.js';
import { threadsSupported } from './threads-support.js';

/**
 * The shared WebAssembly.Memory every threaded kernel module is instantiated on, and the matrices
 * that live in it (allocateKernelMatrix). Its byte layout: the first 64 KiB for the work counters
 * of the threaded kernels (threaded kernel modules carry no static data, so nothing else is
 * there), then kernel matrices (first fit), then each call's scratch (copied operands, C, packing
 * buffers) above the highest one. The memory is created once and kept while kernel matrices live
 * in it or the worker pool runs on it.
 */
interface SharedKernelMemory {
  readonly memory: WasmMemory;
  /** Every buffer object memory.buffer has returned (it changes on grow): views on them are inside. */
  readonly buffers: WeakSet<ArrayBufferLike>;
}

/** First byte of the kernel matrices: below it, the work counters. */
export const HEAP_BASE = 65536;
/** WebAssembly memory is limited to 4 GiB (65536 pages). */
export const MAX_KERNEL_MEMORY_BYTES = 4 * 1024 * 1024 * 1024 - 65536;

let shared: SharedKernelMemory | null = null;
/** Live kernel matrices: byte address -> byte length. */
const allocations = new Map<number, number>();
/** True while the worker pool runs on the memory: then it is kept even with no matrix in it. */
let pinned = false;

export function roundUp(x: number, step: number): number {
  return Math.ceil(x / step) * step;
}

/** The kernel memory, created on first use; null where shared WebAssembly memory is unavailable. */
export function kernelMemory(): WasmMemory | null {
  if (shared) return shared.memory;
  const api = (globalThis as { WebAssembly?: { Memory: new (d: object) => WasmMemory } }).WebAssembly;
  if (!api || typeof SharedArrayBuffer !== 'function') return null;
  try {
    const memory = new api.Memory({ initial: 1, maximum: 65536, shared: true });
    shared = { memory, buffers: new WeakSet() };
    return memory;
  } catch {
    return null;
  }
}

/** Keeps the memory while the worker pool runs on it; unpinned, it goes once no matrix lives in it. */
export function pinKernelMemory(pin: boolean): void {
  pinned = pin;
  dropUnusedMemory();
}

function dropUnusedMemory(): void {
  if (allocations.size === 0 && !pinned) shared = null;
}

/**
 * The current buffer of the kernel memory, remembered so views on it are recognised later.
 * Call it after any growth, before making views.
 */
export function kernelBuffer(): ArrayBuffer {
  const s = shared;
  if (!s) throw new Error('The kernel memory does not exist.');
  const buffer = s.memory.buffer;
  s.buffers.add(buffer);
  return buffer;
}

/** Byte address of `data` inside the kernel memory, or -1 when it is an ordinary array. */
export function kernelAddress(data: MatrixData | Int32Array | Uint8Array): number {
  if (!shared?.buffers.has(data.buffer)) return -1;
  return data.byteOffset;
}

/** First byte above every live kernel matrix (64-byte aligned): where a call's scratch starts. */
export function allocationTop(): number {
  let top = HEAP_BASE;
  for (const [address, bytes] of allocations) top = Math.max(top, address + bytes);
  return roundUp(top, 64);
}

/** Grows the kernel memory to at least `bytes`; false when it does not exist or the engine refuses. */
export function growKernelMemory(bytes: number): boolean {
  const memory = shared?.memory;
  if (!memory || bytes > MAX_KERNEL_MEMORY_BYTES) return false;
  const have = memory.buffer.byteLength;
  if (bytes <= have) return true;
  try {
    memory.grow(Math.ceil((bytes - have) / 65536));
    return true;
  } catch {
    return false;
  }
}

/**
 * A zero-filled rows x cols matrix (float64, or float32 when asked) whose data lives in the shared
 * memory the threaded kernels read, so products on it skip the copy into that memory. Falls back
 * to an ordinary array (same results, copies as before) when threads are unsupported or the memory
 * cannot grow (WebAssembly memory is limited to 4 GiB). Free it with releaseKernelMatrix when done.
 */
export function allocateKernelMatrix(rows: number, cols: number): DenseMatrix<Float64Array>;
export function allocateKernelMatrix(rows: number, cols: number, dtype: 'float64'): DenseMatrix<Float64Array>;
export function allocateKernelMatrix(rows: number, cols: number, dtype: 'float32'): DenseMatrix<Float32Array>;
export function allocateKernelMatrix(
  rows: number,
  cols: number,
  dtype: 'float64' | 'float32' = 'float64',
): DenseMatrix {
  const Elements = dtype === 'float32' ? Float32Array : Float64Array;
  const bytes = roundUp(rows * cols * Elements.BYTES_PER_ELEMENT, 64);
  const memory = threadsSupported() && bytes > 0 ? kernelMemory() : null;
  if (!memory) return { rows, cols, data: new Elements(rows * cols) };
  // First fit between live matrices, else on top.
  const taken = [...allocations].sort((x, y) => x[0] - y[0]);
  let address = HEAP_BASE;
  for (const [start, length] of taken) {
    if (address + bytes <= start) break;
    address = Math.max(address, roundUp(start + length, 64));
  }
  const end = address + bytes;
  // Bytes past the memory's current end arrive zeroed by the grow. Leaving them untouched also
  // leaves their page faults (about 1 s per 460 MB on a VM) to the first writer, which is often a
  // pass on every thread, instead of a fill here on one.
  const freshFrom = memory.buffer.byteLength;
  // Past 4 GiB, or the engine may not reserve more memory: ordinary arrays still work.
  if (!growKernelMemory(end)) return { rows, cols, data: new Elements(rows * cols) };
  const data = new Elements(kernelBuffer(), address, rows * cols);
  if (address < freshFrom)
    data.fill(0, 0, Math.min(rows * cols, (freshFrom - address) / Elements.BYTES_PER_ELEMENT));
  allocations.set(address, bytes);
  return { rows, cols, data };
}

const releaseOnCollect =
  typeof FinalizationRegistry === 'function'
    ? new FinalizationRegistry<number>((address) => {
        allocations.delete(address);
        dropUnusedMemory();
      })
    : undefined;

/** Frees a matrix from allocateKernelMatrix (ordinary matrices are ignored); do not use it afterwards. */
export function releaseKernelMatrix(matrix: DenseMatrix): void {
  const address = kernelAddress(matrix.data);
  if (address >= 0 && allocations.has(address)) {
    allocations.delete(address);
    releaseOnCollect?.unregister(matrix.data);
  }
  dropUnusedMemory();
}

/**
 * Hands a kernel matrix to code that will not release it (a result returned to a caller): its
 * space is freed for reuse once its data array is garbage-collected. Ordinary matrices are ignored.
 * WebAssembly memory never shrinks; stopping the threads (setLinalgBackend(..., { threads: 1 }))
 * gives it back once nothing lives in it.
 */
export function releaseKernelMatrixWhenCollected(matrix: DenseMatrix): void {
  const address = kernelAddress(matrix.data);
  if (address >= 0 && allocations.has(address)) releaseOnCollect?.register(matrix.data, address, matrix.data);
}

/**
 * A zero-filled Float64Array in the kernel memory that frees itself once garbage-collected (an
 * ordinary array where threads are unsupported), for data that outlives any one call: a decoded
 * video (readVideoMatrix's `allocate` option), which threaded kernels then read where it is.
 * Keep the array itself referenced while any view of it (subarray) is in use.
 */
export function allocateCollectedKernelArray(length: number): Float64Array {
  const matrix = allocateKernelMatrix(1, length);
  releaseKernelMatrixWhenCollected(matrix);
  return matrix.data;
}

/** Bytes held by live kernel matrices (0 once every one is released). */
export function kernelMatrixBytes(): number {
  let total = 0;
  for (const bytes of allocations.values()) total += bytes;
  return total;
}

/** True when `matrix` lives in the threaded kernels' memory (its products skip the operand copy). */
export function isKernelMatrix(matrix: DenseMatrix): boolean {
  return kernelAddress(matrix.data) >= 0;
}

/**
 * True when these elements (a kernel matrix's data, or a view of it) live in the kernel memory:
 * threaded kernels can take them as pointer arguments.
 */
export function isKernelArray(data: MatrixData): boolean {
  return kernelAddress(data) >= 0;
}
