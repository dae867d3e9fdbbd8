import { type DenseMatrix, InvalidInputError, LowrankError, throwIfAborted } from '@lowrank/core';
import { gemmThreads } from './backend.js';
import { gemm } from './gemm-dispatch.js';
import { allocateKernelMatrix, isKernelArray, releaseKernelMatrix } from './kernel-memory.js';
import { matmul } from './matmul.js';
import {
  type SymmetricProductWorkspace,
  symmetricProductWorkspace,
  symmetricUpperProductOnThreads,
  type TridiagonalPanelSteps,
  tridiagonalPanelSteps,
} from './symmetric-product-threads.js';

/**
 * Dense symmetric eigendecomposition A = V diag(values) V^T:
 * Householder tridiagonalization (upper triangle, row-major, contiguous inner loops), then Cuppen's
 * divide and conquer on the tridiagonal matrix with Gu-Eisenstat eigenvectors (LAPACK dstedc's
 * method), and one matrix product to map the tridiagonal eigenvectors back.
 * Divide and conquer spends its time in matrix products instead of n^2 plane rotations, which is
 * what makes it several times faster than implicit QL in JavaScript for n in the hundreds.
 */
export interface SymmetricEigenResult {
  /** Eigenvalues, descending. */
  readonly values: Float64Array;
  /**
   * n x n, row-major; column j is the unit eigenvector of values[j]. With `vectorsAbove`, n x c:
   * only the c eigenvectors of the values above it (the first c).
   */
  readonly vectors: DenseMatrix<Float64Array>;
}

export interface SymmetricEigenOptions {
  /** Checked between the phases and between merges. */
  readonly signal?: AbortSignal;
  /**
   * Only eigenvectors whose eigenvalue exceeds this are returned (every value still is). Mapping
   * the tridiagonal eigenvectors back costs 2 n^2 per vector, most of the whole decomposition's
   * time, so a caller that keeps the top few (singular value thresholding) saves most of it.
   */
  readonly vectorsAbove?: number;
}

const EPS = 2 ** -52;

/** Subproblems up to this size are solved by implicit QL directly. */
const LEAF_SIZE = 32;

/**
 * Eigenvalues (descending) and eigenvectors (columns) of a symmetric matrix. Only the upper
 * triangle (j >= i) is read, as LAPACK's 'U' mode does; the input is not modified.
 */
export function symmetricEigen(a: DenseMatrix, options: SymmetricEigenOptions = {}): SymmetricEigenResult {
  const n = a.rows;
  if (a.cols !== n) {
    throw new InvalidInputError(`symmetricEigen needs a square matrix, got ${a.rows} x ${a.cols}.`);
  }
  const signal = options.signal;
  throwIfAborted(signal);
  if (n === 0)
    return { values: new Float64Array(0), vectors: { rows: 0, cols: 0, data: new Float64Array(0) } };
  // From this size on, the tridiagonalization's symmetric products run on the WebAssembly threads,
  // which read the matrix and the reflectors where they live: in the kernel memory.
  const threaded = n >= THREADED_FROM ? symmetricProductWorkspace(n, gemmThreads()) : null;
  const workMatrix = threaded ? allocateKernelMatrix(n, n) : undefined;
  const work = workMatrix?.data ?? new Float64Array(n * n);
  work.set(a.data.subarray(0, n * n));
  try {
    return decompose(work, n, options, threaded);
  } finally {
    if (workMatrix) releaseKernelMatrix(workMatrix);
    if (threaded) releaseKernelMatrix(threaded.partials);
  }
}

/** Below this size the threads' start-up per product costs more than they save. */
const THREADED_FROM = 128;

