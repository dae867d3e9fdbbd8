import type { InputShape } from '@lowrank/core';
import { linalgBackend } from '@lowrank/linalg';
import { DEFAULT_KRYLOV_DEPTH } from './block-krylov-svd.js';
import { autoPowerIterations } from './randomized-svd.js';

/**
 * What the SVD plugins hold at their peak, for estimateWorkingBytes: counted from what
 * gram-jacobi-svd.ts, randomized-svd.ts and svd-background-plugin.ts allocate, with
 * @lowrank/linalg's memory use modelled from its kernels (gemm-threads.ts, gemm-wasm.ts):
 *
 * - JavaScript arrays live at the method's fullest moment;
 * - the kernels' shared WebAssembly memory: live kernel matrices plus the largest product's scratch
 *   above them (operands copied in, C, packing buffers). It grows and never shrinks, so its high-water
 *   mark stays resident once touched;
 * - the single-threaded kernels' own WebAssembly memory, sized by the largest product run there (its
 *   block of C, 128 rows of a wide output, is the big term), which never shrinks either;
 * - an allowance for the runtime: V8's heap grows while a method allocates (small arrays, compiled
 *   code), and dead typed arrays wait for the collector.
 *
 * Checked against peak RSS by packages/cli/bench/measure-working-memory.mjs.
 */

const BYTES = 8;

/**
 * V8's heap growth and compiled code while a method runs (small arrays, optimized functions):
 * the randomized SVD of a 512 x 512 image at rank 50 holds under 5 MB of arrays but grows RSS by
 * 10-23 MB.
 */
export const RUNTIME_BYTES = 8 * 2 ** 20;
/**
 * Dead typed arrays wait for the collector: measured, about half of what a method allocates and
 * drops (its churn) is still resident at the peak, up to this much or the largest array it drops
 * (V8 collects young arrays once they add up to about 32 MB or to the next allocation's size).
 * The increments of the same 512 x 512 input vary by 10 MB between runs (the collector's timing),
 * so small inputs are within 15% only on average.
 */
export const COLLECTOR_SLACK_BYTES = 20 * 2 ** 20;

/** What svd-background's randomized SVD leaves in the allocator's free lists at most (see there). */
const RETAINED_BLOCKS_BYTES = 48 * 2 ** 20;

// @lowrank/linalg's GEMM constants (gemm-threads.ts, gemm-dispatch.ts, gemm-wasm.ts).
const MR = 4;
const NR = 4;
const KC = 256;
const MC = 128;
const NC = 1024;
const DEPTH_UNITS = 16;
const DEPTH_PARTIAL_ELEMENTS = 1 << 20;
const WASM_MIN_WORK = 24 * 24 * 24;
const THREADS_MIN_WORK = 1 << 22;
const THREADS_SMALL_COPY = 1 << 21;
const THREADS_MIN_WORK_PER_COPIED = 64;
const C_BLOCK_ELEMENTS = 4 << 20;
const WHOLE_B_ELEMENTS = 4 << 20;
const A_ROWS_ELEMENTS = 4 << 20;
const RAW_CHUNK_ELEMENTS = 4 << 20;
/** randomized-svd.ts copies inputs of at least this many elements into the kernel memory (two threads). */
const KERNEL_COPY_MIN_ELEMENTS = 1 << 22;

function roundUp(x: number, step: number): number {
  return Math.ceil(x / step) * step;
}

/** One product C (m x n) = op(A) (m x k) op(B) (k x n), as linalg's gemm dispatches it. */
export interface ProductShape {
  readonly m: number;
  readonly n: number;
  readonly k: number;
  /** Elements of A's array, copied into the kernel memory by the threaded path; 0 when it lives there. */
  readonly a: number;
  /** Same for B; 0 also when B is A's array again (copied once). */
  readonly b: number;
  /** B is A's array (a Gram product): it counts as not in the kernel memory but is copied once. */
  readonly sameOperand?: boolean;
  /** True when C lives in the kernel memory (the kernels then write it in place when its shape allows). */
  readonly cInKernel?: boolean;
  /** A Gram product (upper triangle only). */
  readonly upperOnly?: boolean;
  /** op(A) = A with contiguous rows (not transposed): the single-thread path then reads A's rows unpacked. */
  readonly aRows?: boolean;
}

