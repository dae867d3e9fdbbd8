import {
  allocateKernelMatrix,
  defineThreadedKernels,
  isKernelArray,
  isKernelMatrix,
  type KernelArgumentKind,
  linalgBackend,
  prepareKernelThreads,
  releaseKernelMatrix,
  runKernelOnThreads,
  type ThreadedKernel,
} from '@lowrank/linalg';
import { SSIM_STRIPS_WASM_BASE64 } from './generated/ssim-strips-wasm-binary.js';

/**
 * streamingImageQuality's sums for one channel on WebAssembly SIMD threads (assembly/ssim-strips.ts,
 * run by @lowrank/linalg's worker threads): the SSIM map (11 x 11 window), the squared error and
 * the energy, a band of rows at a time. The threads split each band into strips of output columns;
 * every strip keeps its slice of the ring of horizontally filtered rows in the kernel memory, so
 * its work stays in cache. It filters x + y's squares as one map (the JavaScript accumulator filters
 * x^2 and y^2 apart), and its window sums are float32 (each window's SSIM is then formed in
 * float64): the mean SSIM agrees with the JavaScript accumulator's to a few 1e-7; the squared error
 * and the energy are float64 sums of the inputs, as there. The sums are added strip by strip in
 * strip order, so they do not depend on the thread count.
 */

/** Maps filtered: x, y, x^2 + y^2, xy (SSIM needs the two variances only as their sum). */
const MAPS = 4;
/** Output columns per strip: the strip's 44 ring rows (4 maps x 11, float32) take 45 KB. */
const STRIP_COLUMNS = 256;
/** Sums each strip stores (SSIM map, squared error, energy, padding), float64. */
const SUMS_PER_STRIP = 4;
/** The window this kernel is written for. */
export const KERNEL_WINDOW = 11;

const WARM_UP_COLS = 16;
const WARM_UP_OUT_COLS = WARM_UP_COLS - KERNEL_WINDOW + 1;
const WARM_UP_RING_BYTES = MAPS * KERNEL_WINDOW * WARM_UP_OUT_COLS * 4;
/** A strip's rowMaps scratch: four float32 rows of its width + 10 input columns. */
const mapsBytesPerStrip = (width: number) => 4 * (width + KERNEL_WINDOW - 1) * 4;
/** Warm-up strips: one vector of four columns and a scalar tail. */
const WARM_UP_STRIP = 5;
const WARM_UP_MAPS_BYTES = mapsBytesPerStrip(WARM_UP_STRIP);

const ssimKernels = defineThreadedKernels({
  name: '@lowrank/pipelines',
  binaries: { simd128: SSIM_STRIPS_WASM_BASE64 },
  warmUpBytesPerThread: WARM_UP_RING_BYTES + 128 + WARM_UP_MAPS_BYTES,
  kernels: {
    /** One band: each strip's SSIM map sum, squared error and energy at out + 32 u. */
    ssimStripUnits: {
      args: {
        counter: 'counter',
        width: 'i32',
        cols: 'i32',
        outCols: 'i32',
        first: 'i32',
        count: 'i32',
        x: 'pointer',
        xFloat32: 'i32',
        y: 'pointer',
        ring: 'pointer',
        maps: 'pointer',
        weights: 'pointer',
        out: 'pointer',
        c1: 'f64',
        c2: 'f64',
      },
      // Two rows at image rows 10 and 11 (so the vertical pass runs), strips of 5 columns (so the
      // vector loops and the scalar tails run); the operands' values do not matter.
      warmUp: (s, t) => ({
        width: WARM_UP_STRIP,
        cols: WARM_UP_COLS,
        outCols: WARM_UP_OUT_COLS,
        first: KERNEL_WINDOW - 1,
        count: 2,
        x: s.a,
        xFloat32: t & 1,
        y: s.b,
        ring: s.own(t),
        maps: s.own(t) + WARM_UP_RING_BYTES + 128,
        weights: s.a,
        out: s.own(t) + WARM_UP_RING_BYTES,
        c1: 1e-4,
        c2: 9e-4,
      }),
    },
  },
});

/**
 * Starts linalg's threads with this kernel, linalg's own and `others` loaded and warmed up (about
 * 0.15 s on a 2-core VM), to be called while this thread would wait anyway (for the image decoder);
 * false where threads do not run.
 */
export function prepareQualityThreads(
  others: readonly ThreadedKernel<Record<string, KernelArgumentKind>>[] = [],
): boolean {
  return prepareKernelThreads([ssimKernels.ssimStripUnits, ...others]);
}

/** One channel's running sums, fed a band at a time. */
export class SsimStripsOnThreads {
  readonly #threads: number;
  readonly #cols: number;
  readonly #outCols: number;
  readonly #bandRows: number;
  /**
   * Kernel-memory buffers: the band of x (used when x is not in the kernel memory itself), the
   * band of y, the ring, the window, the strip sums, the strips' row maps.
   */
  readonly #x: Float64Array;
  readonly #y: Float64Array;
  readonly #ring: Float64Array;
  readonly #weights: Float64Array;
  readonly #out: Float64Array;
  readonly #maps: Float64Array;
  readonly #owned: { rows: number; cols: number; data: Float64Array }[];
  readonly #strips: number;
  #row = 0;
  ssimSum = 0;
  squared = 0;
  energy = 0;