function decompose(
  work: Float64Array,
  n: number,
  options: SymmetricEigenOptions,
  threaded: SymmetricProductWorkspace | null,
): SymmetricEigenResult {
  const signal = options.signal;
  let scale = 0;
  for (let i = 0; i < n; i++) {
    const row = i * n;
    for (let j = i; j < n; j++) {
      const v = work[row + j]!;
      if (!Number.isFinite(v)) {
        throw new InvalidInputError(
          `symmetricEigen: the matrix has a non-finite entry (${v}) at row ${i}, column ${j}.`,
        );
      }
      const abs = v < 0 ? -v : v;
      if (abs > scale) scale = abs;
    }
  }
  if (scale === 0) {
    const eye = new Float64Array(n * n);
    for (let i = 0; i < n; i++) eye[i * n + i] = 1;
    return { values: new Float64Array(n), vectors: { rows: n, cols: n, data: eye } };
  }
  // Scaling to max |a_ij| = 1 keeps every sqrt(x^2 + y^2) below far from overflow and underflow.
  const inv = 1 / scale;
  for (let k = 0; k < work.length; k++) work[k]! *= inv;

  const d = new Float64Array(n);
  const e = new Float64Array(n);
  const tau = new Float64Array(n);
  tridiagonalize(work, n, d, e, tau, threaded);
  throwIfAborted(signal);
  const v = tridiagonalEigenInPlace(d, e, n, signal);
  throwIfAborted(signal);
  // Ascending -> descending: reverse values and columns, keeping the first `kept` columns.
  const values = new Float64Array(n);
  for (let j = 0; j < n; j++) values[j] = d[n - 1 - j]! * scale;
  const above = options.vectorsAbove;
  let kept = n;
  if (above !== undefined) {
    kept = 0;
    while (kept < n && values[kept]! > above) kept++;
  }
  const z = kept === n ? v : new Float64Array(n * kept);
  for (let i = 0; i < n; i++) {
    const row = i * n;
    if (kept === n) {
      for (let j = 0, k = n - 1; j < k; j++, k--) {
        const t = v[row + j]!;
        v[row + j] = v[row + k]!;
        v[row + k] = t;
      }
    } else {
      const out = i * kept;
      for (let j = 0; j < kept; j++) z[out + j] = v[row + n - 1 - j]!;
    }
  }
  applyReflectors(work, n, tau, z, kept);
  return { values, vectors: { rows: n, cols: kept, data: z } };
}

/**
 * Eigenvalues and eigenvectors of the symmetric tridiagonal matrix with diagonal `diagonal` and
 * off-diagonal `offDiagonal` (length n - 1, or n with the last entry ignored).
 * Values ascending; vectors n x n row-major, column j for values[j].
 */
export function symmetricTridiagonalEigen(
  diagonal: ArrayLike<number>,
  offDiagonal: ArrayLike<number>,
  options: SymmetricEigenOptions = {},
): SymmetricEigenResult {
  const n = diagonal.length;
  if (offDiagonal.length < n - 1) {
    throw new InvalidInputError(
      `symmetricTridiagonalEigen: off-diagonal has ${offDiagonal.length} entries, needs ${Math.max(0, n - 1)}.`,
    );
  }
  const d = Float64Array.from(diagonal);
  const e = new Float64Array(n);
  for (let i = 0; i + 1 < n; i++) e[i] = offDiagonal[i]!;
  let scale = 0;
  for (let i = 0; i < n; i++) scale = Math.max(scale, Math.abs(d[i]!), Math.abs(e[i]!));
  if (!Number.isFinite(scale)) throw new InvalidInputError('symmetricTridiagonalEigen: non-finite entries.');
  if (scale === 0) scale = 1;
  for (let i = 0; i < n; i++) {
    d[i]! /= scale;
    e[i]! /= scale;
  }
  const z = n === 0 ? new Float64Array(0) : tridiagonalEigenInPlace(d, e, n, options.signal);
  for (let i = 0; i < n; i++) d[i]! *= scale;
  return { values: d, vectors: { rows: n, cols: n, data: z } };
}

/** Reflectors per panel of the blocked tridiagonalization. */
const PANEL = 32;

/**
 * Householder reduction of the symmetric matrix in `a` (upper triangle used) to tridiagonal
 * T = H_{n-3} ... H_0 A H_0 ... H_{n-3}. Reflector k is stored in row k right of column k+1
 * (its leading 1 implicit), with its tau in tau[k]. e[k] = T[k, k+1].
 *
 * Blocked as LAPACK dsytrd/dlatrd (row-major upper = column-major lower): within a panel of
 * reflectors the trailing matrix is left stale and each symmetric product is corrected with the
 * panel's V and W; after the panel, A22 -= V W^T + W V^T is one matrix product. Half the flops
 * then run in the GEMM kernel; the other half is one read-only pass per reflector.
 */
function tridiagonalize(
  a: Float64Array,
  n: number,
  d: Float64Array,
  e: Float64Array,
  tau: Float64Array,
  threaded: SymmetricProductWorkspace | null = null,
): void {
  // Row l = reflector l of the panel (global column index), and the product y; in the kernel
  // memory when threaded, where the in-panel steps also run as WebAssembly SIMD.
  const vtMatrix = threaded ? allocateKernelMatrix(PANEL, n) : undefined;
  const wtMatrix = threaded ? allocateKernelMatrix(PANEL, n) : undefined;
  const yMatrix = threaded ? allocateKernelMatrix(1, n) : undefined;
  const vt = vtMatrix?.data ?? new Float64Array(PANEL * n);
  const wt = wtMatrix?.data ?? new Float64Array(PANEL * n);
  const y = yMatrix?.data ?? new Float64Array(n);
  const onThreads = threaded !== null && isKernelArray(vt) && isKernelArray(a);
  try {
    tridiagonalizeWith(
      a,
      n,
      d,
      e,
      tau,
      { vt, wt, y },
      onThreads ? threaded : null,
      onThreads ? tridiagonalPanelSteps(a, n, vt, wt, y) : null,
    );
  } finally {
    for (const m of [vtMatrix, wtMatrix, yMatrix]) if (m) releaseKernelMatrix(m);
  }
}

