import { createRng, type DenseMatrix } from '@lowrank/core';
import { allocateKernelMatrix } from '@lowrank/linalg';

/**
 * Deterministic inputs for tests and examples (exported for plugin authors' own tests).
 */

/** The fixture input of fixtures/make-pcp-trajectory.py, same formula, pixels x frames orientation. */
export function trajectoryFixtureMatrix(m = 90, n = 60): DenseMatrix<Float64Array> {
  const data = new Float64Array(m * n);
  for (let i = 0; i < m; i++)
    for (let j = 0; j < n; j++) {
      const low =
        Math.sin(0.3 * i + 0.1) * Math.cos(0.2 * j) +
        0.5 * Math.cos(0.11 * i) * Math.sin(0.37 * j + 0.5) +
        0.25 * Math.sin((0.07 * i * i) / m + 1.0) * Math.cos((0.05 * j * j) / n);
      const spike =
        (i * 7 + j * 13) % 23 === 0 ? (2.0 + ((i + j) % 5) * 0.5) * ((i + 2 * j) % 3 === 0 ? -1 : 1) : 0;
      data[i * n + j] = low + spike + 1e-3 * Math.sin(1.7 * i + 2.3 * j);
    }
  return { rows: m, cols: n, data };
}

export interface PlantedLowRankPlusSparse {
  readonly matrix: DenseMatrix<Float64Array>;
  readonly lowRank: DenseMatrix<Float64Array>;
  readonly sparse: DenseMatrix<Float64Array>;
  readonly noise: DenseMatrix<Float64Array>;
}

/**
 * M = L + S + N: L of the given rank (Gaussian factors scaled so entries are O(1)), S with a
 * `fraction` of entries set to +-magnitude (uniform in [magnitude, 2 magnitude]), N Gaussian with
 * standard deviation `noise`.
 */
export function plantedLowRankPlusSparse(options: {
  rows: number;
  cols: number;
  rank: number;
  fraction: number;
  magnitude: number;
  noise?: number;
  seed?: number;
}): PlantedLowRankPlusSparse {
  const { rows, cols, rank, fraction, magnitude } = options;
  const rng = createRng(options.seed ?? 1);
  const u = new Float64Array(rows * rank);
  const v = new Float64Array(rank * cols);
  rng.fillNormal(u);
  rng.fillNormal(v);
  const low = new Float64Array(rows * cols);
  const scale = 1 / Math.sqrt(rank);
  for (let i = 0; i < rows; i++)
    for (let j = 0; j < cols; j++) {
      let s = 0;
      for (let r = 0; r < rank; r++) s += u[i * rank + r]! * v[r * cols + j]!;
      low[i * cols + j] = s * scale;
    }
  const sparse = new Float64Array(rows * cols);
  for (let k = 0; k < sparse.length; k++) {
    if (rng.next() < fraction) sparse[k] = (rng.next() < 0.5 ? -1 : 1) * magnitude * (1 + rng.next());
  }
  const noise = new Float64Array(rows * cols);
  if (options.noise) for (let k = 0; k < noise.length; k++) noise[k] = options.noise * rng.normal();
  const m = new Float64Array(rows * cols);
  for (let k = 0; k < m.length; k++) m[k] = low[k]! + sparse[k]! + noise[k]!;
  const wrap = (data: Float64Array) => ({ rows, cols, data });
  return { matrix: wrap(m), lowRank: wrap(low), sparse: wrap(sparse), noise: wrap(noise) };
}

/** n x N matrix U diag(s) V^T with random orthonormal U, V (in the kernel memory where possible). */
export function withSpectrum(
  n: number,
  cols: number,
  singularValues: number[],
  seed: number,
): DenseMatrix<Float64Array> {
  const rng = createRng(seed);
  const k = singularValues.length;
  const orthonormal = (rows: number) => {
    // Gram-Schmidt on Gaussian columns, rows x k row-major.
    const q = new Float64Array(rows * k);
    rng.fillNormal(q);
    for (let j = 0; j < k; j++) {
      for (let p = 0; p < j; p++) {
        let dot = 0;
        for (let i = 0; i < rows; i++) dot += q[i * k + j]! * q[i * k + p]!;
        for (let i = 0; i < rows; i++) q[i * k + j]! -= dot * q[i * k + p]!;
      }
      let norm = 0;
      for (let i = 0; i < rows; i++) norm += q[i * k + j]! ** 2;
      for (let i = 0; i < rows; i++) q[i * k + j]! /= Math.sqrt(norm);
    }
    return q;
  };
  const u = orthonormal(n);
  const v = orthonormal(cols);
  const t = allocateKernelMatrix(n, cols);
  for (let i = 0; i < n; i++)
    for (let j = 0; j < cols; j++) {
      let sum = 0;
      for (let l = 0; l < k; l++) sum += u[i * k + l]! * singularValues[l]! * v[j * k + l]!;
      t.data[i * cols + j] = sum;
    }
  return t;
}