  private constructor(
    threads: number,
    cols: number,
    bandRows: number,
    window: Float64Array,
    owned: { rows: number; cols: number; data: Float64Array }[],
  ) {
    this.#threads = threads;
    this.#cols = cols;
    this.#outCols = cols - KERNEL_WINDOW + 1;
    this.#bandRows = bandRows;
    this.#owned = owned;
    [this.#x, this.#y, this.#ring, this.#weights, this.#out, this.#maps] = owned.map((m) => m.data) as [
      Float64Array,
      Float64Array,
      Float64Array,
      Float64Array,
      Float64Array,
      Float64Array,
    ];
    this.#weights.set(window);
    this.#strips = Math.ceil(this.#outCols / STRIP_COLUMNS);
  }

  /**
   * Sums for a rows x cols channel fed in bands of at most bandRows rows, or null (nothing held)
   * when the threads cannot run here or the kernel memory is full: the caller then streams in
   * JavaScript. `window` is the 11-tap Gaussian.
   */
  static open(
    rows: number,
    cols: number,
    bandRows: number,
    window: Float64Array,
  ): SsimStripsOnThreads | null {
    const threads = linalgBackend().threads;
    if (threads < 2 || window.length !== KERNEL_WINDOW || rows < KERNEL_WINDOW || cols < KERNEL_WINDOW)
      return null;
    const outCols = cols - KERNEL_WINDOW + 1;
    const owned: { rows: number; cols: number; data: Float64Array }[] = [];
    const release = () => {
      for (const m of owned) releaseKernelMatrix(m);
    };
    for (const [r, c] of [
      [bandRows, cols],
      [bandRows, cols],
      [MAPS * KERNEL_WINDOW, Math.ceil(outCols / 2)], // float32 rows
      [1, KERNEL_WINDOW],
      [Math.ceil(outCols / STRIP_COLUMNS), SUMS_PER_STRIP],
      [Math.ceil(outCols / STRIP_COLUMNS), mapsBytesPerStrip(STRIP_COLUMNS) / 8],
    ] as const) {
      const m = allocateKernelMatrix(r, c);
      owned.push(m);
      if (!isKernelMatrix(m)) {
        release();
        return null;
      }
    }
    return new SsimStripsOnThreads(threads, cols, bandRows, window, owned);
  }

  /**
   * Where the next band of y may be written (count rows), to save a copy: push() takes it as is
   * when `y` is this array.
   */
  bandBuffer(count: number): Float64Array {
    return this.#y.subarray(0, count * this.#cols);
  }

  /**
   * The next `count` rows: of x from `x` at element xOffset, of y from `y` (count x cols). Returns
   * false, having summed nothing, when the threads could not start on the first band (the caller
   * then streams the channel in JavaScript).
   */
  push(
    x: Float32Array | Float64Array,
    xOffset: number,
    y: Float32Array | Float64Array,
    count: number,
  ): boolean {
    if (count > this.#bandRows) throw new RangeError(`band of ${count} rows; at most ${this.#bandRows}.`);
    const n = count * this.#cols;
    // x in the kernel memory (a big image decoded there) is read where it is.
    let xBand: Float32Array | Float64Array = x.subarray(xOffset, xOffset + n);
    if (!isKernelArray(xBand)) {
      const into =
        xBand instanceof Float32Array
          ? new Float32Array(this.#x.buffer, this.#x.byteOffset, n)
          : this.#x.subarray(0, n);
      into.set(xBand);
      xBand = into;
    }
    if (y.buffer !== this.#y.buffer || y.byteOffset !== this.#y.byteOffset) this.#y.set(y.subarray(0, n));
    const ran = runKernelOnThreads(ssimKernels.ssimStripUnits, this.#threads, {
      width: STRIP_COLUMNS,
      cols: this.#cols,
      outCols: this.#outCols,
      first: this.#row,
      count,
      x: xBand,
      xFloat32: xBand instanceof Float32Array ? 1 : 0,
      y: this.#y,
      ring: this.#ring,
      maps: this.#maps,
      weights: this.#weights,
      out: this.#out,
      c1: 0.01 ** 2,
      c2: 0.03 ** 2,
    });
    if (!ran) {
      if (this.#row === 0) return false;
      throw new Error('SsimStripsOnThreads: the threads stopped running in the middle of an image.');
    }
    const out = this.#out;
    for (let u = 0; u < this.#strips; u++) {
      this.ssimSum += out[SUMS_PER_STRIP * u]!;
      this.squared += out[SUMS_PER_STRIP * u + 1]!;
      this.energy += out[SUMS_PER_STRIP * u + 2]!;
    }
    this.#row += count;
    return true;
  }

  /** Windows summed so far. */
  get ssimCount(): number {
    return Math.max(0, this.#row - KERNEL_WINDOW + 1) * this.#outCols;
  }

  /** Gives the kernel memory back; the sums stay readable. */
  close(): void {
    for (const m of this.#owned) releaseKernelMatrix(m);
  }
}
