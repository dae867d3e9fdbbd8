import {
  createRng,
  type DenseMatrix,
  dtypeOf,
  InvalidOptionError,
  type MatrixInput,
  type RunControl,
  throwIfAborted,
  toDenseMatrix,
  transpose,
  zeros,
} from '@lowrank/core';
import {
  allocateKernelMatrix,
  finiteSumOfSquares,
  isKernelMatrix,
  linalgBackend,
  luPermutedLower,
  matmul,
  orthonormalBasis,
  releaseKernelMatrix,
} from '@lowrank/linalg';
import { applySignConvention, type SvdFactors, svd } from './gram-jacobi-svd.js';

export type PowerIterationNormalizer = 'auto' | 'none' | 'LU' | 'QR';
export type TransposeChoice = 'auto' | 'always' | 'never';

export interface RandomizedSvdOptions extends RunControl {
  /** Extra random directions beyond the rank (scikit-learn n_oversamples); default 10. */
  readonly oversamples?: number;
  /** Power iterations; 'auto' (default) = 7 if rank < 0.1 min(m, n), else 4 (scikit-learn's rule). */
  readonly powerIterations?: number | 'auto';
  /** Normalization between power iterations; 'auto' (default) = 'none' if iterations <= 2, else 'LU'. */
  readonly normalizer?: PowerIterationNormalizer;
  /**
   * Work on A^T instead of A: 'auto' (default) does so when A is wider than tall, as scikit-learn.
   * No transposed copy is ever made: the products read A with swapped strides.
   */
  readonly transpose?: TransposeChoice;
  /** Seed of the Gaussian test matrix (default 0): equal seeds give identical results. */
  readonly seed?: number;
}

/** The iteration count scikit-learn's randomized_svd uses for n_iter='auto'. */
export function autoPowerIterations(rank: number, rows: number, cols: number): number {
  return rank < 0.1 * Math.min(rows, cols) ? 7 : 4;
}

export function checkRank(rank: unknown, minDim: number): void {
  if (typeof rank !== 'number' || !Number.isInteger(rank) || rank < 1 || rank > minDim) {
    throw new InvalidOptionError(
      'rank',
      `expected an integer from 1 to ${minDim} (min(rows, cols)), got ${JSON.stringify(rank)}.`,
    );
  }
}

/** Whether to work on A^T for this transpose option: 'auto' when A (m x n) is wider than tall. */
export function worksOnTranspose(option: TransposeChoice | undefined, m: number, n: number): boolean {
  const choice = option ?? 'auto';
  if (!['auto', 'always', 'never'].includes(choice)) {
    throw new InvalidOptionError(
      'transpose',
      `expected one of auto, always, never, got ${JSON.stringify(choice)}.`,
    );
  }
  return choice === 'auto' ? m < n : choice === 'always';
}

export function checkInteger(name: string, value: unknown, min: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min) {
    throw new InvalidOptionError(name, `expected an integer >= ${min}, got ${JSON.stringify(value)}.`);
  }
  return value;
}

/**
 * Halko, Martinsson and Tropp's randomized SVD with scikit-learn's conventions and defaults
 * (sklearn.utils.extmath.randomized_svd): a Gaussian sketch of rank + oversamples columns, power
 * iterations normalized by LU (or QR, or none), an exact SVD of the small projected matrix, and
 * svd_flip's sign rule (largest |entry| of each left singular vector positive).
 *
 * Returns u (m x k), s (k, descending), v (n x k) for k = rank, as DenseMatrix / Float64Array.
 */
export function randomizedSvd(
  matrix: MatrixInput,
  rank: number,
  options: RandomizedSvdOptions = {},
): SvdFactors {
  const input = toDenseMatrix(matrix);
  finiteSumOfSquares(input); // core's assertFiniteMatrix, in one threaded pass when it passes
  return randomizedSvdOfFiniteMatrix(input, rank, options);
}

/** randomizedSvd for a matrix its caller has just checked (finiteSumOfSquares): one pass less. */
export function randomizedSvdOfFiniteMatrix(
  input: DenseMatrix,
  rank: number,
  options: RandomizedSvdOptions = {},
): SvdFactors {
  // float32 input stays float32 (half the memory traffic of every product); the small SVD and the
  // returned factors are float64 either way.
  const a = input;
  const m = a.rows;
  const n = a.cols;
  const minDim = Math.min(m, n);
  checkRank(rank, minDim);
  const oversamples = checkInteger('oversamples', options.oversamples ?? 10, 0);
  const iterationsOption = options.powerIterations ?? 'auto';
  const iterations =
    iterationsOption === 'auto'
      ? autoPowerIterations(rank, m, n)
      : checkInteger('powerIterations', iterationsOption, 0);
  const normalizerOption = options.normalizer ?? 'auto';
  if (!['auto', 'none', 'LU', 'QR'].includes(normalizerOption)) {
    throw new InvalidOptionError(
      'normalizer',
      `expected one of auto, none, LU, QR, got ${JSON.stringify(normalizerOption)}.`,
    );
  }
  const normalizer = normalizerOption === 'auto' ? (iterations <= 2 ? 'none' : 'LU') : normalizerOption;
  const seed = checkInteger('seed', options.seed ?? 0, 0);
  const transposed = worksOnTranspose(options.transpose, m, n);
  const signal = options.signal;
  const report = options.onProgress;
  throwIfAborted(signal);

  return withKernelCopy(a, (x) =>
    rangeFinderSvd(x, rank, { transposed, oversamples, iterations, normalizer, seed, signal, report }),
  );
}