/** Memory one product takes: scratch in the shared kernel memory, or the single-thread module's size. */
export interface ProductMemory {
  readonly kernelScratch: number;
  readonly moduleBytes: number;
}

/**
 * Where linalg runs this product and what it allocates for it (gemm-dispatch.ts, gemmThreaded,
 * gemmWasm), with the backend in use (WebAssembly SIMD or not, threads).
 */
export function productMemory(
  p: ProductShape,
  backend: { readonly simd: boolean; readonly threads: number } = linalgBackend(),
): ProductMemory {
  const { m, n, k } = p;
  const work = m * n * k;
  if (!backend.simd || work < WASM_MIN_WORK) return { kernelScratch: 0, moduleBytes: 0 };
  const threads = backend.threads;
  const bOutside = p.b > 0 || p.sameOperand === true;
  const copied = (p.cInKernel ? 0 : m * n) + (p.a > 0 ? m * k : 0) + (bOutside ? k * n : 0);
  const threadsPay =
    work >= THREADS_MIN_WORK &&
    (copied <= THREADS_SMALL_COPY || work / Math.max(copied, 1) >= THREADS_MIN_WORK_PER_COPIED);
  const nPad = roundUp(n, NR);
  const mPad = roundUp(m, MR);
  if (threads > 1 && threadsPay) {
    const cInPlace = p.cInKernel === true && m % MR === 0 && n % NR === 0;
    const byColumns = !p.upperOnly && (m <= 2 * MC || m * 32 <= n) && n >= threads * NC;
    const depthUnits = !byColumns && k >= DEPTH_UNITS * KC && mPad * nPad <= DEPTH_PARTIAL_ELEMENTS;
    const c = cInPlace || depthUnits ? 0 : mPad * nPad;
    const units = byColumns
      ? Math.ceil(k / KC) * Math.ceil(m / MC) * MC * KC
      : depthUnits
        ? DEPTH_UNITS * mPad * nPad
        : 0;
    const workspace = threads * (MC * KC + KC * Math.min(NC, nPad));
    return { kernelScratch: (p.a + p.b + c + units + workspace) * BYTES, moduleBytes: 0 };
  }
  // Single thread: blocks of the operands and of C in the module's own memory.
  const blockRows = (mc: number) =>
    Math.min(mPad, Math.max(mc, Math.floor(C_BLOCK_ELEMENTS / nPad / MC) * MC));
  if (!p.upperOnly && p.aRows && k * nPad <= WHOLE_B_ELEMENTS && MC * k <= A_ROWS_ELEMENTS) {
    return { kernelScratch: 0, moduleBytes: (k * nPad + (MC + MR) * k + blockRows(MC) * nPad) * BYTES };
  }
  const mc = Math.min(MC, mPad);
  const raw = !p.aRows && KC * m <= RAW_CHUNK_ELEMENTS ? Math.min(KC, k) * m : 0;
  const elements = mc * Math.min(KC, k) + Math.min(KC, k) * Math.min(NC, nPad) + raw + blockRows(mc) * nPad;
  return { kernelScratch: 0, moduleBytes: elements * BYTES };
}

/** Running totals: JavaScript arrays at their fullest, kernel-memory and module high-water marks. */
export class MemoryTally {
  /** Largest sum of live JavaScript arrays, in elements. */
  arrays = 0;
  /** Elements allocated and dropped while the method runs (garbage for the collector). */
  churn = 0;
  /** The largest array dropped just before the peak (elements), which may not be collected yet. */
  largestDropped = 0;
  /** Kernel matrices that stay allocated (under every product's scratch). */
  kernelLive = 0;
  /** High-water mark of the kernel memory beyond what it held before. */
  kernel = 0;
  /** High-water mark of the single-thread module's memory. */
  module = 0;

