// Test-only plugins for the registry and conformance kit tests (not exported from the package).
import { SingularValueDecomposition } from 'ml-matrix';
import { InvalidInputError, throwIfAborted } from '../errors.js';
import type {
  Factorizer,
  LowRankFactorization,
  LowRankPlusSparseFactorization,
  SeparatedFrame,
  StreamingFactorizer,
} from '../factorizer.js';
import { type DenseMatrix, toDenseMatrix, toMlMatrix, zeros } from '../matrix.js';
import { type OptionsSpec, validateOptions } from '../options.js';

export interface TruncatedOptions {
  rank: number;
  seed: number;
}

export const truncatedSpec: OptionsSpec<TruncatedOptions> = {
  rank: { type: 'integer', default: 2, min: 1, max: 'min-dimension', description: 'Rank to keep.' },
  seed: { type: 'integer', default: 0, min: 0, description: 'Seed (unused: the method is deterministic).' },
};

/** What each broken variant gets wrong. */
export interface Defects {
  mutatesInput?: boolean;
  ignoresAbort?: boolean;
  unseededNoise?: boolean;
  dropsLastComponent?: boolean;
  errorGrowsWithRank?: boolean;
  skipsValidation?: boolean;
  slowIterations?: number;
  /** Declared factors whose U is scaled wrong (they no longer match reconstruct()). */
  wrongFactors?: boolean;
}

function svdOf(m: DenseMatrix) {
  const svd = new SingularValueDecomposition(toMlMatrix(m), { autoTranspose: true });
  return { u: svd.leftSingularVectors, s: svd.diagonal, v: svd.rightSingularVectors };
}

/** A correct truncated SVD (ml-matrix; tiny inputs only), optionally with one defect. */
export function truncatedSvdPlugin(
  defects: Defects = {},
  name = 'truncated-svd-fixture',
): Factorizer<TruncatedOptions, LowRankFactorization> {
  return {
    meta: {
      name,
      version: '1.0.0',
      apiVersion: 1,
      displayName: 'Truncated SVD (fixture)',
      description: 'Test fixture.',
    },
    kind: 'low-rank',
    options: truncatedSpec,
    async factorize(input, options, run) {
      const start = performance.now();
      if (!defects.ignoresAbort) throwIfAborted(run?.signal);
      const m = toDenseMatrix(input);
      const opts = defects.skipsValidation
        ? ({ ...{ rank: 2, seed: 0 }, ...options } as TruncatedOptions)
        : validateOptions(truncatedSpec, options, m);
      for (let i = 0; i < (defects.slowIterations ?? 0); i++) {
        await new Promise((r) => setTimeout(r, 5));
        run?.onProgress?.({ iteration: i + 1, fraction: (i + 1) / defects.slowIterations! });
        if (!defects.ignoresAbort) throwIfAborted(run?.signal);
      }
      if (defects.mutatesInput) m.data[0] = m.data[0]! + 1;
      const { u, s, v } = svdOf(m);
      const full = Math.min(m.rows, m.cols);
      const noise = defects.unseededNoise ? Math.random() * 1e-6 : 0;
      const rank = opts.rank;
      const reconstruct = (k = rank): DenseMatrix => {
        let kk = Math.min(k, rank);
        if (defects.dropsLastComponent && kk === full) kk -= 1;
        if (defects.errorGrowsWithRank) kk = Math.max(1, full - kk);
        const out = zeros(m.rows, m.cols);
        for (let i = 0; i < m.rows; i++)
          for (let j = 0; j < m.cols; j++) {
            let acc = noise;
            for (let r = 0; r < kk; r++) acc += u.get(i, r) * s[r]! * v.get(j, r);
            out.data[i * m.cols + j] = acc;
          }
        return out;
      };
      const factorU = zeros(m.rows, rank);
      const factorV = zeros(m.cols, rank);
      for (let i = 0; i < m.rows; i++)
        for (let r = 0; r < rank; r++)
          factorU.data[i * rank + r] = u.get(i, r) * (defects.wrongFactors ? 2 : 1);
      for (let j = 0; j < m.cols; j++)
        for (let r = 0; r < rank; r++) factorV.data[j * rank + r] = v.get(j, r);
      return {
        kind: 'low-rank',
        rows: m.rows,
        cols: m.cols,
        rank,
        singularValues: Float64Array.from(s.slice(0, rank)),
        factors: { u: factorU, s: Float64Array.from(s.slice(0, rank)), v: factorV },
        reconstruct,
        storedNumbers: (k = rank) => k * (m.rows + m.cols + 1),
        diagnostics: { iterations: 1, converged: true, residual: 0, milliseconds: performance.now() - start },
      };
    },
  };
}