/**
 * Runs `work` on A, or on a copy of a big float64 A in the kernels' shared memory when two threads
 * run: every pass over A is then a product on both cores that reads A without copying it each time.
 */
export function withKernelCopy<T>(a: DenseMatrix, work: (a: DenseMatrix) => T): T {
  const allocated =
    a.data instanceof Float64Array &&
    linalgBackend().threads > 1 &&
    a.rows * a.cols >= KERNEL_COPY_MIN_ELEMENTS &&
    !isKernelMatrix(a)
      ? allocateKernelMatrix(a.rows, a.cols)
      : undefined;
  // allocateKernelMatrix falls back to an ordinary array when kernel memory is full: then copying
  // into it would only cost time and memory, so A is used where it is.
  const kernelCopy = allocated && isKernelMatrix(allocated) ? allocated : undefined;
  try {
    if (kernelCopy) kernelCopy.data.set(a.data);
    return work(kernelCopy ?? a);
  } finally {
    if (kernelCopy) releaseKernelMatrix(kernelCopy);
  }
}

/** Inputs smaller than this stay where they are: the copy would cost more than it saves. */
const KERNEL_COPY_MIN_ELEMENTS = 1 << 22;

function rangeFinderSvd(
  a: DenseMatrix,
  rank: number,
  settings: {
    transposed: boolean;
    oversamples: number;
    iterations: number;
    normalizer: string;
    seed: number;
    signal: AbortSignal | undefined;
    report: RandomizedSvdOptions['onProgress'];
  },
): SvdFactors {
  const { transposed, oversamples, iterations, normalizer, seed, signal, report } = settings;
  const m = a.rows;
  const n = a.cols;
  const minDim = Math.min(m, n);
  // X = op(A) is (transposed ? n x m : m x n); products read A with transpose flags, never a copy.
  const cols = transposed ? m : n;
  // More columns than min(m, n) add nothing (the range is already complete).
  const size = Math.min(rank + oversamples, minDim);
  const dtype = dtypeOf(a);
  const block = (rows: number): DenseMatrix => zeros(rows, size, dtype);
  // The power iterations write their blocks into the same two arrays each time (the LU in place):
  // fresh ones would each cost their page faults again (about 4 ms per MB on a VM; 40 ms an
  // iteration on a 24-megapixel image).
  const long = block(transposed ? n : m); // X y
  const short = block(cols); // X^T y
  // A^T y is computed as (y^T A)^T: the product then reads A's rows in order, which the threaded
  // GEMM does half again as fast (a 4000 x 6000 float32 A times 60 columns: 43 ms against 69);
  // transposing the small result back costs well under a millisecond.
  const wide = zeros(size, n, dtype);
  const timesA = (y: DenseMatrix, out?: DenseMatrix) => matmul(a, y, out ? { out } : {});
  const timesATransposed = (y: DenseMatrix, out?: DenseMatrix): DenseMatrix =>
    transpose(matmul(y, a, { transposeA: true, out: wide }), out ?? block(n));
  const times = transposed ? timesATransposed : timesA; // X y
  const timesT = transposed ? timesA : timesATransposed; // X^T y
  const normalize = (y: DenseMatrix): DenseMatrix =>
    normalizer === 'LU' ? luPermutedLower(y, { out: y }) : normalizer === 'QR' ? orthonormalBasis(y) : y;

  const rng = createRng(seed);
  let q = block(cols);
  rng.fillNormal(q.data);
  const totalSteps = iterations + 2;
  for (let it = 0; it < iterations; it++) {
    throwIfAborted(signal);
    q = normalize(times(q, long));
    q = normalize(timesT(q, short));
    report?.({
      fraction: (it + 1) / totalSteps,
      iteration: it + 1,
      maxIterations: iterations,
      message: 'power iteration',
    });
  }
  throwIfAborted(signal);
  q = orthonormalBasis(times(q)); // of the range of X, size columns (Q of its thin QR)
  throwIfAborted(signal);
  // B = Q^T X (size x cols) = (X^T Q)^T: computed as Bt = X^T Q (cols x size), whose exact SVD
  // Bt = Vb S Ub^T gives X ~ (Q Ub) S Vb^T.
  const bt = timesT(q);
  const small = svd(bt, { signal });
  throwIfAborted(signal);
  report?.({ fraction: (iterations + 1) / totalSteps, message: 'small SVD' });
  const left = matmul(toDenseMatrix(q, 'float64'), takeColumns(small.v, rank)) as DenseMatrix<Float64Array>; // rows x k
  const right = takeColumns(small.u, rank); // cols x k
  const s = small.s.slice(0, rank);
  const u = transposed ? right : left;
  const v = transposed ? left : right;
  applySignConvention(u, v, rank);
  report?.({ fraction: 1, message: 'done' });
  return { u, s, v };
}

/** The first k columns (copied). */
export function takeColumns(a: DenseMatrix, k: number): DenseMatrix<Float64Array> {
  if (k === a.cols && a.data instanceof Float64Array) return a as DenseMatrix<Float64Array>;
  const out = new Float64Array(a.rows * k);
  for (let r = 0; r < a.rows; r++) for (let c = 0; c < k; c++) out[r * k + c] = a.data[r * a.cols + c]!;
  return { rows: a.rows, cols: k, data: out };
}