  product(p: ProductShape): void {
    const memory = productMemory(p);
    this.kernel = Math.max(this.kernel, this.kernelLive + memory.kernelScratch);
    this.module = Math.max(this.module, memory.moduleBytes);
  }

  /** A kernel matrix allocated for the rest of the run. */
  allocateKernel(elements: number): void {
    this.kernelLive += elements * BYTES;
    this.kernel = Math.max(this.kernel, this.kernelLive);
  }

  /** Everything, with the runtime's heap and the collector's slack. */
  total(): number {
    const slack = Math.min(
      (this.churn * BYTES) / 2,
      Math.max(COLLECTOR_SLACK_BYTES, this.largestDropped * BYTES),
    );
    return this.arrays * BYTES + this.kernel + this.module + RUNTIME_BYTES + slack;
  }
}

/**
 * The exact SVD (gram-jacobi-svd.ts) of an m x n float64 matrix in ordinary memory, keeping `rank`
 * columns of U and V (the plugin copies them when rank < min(m, n)). Returns the JavaScript arrays'
 * peak in elements and records the products in `tally`.
 */
export function tallyExactSvd(tally: MemoryTally, m: number, n: number, rank: number): number {
  const p = Math.min(m, n);
  const long = Math.max(m, n);
  const input = m * n;
  // Gram (p x p, upper triangle), then Bt = W^T X^T (p x long), then the Jacobi sweeps' screen
  // products (at most p active rows) against Bt.
  tally.product({ m: p, n: p, k: long, a: input, b: 0, sameOperand: true, upperOnly: true });
  tally.product({ m: p, n: long, k: p, a: p * p, b: input });
  tally.product({ m: p, n: p, k: long, a: p * long, b: p * long, aRows: true });
  const square = p * p;
  const arrays = Math.max(
    // The eigendecomposition: the Gram and the divide-and-conquer solver's top merge.
    square + symmetricEigenElements(p),
    // The first Jacobi sweep: G, W, Bt, Wt, the active rows and their screen.
    2 * p * long + 4 * square,
    // Sorting into factors: Bt, Wt and their sorted and transposed copies, with G and W.
    3 * p * long + 5 * square,
  );
  // Dropped: the eigensolver's merges at every level (about twice the top one) and the Jacobi
  // sweeps' active rows and screens (about two sweeps' worth of the first).
  tally.churn += 2 * symmetricEigenElements(p) + 2 * (p * long + square);
  // Truncated factors are copies beside the full ones.
  return arrays + (rank < p ? (m + n) * rank : 0);
}

/**
 * Peak elements of @lowrank/linalg's symmetricEigen on an n x n matrix (divide and conquer): at the
 * top merge, the two halves' vectors (n^2 / 2), the merged basis, the secular system and its
 * product, the merged vectors and their sorted copy (about n^2 each), and the reflectors applied
 * after it (n^2). Its work matrix (n^2) is in the kernel memory from n = 128 on, in JavaScript below.
 */
export function symmetricEigenElements(n: number): number {
  return 7 * n * n;
}

export interface RandomizedSvdShapeSettings {
  readonly rank: number;
  readonly oversamples: number;
  readonly powerIterations: number | 'auto';
  readonly normalizer: 'auto' | 'none' | 'LU' | 'QR';
}

/**
 * randomizedSvd (randomized-svd.ts) on an m x n float64 matrix: returns the JavaScript arrays'
 * peak and what is still live as it returns (its result and last blocks), in elements, and records
 * its kernel memory and products in `tally`. `inKernel`: the input already lives in the kernel
 * memory (a video decoded there); otherwise a big float64 input is copied there once when two
 * threads run (a float32 input is read where it is).
 */
