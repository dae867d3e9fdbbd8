import {
  GEMM_THREADED_RELAXED_WASM_BASE64,
  GEMM_THREADED_WASM_BASE64,
} from './generated/gemm-wasm-binary.js';
import { defineThreadedKernels } from './threaded-kernels.js';

/** Blocking of assembly/gemm-threaded.ts (the same constants as there). */
export const MR = 4;
export const KC = 256;
export const MC = 128;
export const NC = 1024;

/** A warm-up thread's C (16 x 16 float64), then its packing workspace. */
const WARM_UP_C_BYTES = 16 * 16 * 8;
const WARM_UP_WORKSPACE_BYTES = (MC * KC + KC * 16) * 8;

/** One GEMM band: rows [rowStart, rowEnd) of C = op(A) op(B), n columns, depth k (gemmRows). */
const gemmRowsArgs = {
  rowStart: 'i32',
  rowEnd: 'i32',
  n: 'i32',
  k: 'i32',
  a: 'pointer',
  rsA: 'i32',
  csA: 'i32',
  b: 'pointer',
  rsB: 'i32',
  csB: 'i32',
  c: 'pointer',
  ldc: 'i32',
  upperOnly: 'i32',
  ws: 'pointer',
  overwrite: 'i32',
} as const;

/**
 * linalg's threaded kernels (assembly/gemm-threaded.ts, symmetric-product.ts, page-touch.ts), in the
 * order of their warm-up. Pointers are byte addresses in the kernel memory; strides and sizes are
 * in elements; 0/1 flags are i32. Each warm-up runs a 16 x 16 problem on the shared operands, with
 * its output and workspace in the thread's own region.
 */
export const linalgKernels = defineThreadedKernels({
  name: '@lowrank/linalg',
  binaries: { simd128: GEMM_THREADED_WASM_BASE64, relaxedSimd: GEMM_THREADED_RELAXED_WASM_BASE64 },
  warmUpBytesPerThread: WARM_UP_C_BYTES + WARM_UP_WORKSPACE_BYTES,
  kernels: {
    dgemmRows: { args: gemmRowsArgs, warmUp: (s, t) => gemmRowsWarmUp(s, t) },
    sgemmRows: { args: gemmRowsArgs, warmUp: (s, t) => gemmRowsWarmUp(s, t) },
    /** Packs all of A for dgemmColumnUnits. */
    dpackAllA: {
      args: { a: 'pointer', rsA: 'i32', csA: 'i32', m: 'i32', k: 'i32', dst: 'pointer' },
      warmUp: (s, t) => ({
        a: s.a,
        rsA: s.size,
        csA: 1,
        m: s.size,
        k: s.size,
        dst: s.own(t) + WARM_UP_C_BYTES,
      }),
    },
    /** C = A B (overwrite) or C += A B by units of unitCols columns, A packed by dpackAllA. */
    dgemmColumnUnits: {
      args: {
        counter: 'counter',
        unitCols: 'i32',
        m: 'i32',
        n: 'i32',
        k: 'i32',
        aPacked: 'pointer',
        b: 'pointer',
        rsB: 'i32',
        csB: 'i32',
        c: 'pointer',
        ldc: 'i32',
        ws: 'pointer',
        overwrite: 'i32',
      },
      warmUp: (s, t) => ({
        unitCols: 4,
        m: s.size,
        n: s.size,
        k: s.size,
        aPacked: s.own(t) + WARM_UP_C_BYTES,
        b: s.b,
        rsB: s.size,
        csB: 1,
        c: s.own(t),
        ldc: s.size,
        ws: s.own(t) + WARM_UP_C_BYTES,
        overwrite: 1,
      }),
    },
    /** Partial products of `units` depth slices, each stored in its own m x ldc partial. */
    dgemmDepthUnits: {
      args: {
        counter: 'counter',
        units: 'i32',
        m: 'i32',
        n: 'i32',
        k: 'i32',
        a: 'pointer',
        rsA: 'i32',
        csA: 'i32',
        b: 'pointer',
        rsB: 'i32',
        csB: 'i32',
        partials: 'pointer',
        ldc: 'i32',
        upperOnly: 'i32',
        ws: 'pointer',
      },
      warmUp: (s, t) => ({
        units: 1,
        m: s.size,
        n: s.size,
        k: s.size,
        a: s.a,
        rsA: s.size,
        csA: 1,
        b: s.b,
        rsB: s.size,
        csB: 1,
        partials: s.own(t),
        ldc: s.size,
        upperOnly: 0,
        ws: s.own(t) + WARM_UP_C_BYTES,
      }),
    },
    /** Rows [rowStart, rowEnd) of y = A v for a symmetric A stored as its upper triangle. */
    symmetricUpperRows: {
      args: { rowStart: 'i32', rowEnd: 'i32', n: 'i32', a: 'pointer', v: 'pointer', y: 'pointer' },
      warmUp: (s, t) => ({ rowStart: t, rowEnd: s.size - 1, n: s.size, a: s.a, v: s.b, y: s.own(t) }),
    },
    /** Zeroes bytes [start, end) by units claimed from the counter: faults in a fresh matrix's pages on every thread (assembly/page-touch.ts). */
    fillZeroUnits: {
      args: { counter: 'counter', start: 'pointer', end: 'pointer', unitBytes: 'i32' },
      warmUp: (s, t) => ({ start: s.own(t), end: s.own(t) + WARM_UP_C_BYTES, unitBytes: 4096 }),
    },
    /** Sums of squares of units of an array, one float64 a unit (assembly/sum-of-squares.ts). */
    sumOfSquaresUnits: {
      args: {
        counter: 'counter',
        data: 'pointer',
        length: 'i32',
        float32: 'i32',
        unitLength: 'i32',
        out: 'pointer',
      },
      warmUp: (s, t) => ({ data: s.a, length: 256, float32: t & 1, unitLength: 64, out: s.own(t) }),
    },
    /** Tridiagonalization's in-panel steps, run on the calling thread. */
    panelRowUpdate: {
      args: { a: 'pointer', vt: 'pointer', wt: 'pointer', n: 'i32', k: 'i32', i: 'i32' },
    },
    panelCorrections: {
      args: { vt: 'pointer', wt: 'pointer', v: 'pointer', y: 'pointer', n: 'i32', x0: 'i32', i: 'i32' },
    },
  },
});

/** A whole 16 x 16 product on each thread, storing (odd threads) or adding (even ones). */
function gemmRowsWarmUp(s: { size: number; a: number; b: number; own(t: number): number }, t: number) {
  return {
    rowStart: 0,
    rowEnd: s.size,
    n: s.size,
    k: s.size,
    a: s.a,
    rsA: s.size,
    csA: 1,
    b: s.b,
    rsB: s.size,
    csB: 1,
    c: s.own(t),
    ldc: s.size,
    upperOnly: 0,
    ws: s.own(t) + WARM_UP_C_BYTES,
    overwrite: t & 1,
  };
}
