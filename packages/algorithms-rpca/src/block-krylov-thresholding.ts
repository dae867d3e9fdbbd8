import { createRng, type DenseMatrix } from '@lowrank/core';
import { allocateKernelMatrix, matmul, qrThin, releaseKernelMatrix, symmetricEigen } from '@lowrank/linalg';

/**
 * Singular value thresholding for the iterations where few singular values pass the threshold:
 * a warm-started block Krylov eigensolver on T T^T (the small side), instead of the full Gram
 * matrix and its full eigendecomposition.
 *
 * The start block is the previous iteration's kept singular vectors plus random columns (the
 * reference's predicted rank plus OVERSAMPLE). Each Krylov block costs two passes over T
 * (Z = Q^T T, then W = T Z^T = (T T^T) Q); Rayleigh-Ritz on the blocks so far needs only
 * small-side arithmetic, since (T T^T) K is the W blocks already computed. It stops when
 *   - the first Ritz value below the threshold is below it by more than its residual norm (an
 *     eigenvalue lies within that distance), so the kept count is right, and
 *   - the error the kept Ritz vectors put into the thresholded matrix, estimated from their
 *     residuals and gaps as sum 2 w_i s_i ||r_i|| / gap_i, is within the caller's error budget:
 *     inexact ALM only needs each SVD step accurate to a small fraction of the current residual.
 * Otherwise (too many blocks, or the kept rank nears the block size) it returns null and the
 * caller takes the exact Gram route.
 *
 * Rebuilding A = X_r diag(w) X_r^T T also costs less here: X_r^T T = S_r^T (K^T T), and K^T T is
 * the stacked Z blocks, so only the final rank-r product reads T again.
 */
const OVERSAMPLE = 8;
const MAX_BLOCKS = 4;

export interface KrylovStart {
  /** The previous iteration's kept small-side singular vectors (n x r), or undefined. */
  readonly vectors: DenseMatrix<Float64Array> | undefined;
  /** How many singular values are expected above the threshold (the reference's prediction). */
  readonly predictedRank: number;
  /** Seed of the random start columns (the solver passes its iteration number). */
  readonly seed: number;
  /** Largest acceptable Frobenius-norm error of the thresholded matrix (see the class comment). */
  readonly errorBudget: number;
}

export interface KrylovOutcome {
  readonly rank: number;
  /** Singular values above the threshold, descending. */
  readonly singularValues: Float64Array;
  /** Their small-side singular vectors, n x rank. */
  readonly vectors: DenseMatrix<Float64Array>;
  /** Krylov blocks used (each two passes over T). */
  readonly blocks: number;
}

/** Blocks a typical warm start needs (measured on the highway video: 2 to 3). */
const EXPECTED_BLOCKS = 3;

/**
 * True when this route is worth trying: a wide T (rows <= cols, as PCP's frames x pixels video
 * matrix is) whose expected Krylov cost, 2 n N b per block, stays under the Gram's n^2 N / 2.
 */
export function krylovRouteFits(t: DenseMatrix, predictedRank: number): boolean {
  const n = t.rows;
  const block = predictedRank + OVERSAMPLE;
  return t.rows <= t.cols && n >= 128 && 2 * block * EXPECTED_BLOCKS <= n / 2;
}

export class BlockKrylovThresholding {
  /** Stacked Z blocks (up to MAX_BLOCKS * block rows x N), in the kernel memory. */
  #zStack: DenseMatrix<Float64Array> | undefined;
  #panel: DenseMatrix<Float64Array> | undefined;
  /** Milliseconds spent in apply() since construction, misses included (for diagnostics). */
  milliseconds = 0;

  /** Writes the thresholded t into `out`, or returns null (out untouched) when it did not converge. */
  apply(
    t: DenseMatrix<Float64Array>,
    tau: number,
    out: Float64Array,
    start: KrylovStart,
  ): KrylovOutcome | null {
    const started = performance.now();
    try {
      return this.#solve(t, tau, out, start);
    } finally {
      this.milliseconds += performance.now() - started;
    }
  }