function tridiagonalizeWith(
  a: Float64Array,
  n: number,
  d: Float64Array,
  e: Float64Array,
  tau: Float64Array,
  { vt, wt, y }: { vt: Float64Array; wt: Float64Array; y: Float64Array },
  threaded: SymmetricProductWorkspace | null,
  steps: TridiagonalPanelSteps | null,
): void {
  const t1 = new Float64Array(PANEL);
  const t2 = new Float64Array(PANEL);
  for (let k0 = 0; k0 < n - 2; k0 += PANEL) {
    const kEnd = Math.min(k0 + PANEL, n - 2);
    vt.fill(0);
    wt.fill(0);
    for (let k = k0; k < kEnd; k++) {
      const i = k - k0;
      const rowK = k * n;
      // Row k gets the panel's earlier updates: a_kj -= V_jl W_kl + W_jl V_kl.
      if (steps) steps.rowUpdate(k, i);
      else {
        for (let l = 0; l < i; l++) {
          const base = l * n;
          const wk = wt[base + k]!;
          const vk = vt[base + k]!;
          for (let j = k; j < n; j++) a[rowK + j]! -= vt[base + j]! * wk + wt[base + j]! * vk;
        }
      }
      d[k] = a[rowK + k]!;
      const x0 = k + 1;
      const alpha = a[rowK + x0]!;
      let xnorm2 = 0;
      for (let j = x0 + 1; j < n; j++) xnorm2 += a[rowK + j]! * a[rowK + j]!;
      if (xnorm2 === 0) {
        tau[k] = 0;
        e[k] = alpha;
        continue; // V and W rows stay zero: no update from this reflector
      }
      const norm = Math.sqrt(alpha * alpha + xnorm2);
      const beta = alpha >= 0 ? -norm : norm;
      const t = (beta - alpha) / beta;
      const sc = 1 / (alpha - beta);
      tau[k] = t;
      e[k] = beta;
      a[rowK + x0] = 1;
      for (let j = x0 + 1; j < n; j++) a[rowK + j]! *= sc;
      const vRow = i * n;
      for (let j = x0; j < n; j++) vt[vRow + j] = a[rowK + j]!;
      // y = A22 v over the stale upper triangle (row i adds a_ij v_j to y_i and a_ij v_i to y_j).
      // Small trailing matrices stay in JavaScript: waking the threads costs more than they save.
      if (
        !(
          threaded &&
          n - x0 >= THREADED_FROM &&
          symmetricUpperProductOnThreads(a, n, x0, vt, vRow, y, threaded)
        )
      ) {
        y.fill(0, x0, n);
        symmetricUpperProduct(a, n, x0, vt, vRow, y);
      }
      // Corrections for the panel's pending updates: y -= V (W^T v) + W (V^T v).
      if (steps) steps.corrections(vRow, x0, i);
      else {
        for (let l = 0; l < i; l++) {
          const base = l * n;
          let s1 = 0;
          let s2 = 0;
          for (let j = x0; j < n; j++) {
            const vj = vt[vRow + j]!;
            s1 += wt[base + j]! * vj;
            s2 += vt[base + j]! * vj;
          }
          t1[l] = s1;
          t2[l] = s2;
        }
        for (let l = 0; l < i; l++) {
          const base = l * n;
          const c1 = t1[l]!;
          const c2 = t2[l]!;
          for (let j = x0; j < n; j++) y[j]! -= vt[base + j]! * c1 + wt[base + j]! * c2;
        }
      }
      let yv = 0;
      for (let j = x0; j < n; j++) {
        y[j]! *= t;
        yv += y[j]! * vt[vRow + j]!;
      }
      const half = -0.5 * t * yv;
      for (let j = x0; j < n; j++) wt[vRow + j] = y[j]! + half * vt[vRow + j]!;
    }
    // Trailing update A22 -= V W^T + W V^T for rows/columns r0..n-1, as one product.
    const r0 = kEnd;
    const m2 = n - r0;
    const nb = kEnd - k0;
    if (m2 <= 0) continue;
    // -[V W] [W V]^T = -(V W^T + W V^T): one product with inner size 2 nb, no transposed reads
    // after. The sign goes into the left operand so that the product has alpha = 1, beta = 1,
    // which the threads add into `a` in place (kernel memory) with no scratch C or copy-out.
    const left = new Float64Array(2 * nb * m2);
    const right = new Float64Array(2 * nb * m2);
    for (let l = 0; l < nb; l++) {
      const vRow = l * n + r0;
      for (let j = 0; j < m2; j++) {
        left[l * m2 + j] = -vt[vRow + j]!;
        left[(nb + l) * m2 + j] = -wt[vRow + j]!;
      }
      right.set(wt.subarray(vRow, vRow + m2), l * m2);
      right.set(vt.subarray(vRow, vRow + m2), (nb + l) * m2);
    }
    // Added where A22 lives, upper tiles only (the lower triangle of `a` is never read).
    gemm({
      m: m2,
      n: m2,
      k: 2 * nb,
      a: { data: left, offset: 0, rowStride: 1, colStride: m2 },
      b: { data: right, offset: 0, rowStride: m2, colStride: 1 },
      c: a,
      cOffset: r0 * n + r0,
      ldc: n,
      alpha: 1,
      beta: 1,
      upperOnly: true,
    });
  }
  if (n >= 2) {
    d[n - 2] = a[(n - 2) * n + n - 2]!;
    e[n - 2] = a[(n - 2) * n + n - 1]!;
    tau[n - 2] = 0;
  }
  d[n - 1] = a[n * n - 1]!;
  e[n - 1] = 0;
}

