import {
  assertFiniteMatrix,
  type DenseMatrix,
  type Diagnostics,
  InvalidInputError,
  type MatrixInput,
  type Progress,
  type RunControl,
  throwIfAborted,
  toDenseMatrix,
} from '@lowrank/core';
import {
  allocateKernelMatrix,
  isKernelMatrix,
  kernelMatrixBytes,
  releaseKernelMatrix,
  releaseKernelMatrixWhenCollected,
} from '@lowrank/linalg';
import { BlockKrylovThresholding, krylovRouteFits } from './block-krylov-thresholding.js';
import { blockPowerSpectralNorm } from './block-power-spectral-norm.js';
import type { DenseProducts } from './dense-products.js';
import { residualPass, startPass, updatePass } from './pcp-kernels.js';
import { defaultProducts } from './products.js';
import { GramThresholding } from './singular-value-thresholding.js';

/**
 * Principal component pursuit, min ||L||_* + lambda ||S||_1 subject to L + S = M, solved by the
 * inexact augmented Lagrange multiplier method (Lin, Chen, Ma 2010) with the defaults of their
 * reference inexact_alm_rpca.m. PCP is symmetric under transpose, so a frames x pixels video matrix
 * is factorized as it is (no transposed copy).
 */
export interface PcpOptions {
  /** Weight of ||S||_1; 'auto' = 1 / sqrt(max(m, n)). */
  lambda: number | 'auto';
  /** Initial penalty mu0; 'auto' = 1.25 / ||M||_2. */
  mu: number | 'auto';
  /** Growth factor of mu per iteration. */
  rho: number;
  /** mu is capped at mu0 * muMaxFactor. */
  muMaxFactor: number;
  /** Stop when ||M - L - S||_F / ||M||_F falls below this. */
  tolerance: number;
  maxIterations: number;
}

export const pcpDefaults: PcpOptions = {
  lambda: 'auto',
  mu: 'auto',
  rho: 1.5,
  muMaxFactor: 1e7,
  tolerance: 1e-7,
  maxIterations: 1000,
};

export interface PcpDiagnostics extends Diagnostics {
  readonly seconds: number;
  /** ||M - L - S||_F / ||M||_F after each iteration. */
  readonly history: readonly number[];
  /** rank(L) after each iteration. */
  readonly rankHistory: readonly number[];
  /** Fraction of non-zero entries of S after each iteration. */
  readonly sparsityHistory: readonly number[];
  readonly lambda: number;
  readonly mu0: number;
  /** The penalty after the last iteration (at most mu0 * muMaxFactor). */
  readonly finalMu: number;
  /** ||M||_2 (exact, from the Gram matrix's top eigenvalue). */
  readonly spectralNorm: number;
  /** Milliseconds per phase over the whole run: Gram products, eigendecompositions, rebuilding L, element-wise passes. */
  readonly timings: {
    readonly gram: number;
    readonly eigen: number;
    readonly reconstruct: number;
    readonly elementwise: number;
    /** The block Krylov route's products and small-side work (see krylovIterations). */
    readonly krylov: number;
  };
  /** Iterations whose thresholding took the warm-started block Krylov route instead of the full Gram. */
  readonly krylovIterations: number;
  /**
   * Peak matrix memory seen during the run, in bytes (Node only): process.memoryUsage().arrayBuffers
   * plus the live kernel matrices (WebAssembly memory, which arrayBuffers does not count).
   */
  readonly peakArrayBuffersBytes?: number;
}

/**
 * lowRank and sparse usually live in @lowrank/linalg's kernel memory (no copy out of a run that may
 * hold gigabytes): their space is reused once their `data` arrays are garbage-collected. Keep the
 * result (or the `data` arrays themselves) referenced while any view made from them (subarray) is
 * in use, or copy what you keep; `releaseKernelMatrix(result.lowRank)` frees one early.
 */
export interface PcpResult<M extends DenseMatrix<Float64Array> = DenseMatrix<Float64Array>> {
  readonly lowRank: M;
  readonly sparse: M;
  readonly rank: number;
  /** Fraction of non-zero entries of sparse. */
  readonly sparsity: number;
  readonly diagnostics: PcpDiagnostics;
}