  #solve(
    t: DenseMatrix<Float64Array>,
    tau: number,
    out: Float64Array,
    start: KrylovStart,
  ): KrylovOutcome | null {
    const n = t.rows;
    const N = t.cols;
    const b = Math.min(start.predictedRank + OVERSAMPLE, n);
    const capacity = MAX_BLOCKS * b;
    if (!this.#zStack || this.#zStack.rows < capacity || this.#zStack.cols !== N) {
      if (this.#zStack) releaseKernelMatrix(this.#zStack);
      this.#zStack = allocateKernelMatrix(capacity, N);
    }
    const zStack = this.#zStack;
    let q = startBlock(n, b, start);
    // K = [Q_0 .. Q_j] and GK = [W_0 .. W_j], n x c row-major, grown a block at a time.
    let basis: Float64Array = new Float64Array(0);
    let images: Float64Array = new Float64Array(0);
    let c = 0;
    for (let block = 0; block < MAX_BLOCKS; block++) {
      const zBlock = zStack.data.subarray(c * N, (c + b) * N);
      const zt = matmul(q, t, { transposeA: true, out: { rows: b, cols: N, data: zBlock } });
      const w = matmul(t, zt as DenseMatrix<Float64Array>, { transposeB: true }) as DenseMatrix<Float64Array>;
      basis = appendColumns(basis, n, c, q.data, b);
      images = appendColumns(images, n, c, w.data, b);
      c += b;
      const ritz = rayleighRitz(basis, images, n, c);
      const threshold = tau * tau;
      let rank = 0;
      while (rank < c && ritz.values[rank]! > threshold) rank++;
      const converged =
        rank + 1 <= c - OVERSAMPLE / 2 &&
        accurateEnough(ritz, basis, images, n, c, rank, tau, start.errorBudget);
      if (converged) return this.#rebuild(t, tau, out, ritz, basis, rank, c, block + 1);
      if (block + 1 === MAX_BLOCKS) break;
      q = nextBlock(basis, w.data, n, c, b);
    }
    return null;
  }

  #rebuild(
    t: DenseMatrix<Float64Array>,
    tau: number,
    out: Float64Array,
    ritz: { values: Float64Array; vectors: DenseMatrix<Float64Array> },
    basis: Float64Array,
    rank: number,
    c: number,
    blocks: number,
  ): KrylovOutcome {
    const n = t.rows;
    const N = t.cols;
    const singularValues = new Float64Array(rank);
    for (let i = 0; i < rank; i++) singularValues[i] = Math.sqrt(ritz.values[i]!);
    // X_r = K S_r (n x rank); P = (S_r diag(w))^T (rank x c), w_i = 1 - tau / s_i.
    const sKept = new Float64Array(c * rank);
    const weighted = new Float64Array(rank * c);
    const s = ritz.vectors.data;
    const stride = ritz.vectors.cols;
    for (let i = 0; i < c; i++)
      for (let j = 0; j < rank; j++) {
        const v = s[i * stride + j]!;
        sKept[i * rank + j] = v;
        weighted[j * c + i] = v * (1 - tau / singularValues[j]!);
      }
    const vectors = matmul(
      { rows: n, cols: c, data: basis },
      { rows: c, cols: rank, data: sKept },
    ) as DenseMatrix<Float64Array>;
    if (rank === 0) {
      out.fill(0);
    } else {
      if (!this.#panel || this.#panel.data.length < rank * N) {
        if (this.#panel) releaseKernelMatrix(this.#panel);
        this.#panel = allocateKernelMatrix(Math.max(rank, 2 * rank), N);
      }
      const panel = { rows: rank, cols: N, data: this.#panel.data.subarray(0, rank * N) };
      const zUsed = { rows: c, cols: N, data: this.#zStack!.data.subarray(0, c * N) };
      // (X_r diag(w))^T T = P (K^T T): K^T T is the stacked Z blocks.
      matmul({ rows: rank, cols: c, data: weighted }, zUsed, { out: panel });
      matmul(vectors, panel, { out: { rows: n, cols: N, data: out } });
    }
    return { rank, singularValues, vectors, blocks };
  }

  release(): void {
    if (this.#zStack) releaseKernelMatrix(this.#zStack);
    if (this.#panel) releaseKernelMatrix(this.#panel);
    this.#zStack = undefined;
    this.#panel = undefined;
  }
}

/** Orthonormal n x b start: the previous vectors first, then seeded Gaussian columns. */
function startBlock(n: number, b: number, start: KrylovStart): DenseMatrix<Float64Array> {
  const data = new Float64Array(n * b);
  const rng = createRng(start.seed);
  const previous = start.vectors;
  const reuse = previous ? Math.min(previous.cols, b) : 0;
  for (let i = 0; i < n; i++)
    for (let j = 0; j < b; j++)
      data[i * b + j] = j < reuse ? previous!.data[i * previous!.cols + j]! : rng.normal();
  return qrThin({ rows: n, cols: b, data }).q as DenseMatrix<Float64Array>;
}

/** [existing | block] as n x (c + b) row-major. */
function appendColumns(
  existing: Float64Array,
  n: number,
  c: number,
  block: Float64Array,
  b: number,
): Float64Array {
  const grown = new Float64Array(n * (c + b));
  for (let i = 0; i < n; i++) {
    grown.set(existing.subarray(i * c, (i + 1) * c), i * (c + b));
    grown.set(block.subarray(i * b, (i + 1) * b), i * (c + b) + c);
  }
  return grown;
}

/** Eigenpairs of H = K^T (G K) (c x c, symmetrized), values descending. */
export function rayleighRitz(
  basis: Float64Array,
  images: Float64Array,
  n: number,
  c: number,
): { values: Float64Array; vectors: DenseMatrix<Float64Array> } {
  const h = matmul(
    { rows: n, cols: c, data: basis },
    { rows: n, cols: c, data: images },
    { transposeA: true },
  );
  const hd = h.data;
  for (let i = 0; i < c; i++)
    for (let j = i + 1; j < c; j++) {
      const mean = 0.5 * (hd[i * c + j]! + hd[j * c + i]!);
      hd[i * c + j] = mean;
      hd[j * c + i] = mean;
    }
  return symmetricEigen(h) as { values: Float64Array; vectors: DenseMatrix<Float64Array> };
}

/** ||G x_j - theta_j x_j|| for the Ritz pairs j < count (G x = (G K) s needs no pass over T). */
export function ritzResidualNorms(
  ritz: { values: Float64Array; vectors: DenseMatrix<Float64Array> },
  basis: Float64Array,
  images: Float64Array,
  n: number,
  c: number,
  count: number,
): Float64Array {
  const s = ritz.vectors.data;
  const norms = new Float64Array(count);
  for (let j = 0; j < count; j++) {
    const theta = ritz.values[j]!;
    let squared = 0;
    for (let i = 0; i < n; i++) {
      let xs = 0;
      let gs = 0;
      for (let l = 0; l < c; l++) {
        const w = s[l * c + j]!;
        xs += basis[i * c + l]! * w;
        gs += images[i * c + l]! * w;
      }
      const r = gs - theta * xs;
      squared += r * r;
    }
    norms[j] = Math.sqrt(squared);
  }
  return norms;
}

/** The stopping test of the class comment, for `rank` Ritz values above tau^2. */
function accurateEnough(
  ritz: { values: Float64Array; vectors: DenseMatrix<Float64Array> },
  basis: Float64Array,
  images: Float64Array,
  n: number,
  c: number,
  rank: number,
  tau: number,
  errorBudget: number,
): boolean {
  const theta = ritz.values;
  const residuals = ritzResidualNorms(ritz, basis, images, n, c, rank + 1);
  // An eigenvalue lies within residual of each Ritz value: the first one left out must stay out.
  if (!(theta[rank]! + residuals[rank]! < tau * tau)) return false;
  let estimate = 0;
  for (let i = 0; i < rank; i++) {
    let gap = Number.POSITIVE_INFINITY;
    if (i > 0) gap = Math.min(gap, theta[i - 1]! - theta[i]!);
    if (i + 1 < c) gap = Math.min(gap, theta[i]! - theta[i + 1]!);
    const s = Math.sqrt(theta[i]!);
    const w = 1 - tau / s;
    // Angle error of x_i <= ||r_i|| / gap; x_i carries w_i s_i of the thresholded matrix.
    estimate += (2 * w * s * residuals[i]!) / Math.max(gap, Number.MIN_VALUE);
    if (!(estimate <= errorBudget)) return false;
  }
  return true;
}

/** The next Krylov block: W orthogonalized (twice) against the basis so far, then orthonormalized. */
function nextBlock(
  basis: Float64Array,
  w: Float64Array,
  n: number,
  c: number,
  b: number,
): DenseMatrix<Float64Array> {
  const k = { rows: n, cols: c, data: basis };
  let block: DenseMatrix<Float64Array> = { rows: n, cols: b, data: Float64Array.from(w) };
  for (let pass = 0; pass < 2; pass++) {
    const coefficients = matmul(k, block, { transposeA: true });
    const projection = matmul(k, coefficients);
    for (let i = 0; i < block.data.length; i++) block.data[i]! -= projection.data[i]!;
    block = qrThin(block).q as DenseMatrix<Float64Array>;
  }
  return block;
}