/**
 * y[x0..n) += A[x0.., x0..] v for symmetric A stored in the upper triangle (row-major), v at
 * vt[vOff + j]. Four rows per pass share each load of v_j and y_j: this loop is memory-bound.
 */
function symmetricUpperProduct(
  a: Float64Array,
  n: number,
  x0: number,
  vt: Float64Array,
  vOff: number,
  y: Float64Array,
): void {
  let r = x0;
  for (; r + 4 <= n; r += 4) {
    const b0 = r * n;
    const b1 = b0 + n;
    const b2 = b1 + n;
    const b3 = b2 + n;
    const v0 = vt[vOff + r]!;
    const v1 = vt[vOff + r + 1]!;
    const v2 = vt[vOff + r + 2]!;
    const v3 = vt[vOff + r + 3]!;
    // The 4 x 4 diagonal block (upper part).
    const a01 = a[b0 + r + 1]!;
    const a02 = a[b0 + r + 2]!;
    const a03 = a[b0 + r + 3]!;
    const a12 = a[b1 + r + 2]!;
    const a13 = a[b1 + r + 3]!;
    const a23 = a[b2 + r + 3]!;
    let acc0 = a[b0 + r]! * v0 + a01 * v1 + a02 * v2 + a03 * v3;
    let acc1 = a01 * v0 + a[b1 + r + 1]! * v1 + a12 * v2 + a13 * v3;
    let acc2 = a02 * v0 + a12 * v1 + a[b2 + r + 2]! * v2 + a23 * v3;
    let acc3 = a03 * v0 + a13 * v1 + a23 * v2 + a[b3 + r + 3]! * v3;
    for (let j = r + 4; j < n; j++) {
      const x0j = a[b0 + j]!;
      const x1j = a[b1 + j]!;
      const x2j = a[b2 + j]!;
      const x3j = a[b3 + j]!;
      const vj = vt[vOff + j]!;
      acc0 += x0j * vj;
      acc1 += x1j * vj;
      acc2 += x2j * vj;
      acc3 += x3j * vj;
      y[j]! += x0j * v0 + x1j * v1 + x2j * v2 + x3j * v3;
    }
    y[r]! += acc0;
    y[r + 1]! += acc1;
    y[r + 2]! += acc2;
    y[r + 3]! += acc3;
  }
  for (; r < n; r++) {
    const base = r * n;
    const vr = vt[vOff + r]!;
    let acc = a[base + r]! * vr;
    for (let j = r + 1; j < n; j++) {
      const arj = a[base + j]!;
      acc += arj * vt[vOff + j]!;
      y[j]! += arj * vr;
    }
    y[r]! += acc;
  }
}

const REFLECTOR_BLOCK = 64;

/**
 * z <- H_0 H_1 ... H_{n-3} z (z: n x cols, row-major), in blocks of reflectors in compact WY form
 * (I - W T W^T, LAPACK dlarft/dlarfb). Everything of order n^2 per block is a matrix product:
 * W^T W for T's recurrence, then W^T Z, T (W^T Z) and Z - W (T W^T Z); only T's own O(nb^3)
 * recurrence runs in JavaScript. (Built as dot products and a triangular loop in JavaScript,
 * those took 40% of the mapping back at n = 748.)
 */