export interface PcpRunControl extends RunControl {
  /** Overrides the dense kernels (tests compare the plain-JavaScript and the fast ones). */
  readonly products?: DenseProducts;
  /**
   * 'gram' computes every iteration's SVD through the full Gram matrix; 'auto' (default) takes the
   * warm-started block Krylov route while few singular values pass the threshold.
   */
  readonly svdRoute?: 'auto' | 'gram';
}

/** The Krylov route's SVD error budget, as a fraction of the last residual ||M - L - S||_F. */
const KRYLOV_ERROR_FRACTION = 1e-3;

const yieldToEventLoop = () => new Promise<void>((resolve) => setImmediate(resolve));

function arrayBuffersNow(): number | undefined {
  return typeof process !== 'undefined' && typeof process.memoryUsage === 'function'
    ? process.memoryUsage().arrayBuffers + kernelMatrixBytes()
    : undefined;
}

/**
 * The input as float64 for the iteration: in the kernel memory when M, L, S and T all fit there
 * (`inKernel`), so the products and the threaded element-wise passes read it in place; otherwise
 * the float64 input itself (read only, never written) or one cast copy of a float32 one.
 */
function iterationInput(m: DenseMatrix, inKernel: boolean): DenseMatrix<Float64Array> {
  if (inKernel && !isKernelMatrix(m)) {
    const copy = allocateKernelMatrix(m.rows, m.cols);
    if (isKernelMatrix(copy)) {
      copy.data.set(m.data);
      return copy;
    }
  }
  if (m.data instanceof Float64Array) return m as DenseMatrix<Float64Array>;
  return { rows: m.rows, cols: m.cols, data: Float64Array.from(m.data) };
}

