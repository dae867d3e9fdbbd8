import {
  allocateKernelMatrix,
  defineThreadedKernels,
  isKernelArray,
  isKernelMatrix,
  linalgBackend,
  releaseKernelMatrix,
  runKernelOnThreads,
} from '@lowrank/linalg';
import { PCP_PASSES_WASM_BASE64 } from './generated/pcp-passes-wasm-binary.js';

/**
 * Robust PCA's (inexact ALM) element-wise passes on WebAssembly SIMD threads (assembly/pcp-passes.ts,
 * run by @lowrank/linalg's worker threads), for matrices that all live in linalg's kernel memory
 * (allocateKernelMatrix). Each returns null, having done nothing, when that is not the case or
 * threads are unavailable; pcp-kernels.ts then runs its JavaScript passes, which compute the same
 * entries (sums may differ in the last bits: they are added per unit of PASS_UNIT entries, then
 * unit by unit, in the same order on any number of threads).
 */

/** Elements per unit of a pass (512 KB of each array): 110 units per 460 MB matrix. */
const PASS_UNIT = 1 << 16;
/** Warm-up: arrays of 17 entries (an odd length: the scalar tails run too) in units of 4. */
const WARM_UP_LENGTH = 17;
const WARM_UP_UNIT = 4;
const WARM_UP_ARRAY_BYTES = 2048;

/**
 * The threads claim units of `unit` entries from the counter until `length` is covered; unit u
 * stores its two results at out + 16 u.
 */
const pcpKernels = defineThreadedKernels({
  name: '@lowrank/algorithms-rpca',
  binaries: { simd128: PCP_PASSES_WASM_BASE64 },
  warmUpBytesPerThread: WARM_UP_ARRAY_BYTES + 128,
  kernels: {
    /** Sums of (D - A - E)^2, read only. */
    pcpResidualUnits: {
      args: {
        counter: 'counter',
        unit: 'i32',
        length: 'i32',
        d: 'pointer',
        a: 'pointer',
        e: 'pointer',
        out: 'pointer',
      },
      warmUp: (s, t) => ({
        unit: WARM_UP_UNIT,
        length: WARM_UP_LENGTH,
        d: s.a,
        a: s.a,
        e: s.a,
        out: s.own(t) + WARM_UP_ARRAY_BYTES,
      }),
    },
    /** One ALM step after the SVD (E and T overwritten): sums of squares and non-zero counts. */
    pcpUpdateUnits: {
      args: {
        counter: 'counter',
        unit: 'i32',
        length: 'i32',
        d: 'pointer',
        a: 'pointer',
        e: 'pointer',
        t: 'pointer',
        scale: 'f64',
        threshold: 'f64',
        out: 'pointer',
      },
      warmUp: (s, t) => ({
        unit: WARM_UP_UNIT,
        length: WARM_UP_LENGTH,
        d: s.a,
        a: s.a,
        e: s.own(t),
        t: s.own(t),
        scale: 1,
        threshold: 1,
        out: s.own(t) + WARM_UP_ARRAY_BYTES,
      }),
    },
    /** T = D, with D's sums of squares and largest absolute entries. */
    pcpStartUnits: {
      args: { counter: 'counter', unit: 'i32', length: 'i32', d: 'pointer', t: 'pointer', out: 'pointer' },
      warmUp: (s, t) => ({
        unit: WARM_UP_UNIT,
        length: WARM_UP_LENGTH,
        d: s.a,
        t: s.own(t),
        out: s.own(t) + WARM_UP_ARRAY_BYTES,
      }),
    },
  },
});

/** What every pass takes besides its arrays and scalars. */
interface PassRun {
  readonly threads: number;
  readonly unit: number;
  readonly length: number;
  readonly out: Float64Array;
}

/**
 * Runs a pass over `arrays` (all of one length, all in the kernel memory) on linalg's threads and
 * returns each unit's two results in unit order, or null (having done nothing) when an array is an
 * ordinary one or the threads cannot run.
 */
function runPass(
  arrays: readonly Float64Array[],
  run: (pass: PassRun) => boolean,
): Array<[number, number]> | null {
  const length = arrays[0]?.length ?? 0;
  const threads = linalgBackend().threads;
  if (threads < 2 || !arrays.every((x) => x.length === length && isKernelArray(x))) return null;
  const units = Math.ceil(length / PASS_UNIT);
  const out = allocateKernelMatrix(units, 2);
  try {
    if (!isKernelMatrix(out) || !run({ threads, unit: PASS_UNIT, length, out: out.data })) return null;
    const results = out.data;
    const perUnit: Array<[number, number]> = [];
    for (let u = 0; u < units; u++) perUnit.push([results[2 * u]!, results[2 * u + 1]!]);
    return perUnit;
  } finally {
    releaseKernelMatrix(out);
  }
}

/** ||D - A - E||_F^2, read only. */
export function pcpResidualOnThreads(d: Float64Array, a: Float64Array, e: Float64Array): number | null {
  const r = runPass([d, a, e], ({ threads, unit, length, out }) =>
    runKernelOnThreads(pcpKernels.pcpResidualUnits, threads, { unit, length, d, a, e, out }),
  );
  return r === null ? null : r.reduce((sum, [squares]) => sum + squares, 0);
}

/**
 * One ALM step after the SVD, in place: Z = D - A - E (its squared norm returned),
 * Y'/mu' = (T - A) * scale, E' = shrink(D - A + Y'/mu', threshold), T' = D - E' + Y'/mu'.
 * Returns ||Z||_F^2 and the non-zero count of E'.
 */
export function pcpUpdateOnThreads(
  d: Float64Array,
  a: Float64Array,
  e: Float64Array,
  t: Float64Array,
  scale: number,
  threshold: number,
): { residualSquared: number; nonZeros: number } | null {
  const r = runPass([d, a, e, t], ({ threads, unit, length, out }) =>
    runKernelOnThreads(pcpKernels.pcpUpdateUnits, threads, {
      unit,
      length,
      d,
      a,
      e,
      t,
      scale,
      threshold,
      out,
    }),
  );
  if (r === null) return null;
  let residualSquared = 0;
  let nonZeros = 0;
  for (const [squares, count] of r) {
    residualSquared += squares;
    nonZeros += count;
  }
  return { residualSquared, nonZeros };
}

/**
 * The start of a run: T = D copied, and D's squared Frobenius norm and largest absolute entry,
 * in one pass. The largest entry is NaN when D holds a NaN (and infinite for an infinity).
 */
export function pcpStartOnThreads(
  d: Float64Array,
  t: Float64Array,
): { frobeniusSquared: number; maxAbs: number } | null {
  const r = runPass([d, t], ({ threads, unit, length, out }) =>
    runKernelOnThreads(pcpKernels.pcpStartUnits, threads, { unit, length, d, t, out }),
  );
  if (r === null) return null;
  let frobeniusSquared = 0;
  let maxAbs = 0;
  for (const [squares, largest] of r) {
    frobeniusSquared += squares;
    // Math.max keeps a NaN from any unit.
    maxAbs = Math.max(maxAbs, largest);
  }
  return { frobeniusSquared, maxAbs };
}