export function tallyRandomizedSvd(
  tally: MemoryTally,
  m: number,
  n: number,
  settings: RandomizedSvdShapeSettings,
  inKernel: boolean,
  float32Input = false,
): { peak: number; end: number } {
  const p = Math.min(m, n);
  const long = Math.max(m, n);
  const rank = settings.rank;
  const size = Math.min(rank + settings.oversamples, p);
  const iterations =
    settings.powerIterations === 'auto' ? autoPowerIterations(rank, m, n) : settings.powerIterations;
  const normalizer = settings.normalizer === 'auto' ? (iterations <= 2 ? 'none' : 'LU') : settings.normalizer;
  const copied =
    !inKernel && !float32Input && linalgBackend().threads > 1 && m * n >= KERNEL_COPY_MIN_ELEMENTS;
  if (copied) tally.allocateKernel(m * n);
  const input = inKernel || copied ? 0 : m * n;
  // X = op(A) is long x p (A is read transposed when wide). X Q and X^T Q against the input.
  const transposed = m < n;
  tally.product({ m: long, n: size, k: p, a: input, b: p * size, aRows: !transposed });
  tally.product({ m: p, n: size, k: long, a: input, b: long * size, aRows: transposed });
  // The small SVD of Bt = X^T Q (p x size), then U = Q Ub (long x rank).
  const small = new MemoryTally();
  const smallArrays = tallyExactSvd(small, p, size, size);
  tally.kernel = Math.max(tally.kernel, tally.kernelLive + small.kernel);
  tally.module = Math.max(tally.module, small.module);
  tally.churn += small.churn;
  tally.product({ m: long, n: rank, k: size, a: long * size, b: size * rank, aRows: true });
  // Normalizing Y (rows x size): LU keeps Y, its working copy, L, U and P L; QR keeps Y, its copy, Q and R.
  const normalize = (rows: number) =>
    normalizer === 'LU'
      ? 4 * rows * size + size * size
      : normalizer === 'QR'
        ? 3 * rows * size + size * size
        : rows * size;
  // Each power iteration drops both products and their normalizations, blocks of long x size.
  tally.churn += iterations * (normalize(long) + normalize(p));
  tally.largestDropped = Math.max(tally.largestDropped, long * size);
  // The result: Q, Bt, the small factors, U and V.
  const end = long * size + 2 * p * size + size * size + (long + p) * rank;
  const peak = Math.max(
    iterations > 0 ? p * size + normalize(long) : 0,
    // The range basis: QR of X Q.
    3 * long * size + size * size,
    // Q, Bt and the small SVD's arrays.
    long * size + p * size + smallArrays,
    end,
  );
  return { peak, end };
}

/** Extra float64 elements a float32 input costs: the methods work on a float64 copy. */
function float64Copy(shape: InputShape): number {
  return shape.dtype === 'float32' ? shape.rows * shape.cols : 0;
}

/** The svd plugin: the exact SVD of an input in ordinary memory, `rank` columns kept. */
export function exactSvdWorkingBytes(shape: InputShape, rank: number): number {
  const tally = new MemoryTally();
  tally.arrays = float64Copy(shape) + tallyExactSvd(tally, shape.rows, shape.cols, rank);
  return tally.total();
}

/**
 * The randomized-svd plugin. An image (no `channels` in its shape) is in ordinary memory, as
 * readImage returns it: with two threads an input of 4M elements or more is then copied once into
 * the kernel memory. A video's shape (`channels` stated) is a video as the pipelines decode it,
 * into the kernel memory (readVideoMatrix's `allocate`), where the products read it: no copy.
 */
export function randomizedSvdWorkingBytes(shape: InputShape, settings: RandomizedSvdShapeSettings): number {
  const tally = new MemoryTally();
  // A float32 input stays float32 (randomizedSvd reads it where it is); its blocks are counted as
  // float64, which errs high.
  const float32 = shape.dtype === 'float32';
  const video = shape.channels !== undefined && !float32;
  tally.arrays = tallyRandomizedSvd(tally, shape.rows, shape.cols, settings, video, float32).peak;
  return tally.total();
}