function applyReflectors(a: Float64Array, n: number, tau: Float64Array, z: Float64Array, cols: number): void {
  const count = n - 2;
  if (count <= 0 || cols === 0) return;
  for (let k0 = Math.floor((count - 1) / REFLECTOR_BLOCK) * REFLECTOR_BLOCK; k0 >= 0; k0 -= REFLECTOR_BLOCK) {
    const k1 = Math.min(k0 + REFLECTOR_BLOCK, count);
    const nb = k1 - k0;
    const m = n - k0 - 1;
    // W^T, nb x m: reflector j has its implicit 1 at position j and zeros before it.
    const wt = new Float64Array(nb * m);
    for (let j = 0; j < nb; j++) {
      const src = (k0 + j) * n + k0 + 1;
      const dst = j * m;
      if (tau[k0 + j] === 0) continue;
      wt[dst + j] = 1;
      for (let p = j + 1; p < m; p++) wt[dst + p] = a[src + p]!;
    }
    const wtMatrix = { rows: nb, cols: m, data: wt };
    // T upper triangular with H_k0 ... H_k1-1 = I - W T W^T: t_ij = -tau_j sum_{i<=l<j} t_il (w_l . w_j).
    const dots = matmul(wtMatrix, wtMatrix, { transposeB: true }).data;
    const t = new Float64Array(nb * nb);
    for (let j = 0; j < nb; j++) {
      const tj = tau[k0 + j]!;
      t[j * nb + j] = tj;
      if (tj === 0) continue;
      for (let i = 0; i < j; i++) {
        let s = 0;
        for (let l = i; l < j; l++) s += t[i * nb + l]! * dots[l * nb + j]!;
        t[i * nb + j] = -tj * s;
      }
    }
    const rows: DenseMatrix<Float64Array> = { rows: m, cols, data: z.subarray((k0 + 1) * cols, n * cols) };
    const y = matmul(wtMatrix, rows);
    const ty = matmul({ rows: nb, cols: nb, data: t }, y);
    matmul(wtMatrix, ty, { transposeA: true, out: rows, alpha: -1, beta: 1 });
  }
}

/**
 * Divide and conquer on (d, e) of length n, in place: d becomes the ascending eigenvalues.
 * Returns the eigenvectors, n x n row-major, column j for d[j].
 */
function tridiagonalEigenInPlace(
  d: Float64Array,
  e: Float64Array,
  n: number,
  signal: AbortSignal | undefined,
): Float64Array {
  if (n <= LEAF_SIZE) return implicitQl(d, e, n);
  const n1 = n >> 1;
  const n2 = n - n1;
  const beta = e[n1 - 1]!;
  const rho = Math.abs(beta);
  const d1 = d.slice(0, n1);
  const e1 = e.slice(0, n1);
  const d2 = d.slice(n1);
  const e2 = e.slice(n1);
  d1[n1 - 1]! -= rho;
  e1[n1 - 1] = 0;
  d2[0]! -= rho;
  const q1 = tridiagonalEigenInPlace(d1, e1, n1, signal);
  const q2 = tridiagonalEigenInPlace(d2, e2, n2, signal);
  throwIfAborted(signal);
  return mergeRankOne(d, n, d1, q1, n1, d2, q2, n2, rho, beta < 0 ? -1 : 1);
}

/**
 * Eigen-decomposition of blkdiag(Q1 D1 Q1^T, Q2 D2 Q2^T) + rho w w^T with w = [e_last; sign e_first]
 * (LAPACK dlaed1..dlaed3). Writes the ascending eigenvalues into `out` and returns the vectors.
 */