/** Runs PCP by inexact ALM. Options must already be valid numbers (see the rpca plugin for validation). */
export async function principalComponentPursuit(
  matrix: MatrixInput,
  options: Partial<PcpOptions> = {},
  run: PcpRunControl = {},
): Promise<PcpResult> {
  const started = performance.now();
  const settings: PcpOptions = { ...pcpDefaults, ...options };
  const { signal, onProgress } = run;
  throwIfAborted(signal);
  const given = toDenseMatrix(matrix);
  const { rows, cols } = given;
  // Non-finite entries are caught by the first pass over the data (startPass); an empty matrix here.
  if (rows === 0 || cols === 0) assertFiniteMatrix(given, 'input matrix');
  const products = run.products ?? (await defaultProducts());
  let peakBytes = arrayBuffersNow();
  const notePeak = () => {
    const now = arrayBuffersNow();
    if (now !== undefined && (peakBytes === undefined || now > peakBytes)) peakBytes = now;
  };

  // Every matrix the iteration touches (M, L, S and the work matrix T = M - S + Y/mu, which also
  // carries the dual variable Y: see pcp-kernels.ts) lives in the kernel memory when they fit
  // (4 GiB in all): products then read and write them in place and the element-wise passes run on
  // the WebAssembly threads. Otherwise ordinary arrays.
  const workMatrix = allocateKernelMatrix(rows, cols);
  const lowRankMatrix = allocateKernelMatrix(rows, cols);
  const sparseMatrix = allocateKernelMatrix(rows, cols);
  const inKernel = [workMatrix, lowRankMatrix, sparseMatrix].every(isKernelMatrix);
  const input = iterationInput(given, inKernel);
  const thresholding = new GramThresholding(products);
  const krylov = new BlockKrylovThresholding();
  let finished = false;
  try {
    const result = await iterate(input.data);
    finished = true;
    return result;
  } finally {
    if (input !== given) releaseKernelMatrix(input);
    releaseKernelMatrix(workMatrix);
    if (finished) {
      // L and S are the caller's now: their kernel memory is reused once they are garbage-collected.
      releaseKernelMatrixWhenCollected(lowRankMatrix);
      releaseKernelMatrixWhenCollected(sparseMatrix);
    } else {
      releaseKernelMatrix(lowRankMatrix);
      releaseKernelMatrix(sparseMatrix);
    }
    thresholding.release();
    krylov.release();
  }

  async function iterate(d: Float64Array): Promise<PcpResult> {
    const work = workMatrix.data;
    const lowRank = lowRankMatrix.data;
    const sparse = sparseMatrix.data;
    // T = M for the first update, with M's norms; non-finite input shows in them (checked here
    // rather than in a separate pass over the whole matrix first).
    let mark = performance.now();
    const { frobeniusSquared, maxAbs } = startPass(d, work);
    let elementwiseMs = performance.now() - mark;
    if (!Number.isFinite(maxAbs) || !Number.isFinite(frobeniusSquared)) {
      assertFiniteMatrix(given, 'input matrix'); // throws, naming the first non-finite entry
      throw new InvalidInputError(
        `The input matrix's entries are too large: the sum of their squares overflows (largest |entry| ${maxAbs}).`,
        { hint: 'Scale the input down (pixel values in [0, 1] or [0, 255] are fine).' },
      );
    }
    const frobenius = Math.sqrt(frobeniusSquared);
    if (frobenius === 0) {
      throw new InvalidInputError('The input matrix is all zeros; PCP has nothing to separate.', {
        hint: 'Check that the media decoded (a black video gives an all-zero matrix).',
      });
    }
    // Only the largest singular value is needed here: by block power iteration when it provably
    // converges (a dominant background), else from the Gram matrix's eigenvalues (no vectors).
    const spectralNorm =
      blockPowerSpectralNorm(input, frobeniusSquared, products) ??
      thresholding.decompose(input, Number.POSITIVE_INFINITY).singularValues[0]!;
    throwIfAborted(signal);
    const lambda = settings.lambda === 'auto' ? 1 / Math.sqrt(Math.max(rows, cols)) : settings.lambda;
    const mu0 = settings.mu === 'auto' ? 1.25 / spectralNorm : settings.mu;
    const muMax = mu0 * settings.muMaxFactor;
    // Y0 = M / J(M) with J(M) = max(||M||_2, ||M||_inf / lambda), ||M||_inf the largest absolute entry.
    const dualNorm = Math.max(spectralNorm, maxAbs / lambda);
    const size = rows * cols;
    notePeak();

    let mu = mu0;
    let residual = Number.POSITIVE_INFINITY;
    let rank = 0;
    let sparsity = 0;
    let iterations = 0;
    const history: number[] = [];
    const rankHistory: number[] = [];
    const sparsityHistory: number[] = [];
    const smallSide = Math.min(rows, cols);
    let predictedRank = Math.min(10, smallSide);
    let keptVectors: DenseMatrix<Float64Array> | undefined;
    let krylovIterations = 0;
    let krylovUsable = run.svdRoute !== 'gram';
    // E and T for iteration 1: the update with L = 0, E = 0 and T = M gives Y0/mu0 = M / (J mu0).
    mark = performance.now();
    let nonZeros = updatePass(d, lowRank, sparse, work, 1 / (dualNorm * mu), lambda / mu).nonZeros;
    elementwiseMs += performance.now() - mark;
    while (iterations < settings.maxIterations) {
      throwIfAborted(signal);
      iterations++;
      const invMu = 1 / mu;
      sparsity = nonZeros / size;
      // The reference's rank prediction (inexact_alm_rpca.m): one more while the rank falls short
      // of it, else 5% of n more. The Krylov route sizes its block from it, capped with a warm
      // start by the rank actually seen: the prediction jumps by 5% of n (37 for 748 frames) the
      // first time the rank stops falling short of it, which made a 48-wide block cost more than
      // the Gram route; ranks at most double (plus 2) per iteration. The first iteration, from
      // random vectors only, keeps the full block.
      const krylovRank = keptVectors ? Math.min(predictedRank, 2 * rank + 2) : predictedRank;
      const tryKrylov = krylovUsable && krylovRouteFits(workMatrix, krylovRank);
      const krylovOutcome = tryKrylov
        ? krylov.apply(workMatrix, invMu, lowRank, {
            vectors: keptVectors,
            predictedRank: krylovRank,
            seed: iterations,
            // A thousandth of the current constraint residual (the last one; at start, of ||M||).
            errorBudget: KRYLOV_ERROR_FRACTION * frobenius * Math.min(1, history.at(-1) ?? 1),
          })
        : null;
      if (krylovOutcome) {
        rank = krylovOutcome.rank;
        keptVectors = krylovOutcome.vectors;
        krylovIterations++;
      } else {
        // Ranks only grow from here and the spectrum near the threshold crowds: once the Krylov
        // route fails to converge it is not tried again (at most one wasted attempt per run).
        if (tryKrylov) krylovUsable = false;
        const outcome = thresholding.apply(workMatrix, invMu, lowRank);
        rank = outcome.rank;
        keptVectors = outcome.vectors;
      }
      predictedRank =
        rank < predictedRank
          ? Math.min(rank + 1, smallSide)
          : Math.min(rank + Math.round(0.05 * smallSide), smallSide);
      notePeak();
      const nextMu = Math.min(mu * settings.rho, muMax);
      // Residuals fall about geometrically: predict this one from the last two. When it may pass
      // the tolerance, E_k must survive the pass (it is the answer), so the passes run separately.
      const last = history.length;
      const predicted =
        last >= 2 ? (history[last - 1]! * history[last - 1]!) / history[last - 2]! : Number.POSITIVE_INFINITY;
      const fuse = predicted > 4 * settings.tolerance && iterations < settings.maxIterations;
      mark = performance.now();
      let mispredicted = false;
      if (fuse) {
        const pass = updatePass(d, lowRank, sparse, work, mu / nextMu, lambda / nextMu);
        residual = Math.sqrt(pass.residualSquared) / frobenius;
        nonZeros = pass.nonZeros;
        // Converged although not predicted: E now holds the next iterate, so run one more iteration.
        mispredicted = residual < settings.tolerance;
      } else {
        residual = Math.sqrt(residualPass(d, lowRank, sparse)) / frobenius;
      }
      elementwiseMs += performance.now() - mark;
      const previousMu = mu;
      mu = nextMu;
      history.push(residual);
      rankHistory.push(rank);
      sparsityHistory.push(sparsity);
      const progress: Progress = {
        iteration: iterations,
        maxIterations: settings.maxIterations,
        residual,
        rank,
        sparsity,
        // Residuals fall roughly geometrically, so progress is measured in orders of magnitude.
        fraction: Math.min(
          1,
          Math.max(
            iterations / settings.maxIterations,
            Math.log(Math.max(residual, 1e-300)) / Math.log(settings.tolerance),
          ),
        ),
      };
      onProgress?.(progress);
      if (residual < settings.tolerance && !mispredicted) break;
      if (!fuse) {
        if (iterations >= settings.maxIterations) break;
        mark = performance.now();
        nonZeros = updatePass(d, lowRank, sparse, work, previousMu / mu, lambda / mu).nonZeros;
        elementwiseMs += performance.now() - mark;
      }
      await yieldToEventLoop();
    }
    throwIfAborted(signal);
    const seconds = (performance.now() - started) / 1000;
    const diagnostics: PcpDiagnostics = {
      iterations,
      converged: residual < settings.tolerance,
      residual,
      milliseconds: seconds * 1000,
      seconds,
      history,
      rankHistory,
      sparsityHistory,
      lambda,
      mu0,
      finalMu: mu,
      timings: {
        ...thresholding.timings,
        elementwise: elementwiseMs,
        krylov: krylov.milliseconds,
      },
      krylovIterations,
      spectralNorm,
      ...(peakBytes === undefined ? {} : { peakArrayBuffersBytes: peakBytes }),
    };
    return {
      lowRank: { rows, cols, data: lowRank },
      sparse: { rows, cols, data: sparse },
      rank,
      sparsity,
      diagnostics,
    };
  }
}