/** A correct low-rank + sparse split: L = truncated SVD, S = M - L. */
export function svdSplitPlugin(): Factorizer<TruncatedOptions, LowRankPlusSparseFactorization> {
  const inner = truncatedSvdPlugin();
  return {
    meta: {
      name: 'svd-split-fixture',
      version: '1.0.0',
      apiVersion: 1,
      displayName: 'SVD split (fixture)',
      description: 'Test fixture.',
    },
    kind: 'low-rank-plus-sparse',
    options: truncatedSpec,
    async factorize(input, options, run) {
      const m = toDenseMatrix(input);
      const low = await inner.factorize(m, options, run);
      const lowRank = low.reconstruct();
      const sparse = zeros(m.rows, m.cols);
      for (let k = 0; k < sparse.data.length; k++) sparse.data[k] = m.data[k]! - lowRank.data[k]!;
      return {
        kind: 'low-rank-plus-sparse',
        rows: m.rows,
        cols: m.cols,
        lowRank,
        sparse,
        rank: low.rank,
        diagnostics: low.diagnostics,
      };
    },
  };
}

export interface RunningMeanOptions {
  rate: number;
}

/** What each broken streaming variant gets wrong. */
export interface StreamingDefects {
  keepsEveryFrame?: boolean;
  dropsFrames?: boolean;
  acceptsWrongSize?: boolean;
  ignoresAbort?: boolean;
  negativeNoiseLevel?: boolean;
}

/**
 * A correct streaming separator: the background is an exponential running mean of the frames
 * (L_t = (1 - rate) L_{t-1} + rate M_t, S = M - L), holding its first two frames back to start.
 */
export function runningMeanPlugin(defects: StreamingDefects = {}): StreamingFactorizer<RunningMeanOptions> {
  const spec: OptionsSpec<RunningMeanOptions> = {
    rate: { type: 'number', default: 0.1, min: 0, max: 1, description: 'Weight of the newest frame.' },
  };
  return {
    meta: {
      name: 'running-mean-fixture',
      version: '1.0.0',
      apiVersion: 1,
      displayName: 'Running mean (fixture)',
      description: 'Test fixture.',
    },
    kind: 'streaming',
    options: spec,
    estimateWorkingBytes: (frame) => 4 * frame.width * frame.height * frame.channels * 8,
    open(frame, options, run) {
      const { rate } = validateOptions(spec, options);
      if (!defects.ignoresAbort) throwIfAborted(run?.signal);
      const pixels = frame.width * frame.height * frame.channels;
      const background = new Float64Array(pixels);
      // Running mean of |S|, the fixture's noise level.
      const deviation = new Float64Array(pixels);
      const held: Float64Array[] = [];
      const kept: Float64Array[] = [];
      let pushed = 0;
      let started = false;
      const separate = (m: Float64Array, index: number): SeparatedFrame => {
        const lowRank = new Float64Array(pixels);
        const sparse = new Float64Array(pixels);
        for (let k = 0; k < pixels; k++) {
          background[k] = (1 - rate) * background[k]! + rate * m[k]!;
          lowRank[k] = background[k]!;
          sparse[k] = m[k]! - lowRank[k]!;
          deviation[k] = (1 - rate) * deviation[k]! + rate * Math.abs(sparse[k]!);
        }
        return { index, lowRank, sparse };
      };
      let emitted = 0;
      return {
        push(input) {
          if (!defects.ignoresAbort) throwIfAborted(run?.signal);
          if (input.length !== pixels && !defects.acceptsWrongSize)
            throw new InvalidInputError(`frame ${pushed} has ${input.length} values; expected ${pixels}.`);
          const m = Float64Array.from(input);
          if (defects.keepsEveryFrame) kept.push(m);
          pushed++;
          if (!started) {
            held.push(m);
            if (held.length < 2) return [];
            started = true;
            for (let k = 0; k < pixels; k++) background[k] = (held[0]![k]! + held[1]![k]!) / 2;
            return held.splice(0).map((f) => separate(f, emitted++));
          }
          const out = separate(m, emitted++);
          return defects.dropsFrames && pushed % 10 === 0 ? [] : [out];
        },
        finish() {
          return held.splice(0).map((f) => separate(f, emitted++));
        },
        background: () => background,
        noiseLevel: () => (defects.negativeNoiseLevel ? deviation.map((v) => -v - 1) : deviation),
        diagnostics: () => ({
          frames: emitted,
          rank: 1,
          stateBytes: (2 + held.length + kept.length) * pixels * 8,
          milliseconds: 0,
        }),
      };
    },
  };
}