function mergeRankOne(
  out: Float64Array,
  n: number,
  d1: Float64Array,
  q1: Float64Array,
  n1: number,
  d2: Float64Array,
  q2: Float64Array,
  n2: number,
  rhoIn: number,
  sign: number,
): Float64Array {
  // Merge the two ascending spectra; source[i] is the original column (>= n1: second block).
  const source = new Int32Array(n);
  const ds = new Float64Array(n);
  const zs = new Float64Array(n);
  const invSqrt2 = Math.SQRT1_2;
  {
    let a = 0;
    let b = 0;
    for (let i = 0; i < n; i++) {
      if (b >= n2 || (a < n1 && d1[a]! <= d2[b]!)) {
        source[i] = a;
        ds[i] = d1[a]!;
        zs[i] = q1[(n1 - 1) * n1 + a]! * invSqrt2;
        a++;
      } else {
        source[i] = n1 + b;
        ds[i] = d2[b]!;
        zs[i] = sign * q2[b]! * invSqrt2;
        b++;
      }
    }
  }
  const rho = 2 * rhoIn;
  // Qb: blkdiag(Q1, Q2) with columns in merged order; type 1 = top rows only, 3 = bottom only, 2 = both.
  const qb = new Float64Array(n * n);
  const type = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    const c = source[i]!;
    if (c < n1) {
      type[i] = 1;
      for (let r = 0; r < n1; r++) qb[r * n + i] = q1[r * n1 + c]!;
    } else {
      type[i] = 3;
      const cc = c - n1;
      for (let r = 0; r < n2; r++) qb[(n1 + r) * n + i] = q2[r * n2 + cc]!;
    }
  }
  // Deflation (dlaed2): tiny z components, and pairs of close eigenvalues rotated together.
  let dmax = 0;
  let zmax = 0;
  for (let i = 0; i < n; i++) {
    dmax = Math.max(dmax, Math.abs(ds[i]!));
    zmax = Math.max(zmax, Math.abs(zs[i]!));
  }
  const tol = 8 * EPS * Math.max(dmax, zmax);
  const keep: number[] = [];
  const deflated: number[] = [];
  let pj = -1;
  for (let nj = 0; nj < n; nj++) {
    if (rho * Math.abs(zs[nj]!) <= tol) {
      deflated.push(nj);
      continue;
    }
    if (pj < 0) {
      pj = nj;
      continue;
    }
    let s = zs[pj]!;
    let c = zs[nj]!;
    const tau = Math.sqrt(c * c + s * s);
    const t = ds[nj]! - ds[pj]!;
    c /= tau;
    s = -s / tau;
    if (Math.abs(t * c * s) <= tol) {
      zs[nj] = tau;
      zs[pj] = 0;
      if (type[nj] !== type[pj]) type[nj] = 2;
      // Rotate columns pj and nj of Qb (strided, O(n)).
      for (let r = 0; r < n; r++) {
        const x = qb[r * n + pj]!;
        const y = qb[r * n + nj]!;
        qb[r * n + pj] = c * x + s * y;
        qb[r * n + nj] = c * y - s * x;
      }
      const dp = ds[pj]!;
      const dn = ds[nj]!;
      ds[pj] = dp * c * c + dn * s * s;
      ds[nj] = dp * s * s + dn * c * c;
      deflated.push(pj);
      pj = nj;
    } else {
      keep.push(pj);
      pj = nj;
    }
  }
  if (pj >= 0) keep.push(pj);

  const kCount = keep.length;
  const values = new Float64Array(n);
  const vectorsCols = new Float64Array(n * n); // row-major, columns in "pair order" below
  let col = 0;
  // Deflated pairs: eigenvalue ds, eigenvector column of Qb.
  for (const j of deflated) {
    values[col] = ds[j]!;
    for (let r = 0; r < n; r++) vectorsCols[r * n + col] = qb[r * n + j]!;
    col++;
  }
  if (kCount > 0) {
    const dl = new Float64Array(kCount);
    const w = new Float64Array(kCount);
    for (let i = 0; i < kCount; i++) {
      dl[i] = ds[keep[i]!]!;
      w[i] = zs[keep[i]!]!;
    }
    // delta[j * K + i] = dl[j] - lambda_i, computed from the nearer pole for accuracy.
    const delta = new Float64Array(kCount * kCount);
    const lambda = new Float64Array(kCount);
    const diff = new Float64Array(kCount);
    const weights = new Float64Array(kCount);
    for (let i = 0; i < kCount; i++) {
      const { origin, tau } = secularRoot(dl, w, rho, i, kCount, diff, weights);
      const dOrigin = dl[origin]!;
      lambda[i] = dOrigin + tau;
      for (let j = 0; j < kCount; j++) delta[j * kCount + i] = dl[j]! - dOrigin - tau;
    }
    // Gu-Eisenstat: the z for which the computed roots are exact, so the vectors are orthogonal.
    const zhat = new Float64Array(kCount);
    for (let j = 0; j < kCount; j++) {
      const rowJ = j * kCount;
      let prod = -delta[rowJ + j]! / rho;
      const dj = dl[j]!;
      for (let i = 0; i < kCount; i++) {
        if (i !== j) prod *= delta[rowJ + i]! / (dj - dl[i]!);
      }
      const mag = Math.sqrt(Math.abs(prod));
      zhat[j] = w[j]! >= 0 ? mag : -mag;
    }
    // U[j, i] = zhat_j / (d_j - lambda_i), columns normalized.
    const u = delta; // reuse storage
    const norms = new Float64Array(kCount);
    for (let j = 0; j < kCount; j++) {
      const rowJ = j * kCount;
      const zj = zhat[j]!;
      for (let i = 0; i < kCount; i++) {
        const x = zj / delta[rowJ + i]!;
        u[rowJ + i] = x;
        norms[i]! += x * x;
      }
    }
    for (let i = 0; i < kCount; i++) norms[i] = 1 / Math.sqrt(norms[i]!);
    for (let j = 0; j < kCount; j++) {
      const rowJ = j * kCount;
      for (let i = 0; i < kCount; i++) u[rowJ + i]! *= norms[i]!;
    }
    // New vectors = Qb[:, keep] U, using the block structure: top rows only meet types 1 and 2.
    const prodOut = new Float64Array(n * kCount);
    multiplyBlock(qb, n, 0, n1, keep, type, 3, u, kCount, prodOut);
    multiplyBlock(qb, n, n1, n, keep, type, 1, u, kCount, prodOut);
    for (let i = 0; i < kCount; i++) {
      values[col + i] = lambda[i]!;
    }
    for (let r = 0; r < n; r++) {
      const src = r * kCount;
      const dst = r * n + col;
      for (let i = 0; i < kCount; i++) vectorsCols[dst + i] = prodOut[src + i]!;
    }
  }
  // Sort ascending (deflated values are interleaved with the roots).
  const order = Array.from({ length: n }, (_, i) => i).sort((x, y) => values[x]! - values[y]!);
  let sorted = true;
  for (let i = 0; i < n; i++) if (order[i] !== i) sorted = false;
  for (let i = 0; i < n; i++) out[i] = values[order[i]!]!;
  if (sorted) return vectorsCols;
  const result = new Float64Array(n * n);
  for (let r = 0; r < n; r++) {
    const base = r * n;
    for (let i = 0; i < n; i++) result[base + i] = vectorsCols[base + order[i]!]!;
  }
  return result;
}