/**
 * The randomized-svd plugin with scheme 'block-krylov' (block-krylov-svd.ts), its shape as for
 * randomizedSvdWorkingBytes. At its fullest it holds the q + 1 blocks Q_i (float64, and in the
 * input's dtype for the products) and X^T Q_i, each joined side by side once more, the small
 * problem's matrices (w = (q + 1) b wide) and U and V. Where it hands over to the power
 * iteration (a Krylov space wider than the matrix, or too low a rank), that one's peak counts too.
 */
export function blockKrylovSvdWorkingBytes(shape: InputShape, settings: RandomizedSvdShapeSettings): number {
  const depth = settings.powerIterations === 'auto' ? DEFAULT_KRYLOV_DEPTH : settings.powerIterations;
  const powerIteration = randomizedSvdWorkingBytes(shape, { ...settings, powerIterations: 2 * depth });
  const { rows: m, cols: n } = shape;
  const p = Math.min(m, n);
  const long = Math.max(m, n);
  const block = Math.min(settings.rank + settings.oversamples, p);
  const width = (depth + 1) * block;
  if (width > p) return powerIteration;
  const tally = new MemoryTally();
  const float32 = shape.dtype === 'float32';
  const video = shape.channels !== undefined && !float32;
  if (!video && !float32 && linalgBackend().threads > 1 && m * n >= KERNEL_COPY_MIN_ELEMENTS)
    tally.allocateKernel(m * n);
  const input = video || tally.kernelLive > 0 ? 0 : m * n;
  const transposed = m < n;
  tally.product({ m: long, n: block, k: p, a: input, b: p * block, aRows: !transposed });
  tally.product({ m: p, n: block, k: long, a: input, b: long * block, aRows: transposed });
  tally.product({ m: width, n: width, k: long, a: long * width, b: 0, sameOperand: true, upperOnly: true });
  // Each step drops its product, float64 copy and projections (blocks of long x b).
  tally.churn += (depth + 1) * 4 * long * block;
  tally.largestDropped = Math.max(tally.largestDropped, long * block);
  const blocks = 2 * (long + p) * width; // Q_i twice, X^T Q_i; then both joined
  const small = symmetricEigenElements(width) + 4 * width * width;
  tally.arrays = blocks + small + (long + p) * settings.rank;
  return Math.max(tally.total(), powerIteration);
}

/**
 * The svd-background plugin, for a video in the kernel memory (as the pipelines decode it, with
 * readVideoMatrix's `allocate: allocateCollectedKernelArray`): the randomized SVD, then L and S,
 * two new float64 matrices of the input's size, L from one product in the single-thread kernels
 * (a rank-k inner size is too little work per copied element for the threads).
 */
export function svdBackgroundWorkingBytes(shape: InputShape, settings: RandomizedSvdShapeSettings): number {
  const { rows, cols } = shape;
  const rank = settings.rank;
  const tally = new MemoryTally();
  const copy = float64Copy(shape);
  const svd = tallyRandomizedSvd(tally, rows, cols, settings, copy === 0);
  tally.product({ m: rows, n: cols, k: rank, a: rows * rank, b: cols * rank, aRows: true });
  // L and S beside the factors (U scaled, V) and the randomized SVD's last arrays, dropped as L
  // and S are allocated. Its blocks of the power iterations (a few MB to 30 MB each) were freed
  // to the C allocator's free lists, which keep them (measured 30-50 MB at the end of the gray
  // runs, nothing after the colour ones, whose huge L and S allocations make V8 collect first).
  const retained = Math.min(svd.peak, RETAINED_BLOCKS_BYTES / BYTES);
  tally.arrays =
    copy + Math.max(svd.peak, svd.end + retained + 2 * rows * rank + cols * rank + 2 * rows * cols);
  return tally.total();
}