/** out[rowStart..rowEnd) = Qb[rows, keep (not of type `skipType`)] * U[those rows of U, :]. */
function multiplyBlock(
  qb: Float64Array,
  n: number,
  rowStart: number,
  rowEnd: number,
  keep: number[],
  type: Uint8Array,
  skipType: number,
  u: Float64Array,
  kCount: number,
  out: Float64Array,
): void {
  const cols: number[] = [];
  for (let i = 0; i < keep.length; i++) if (type[keep[i]!] !== skipType) cols.push(i);
  const rows = rowEnd - rowStart;
  const inner = cols.length;
  if (rows === 0 || inner === 0) return;
  const a = new Float64Array(rows * inner);
  for (let r = 0; r < rows; r++) {
    const src = (rowStart + r) * n;
    const dst = r * inner;
    for (let c = 0; c < inner; c++) a[dst + c] = qb[src + keep[cols[c]!]!]!;
  }
  const b = new Float64Array(inner * kCount);
  for (let c = 0; c < inner; c++) b.set(u.subarray(cols[c]! * kCount, (cols[c]! + 1) * kCount), c * kCount);
  product(a, rows, inner, b, kCount, out.subarray(rowStart * kCount, rowEnd * kCount));
}

/**
 * Root i of the secular equation 1 + rho sum_j w_j^2 / (d_j - lambda) = 0 (d ascending, rho > 0),
 * as lambda = d[origin] + tau with origin the nearer pole, so d_j - lambda is accurate.
 * Safeguarded Newton inside a bracket that always shrinks. `diff` and `weights` are scratch of length k.
 */
function secularRoot(
  d: Float64Array,
  w: Float64Array,
  rho: number,
  i: number,
  k: number,
  diff: Float64Array,
  weights: Float64Array,
): { origin: number; tau: number } {
  let origin: number;
  let lo: number;
  let hi: number;
  if (i === k - 1) {
    let norm2 = 0;
    for (let j = 0; j < k; j++) norm2 += w[j]! * w[j]!;
    origin = i;
    lo = 0;
    hi = rho * norm2;
  } else {
    const gap = d[i + 1]! - d[i]!;
    const mid = gap / 2;
    let f = 1;
    for (let j = 0; j < k; j++) f += (rho * w[j]! * w[j]!) / (d[j]! - d[i]! - mid);
    if (f > 0) {
      origin = i;
      lo = 0;
      hi = mid;
    } else {
      origin = i + 1;
      lo = -mid;
      hi = 0;
    }
  }
  const dOrigin = d[origin]!;
  for (let j = 0; j < k; j++) {
    diff[j] = d[j]! - dOrigin;
    weights[j] = rho * w[j]! * w[j]!;
  }
  let tau = (lo + hi) / 2;
  for (let iter = 0; iter < 200; iter++) {
    let f = 1;
    let df = 0;
    let bound = 0;
    // One division per term (this loop is bound by division throughput).
    for (let j = 0; j < k; j++) {
      const inverse = 1 / (diff[j]! - tau);
      const t = weights[j]! * inverse;
      f += t;
      df += t * inverse;
      bound += t < 0 ? -t : t;
    }
    if (f === 0) break;
    if (f > 0) hi = tau;
    else lo = tau;
    if (Math.abs(f) <= 4 * EPS * (1 + bound) * Math.sqrt(k) && iter > 0) break;
    let next = tau - f / df;
    if (!(next > lo && next < hi)) next = (lo + hi) / 2;
    if (next === tau || hi - lo <= 2 * EPS * Math.max(Math.abs(lo), Math.abs(hi))) {
      tau = next;
      break;
    }
    tau = next;
  }
  // Never exactly on a pole.
  if (tau === 0) tau = origin === i ? Number.MIN_VALUE : -Number.MIN_VALUE;
  return { origin, tau };
}

/**
 * Implicit QL with Wilkinson shifts (EISPACK tql2) on a small tridiagonal; eigenvectors are
 * accumulated as ROWS so each plane rotation touches two contiguous rows. Returns them as columns.
 */
function implicitQl(d: Float64Array, e: Float64Array, n: number): Float64Array {
  const wt = new Float64Array(n * n);
  for (let i = 0; i < n; i++) wt[i * n + i] = 1;
  e[n - 1] = 0;
  let f = 0;
  let tst1 = 0;
  for (let l = 0; l < n; l++) {
    tst1 = Math.max(tst1, Math.abs(d[l]!) + Math.abs(e[l]!));
    let m = l;
    while (m < n - 1 && Math.abs(e[m]!) > EPS * tst1) m++;
    if (m > l) {
      let iter = 0;
      do {
        if (++iter > 100) {
          throw new LowrankError(
            'NOT_CONVERGED',
            'symmetricEigen: implicit QL did not converge in 100 iterations for one eigenvalue.',
            {
              hint: 'This should not happen for finite symmetric input; please report the matrix.',
            },
          );
        }
        let g = d[l]!;
        let p = (d[l + 1]! - g) / (2 * e[l]!);
        let r = Math.sqrt(p * p + 1);
        if (p < 0) r = -r;
        d[l] = e[l]! / (p + r);
        d[l + 1] = e[l]! * (p + r);
        const dl1 = d[l + 1]!;
        let h = g - d[l]!;
        for (let i = l + 2; i < n; i++) d[i]! -= h;
        f += h;
        p = d[m]!;
        let c = 1;
        let c2 = c;
        let c3 = c;
        const el1 = e[l + 1]!;
        let s = 0;
        let s2 = 0;
        for (let i = m - 1; i >= l; i--) {
          c3 = c2;
          c2 = c;
          s2 = s;
          g = c * e[i]!;
          h = c * p;
          r = Math.sqrt(p * p + e[i]! * e[i]!);
          e[i + 1] = s * r;
          s = e[i]! / r;
          c = p / r;
          p = c * d[i]! - s * g;
          d[i + 1] = h + s * (c * g + s * d[i]!);
          const ri = i * n;
          const rj = ri + n;
          for (let k = 0; k < n; k++) {
            const x = wt[ri + k]!;
            const y = wt[rj + k]!;
            wt[rj + k] = s * x + c * y;
            wt[ri + k] = c * x - s * y;
          }
        }
        p = (-s * s2 * c3 * el1 * e[l]!) / dl1;
        e[l] = s * p;
        d[l] = c * p;
      } while (Math.abs(e[l]!) > EPS * tst1);
    }
    d[l] = d[l]! + f;
    e[l] = 0;
  }
  // Ascending order, then rows -> columns.
  const order = Array.from({ length: n }, (_, i) => i).sort((x, y) => d[x]! - d[y]!);
  const values = order.map((i) => d[i]!);
  const z = new Float64Array(n * n);
  for (let j = 0; j < n; j++) {
    const src = order[j]! * n;
    for (let r = 0; r < n; r++) z[r * n + j] = wt[src + r]!;
  }
  for (let i = 0; i < n; i++) d[i] = values[i]!;
  return z;
}

/** C = A B for row-major A (m x k), B (k x n), C (m x n), overwriting C (through the package's GEMM). */
function product(a: Float64Array, m: number, k: number, b: Float64Array, n: number, c: Float64Array): void {
  matmul(
    { rows: m, cols: k, data: a },
    { rows: k, cols: n, data: b },
    { out: { rows: m, cols: n, data: c } },
  );
}
