import { Matrix, SVD } from 'ml-matrix';
import { addNewDirection, rankOneBasisUpdate, rotateBasis } from './incremental-pcp-kernels.js';

/**
 * Brand's incremental SVD ("Incremental singular value decomposition of uncertain data with
 * missing values", ECCV 2002) with the forgetting factor of Ross, Lim, Lin and Yang ("Incremental
 * learning for robust visual tracking", IJCV 2008): the rank-r thin SVD U diag(s) of a stream of
 * columns x_1, x_2, ... in which column x_i weighs beta^((t - i) / 2) at time t, so U holds the
 * top-r principal directions of sum_i beta^(t - i) x_i x_i^T.
 *
 * Appending x = U c + q (c: coordinates of the part in span(U); q: the rest):
 *   y   = U^T q,  e = q - U y,  rho = ||e|| = sqrt(||q||^2 - ||y||^2)    (U orthonormal)
 *   K   = [ sqrt(beta) diag(s)   c + y ]       ((r + 1) x (r + 1))
 *         [ 0                    rho   ]
 *   K   = Q diag(s') W^T                                              (a small SVD)
 *   U'  = [U, e / rho] Q[:, :r'],  s' = s'[:r']                       (r' = min(r + 1, maxRank))
 * The rank grows by one per append until maxRank; then the weakest direction is dropped.
 *
 * The rotation by Q would cost O(n r^2) per column. As in Brand's "Fast low-rank modifications of
 * the thin singular value decomposition" (Linear Algebra Appl. 2006), U is kept as a product
 * U = X M of a tall n x r basis X (float32, row k = the k-th entry of every basis vector, so one
 * pixel's numbers sit together) and a small r x r matrix M (float64), so that an append is
 *   growing (r' = r + 1):  X' = [X, e / rho],           M' = diag(M, 1) Q
 *   full    (r' = r):      M' = M Q1,  X' = X + (e / rho) (M'^-T q2)^T      (Q1 = Q[:r, :r], q2 = Q[r, :r])
 * one rank-one pass over X, O(n r). When M' is badly conditioned (a direction of U was swapped
 * out nearly whole) the rotation is applied to X explicitly and M reset to I; every
 * REORTHONORMALIZE_EVERY appends X is replaced by an orthonormalized X M (Gram-Schmidt), which
 * also undoes the slow loss of orthogonality from rounding.
 */
export class IncrementalSvd {
  /** X: n x maxRank, row-major; columns [0, rank) hold the basis (U = X M). */
  readonly basis: Float32Array;
  /** M: rank x rank, row-major, stored with stride maxRank. */
  readonly mixing: Float64Array;
  /** Singular values, descending; [0, rank) used. */
  readonly singularValues: Float64Array;
  rank = 0;
  /** Appends whose rotation had to be applied to X explicitly (M badly conditioned). */
  explicitRotations = 0;
  /** After append(): the coordinates in the new basis of the appended column's in-span part U c. */
  lastSpanCoordinates: Float64Array = new Float64Array(0);
  private appends = 0;
  private readonly rowScratch: Float64Array;

  constructor(
    readonly length: number,
    readonly maxRank: number,
  ) {
    this.basis = new Float32Array(length * maxRank);
    this.mixing = new Float64Array(maxRank * maxRank);
    this.singularValues = new Float64Array(maxRank);
    this.rowScratch = new Float64Array(maxRank + 1);
  }

  /** Starts from one column: U = x / ||x||, s = ||x||. Returns x's coordinates in U. */
  start(column: ArrayLike<number>): Float64Array {
    const n = this.length;
    const stride = this.maxRank;
    let squares = 0;
    for (let k = 0; k < n; k++) squares += column[k]! * column[k]!;
    const norm = Math.sqrt(squares);
    this.basis.fill(0);
    this.singularValues.fill(0);
    // An all-zero first column: any unit direction will do; the next columns rotate it into place.
    const scale = norm === 0 ? 0 : 1 / norm;
    for (let k = 0; k < n; k++) this.basis[k * stride] = norm === 0 ? 1 / Math.sqrt(n) : column[k]! * scale;
    this.mixing.fill(0);
    this.mixing[0] = 1;
    this.singularValues[0] = norm;
    this.rank = 1;
    this.appends = 0;
    this.lastSpanCoordinates = Float64Array.of(norm);
    return Float64Array.of(norm);
  }

  /** a = M c: coordinates in U to coefficients of the stored basis X. */
  toBasis(c: Float64Array, out = new Float64Array(this.rank)): Float64Array {
    const { rank: r, maxRank: stride, mixing } = this;
    for (let i = 0; i < r; i++) {
      let v = 0;
      for (let j = 0; j < r; j++) v += mixing[i * stride + j]! * c[j]!;
      out[i] = v;
    }
    return out;
  }

  /** c = M^-1 a: coefficients of X to coordinates in U. */
  fromBasis(a: Float64Array): Float64Array {
    const r = this.rank;
    const solved = solveSmall(this.mixingMatrix(), a.subarray(0, r));
    return Float64Array.from(solved);
  }

  /**
   * Appends a whole column x: c = U^T x, q = x - U c (formed in a scratch array, so that ||q|| is
   * not the difference of two nearly equal squares), then append(). Three passes; the separator
   * does not use it (its q comes out of the split pass), tests and other callers do.
   */
  appendColumn(x: Float32Array, forgetting: number): Float64Array {
    const { rank: r, maxRank: stride, basis, length: n } = this;
    const xProjection = new Float64Array(r);
    for (let k = 0, b = 0; k < n; k++, b += stride)
      for (let i = 0; i < r; i++) xProjection[i] = xProjection[i]! + basis[b + i]! * x[k]!;
    // c = M^T X^T x, and the in-span part U c = X (M c).
    const c = new Float64Array(r);
    for (let j = 0; j < r; j++)
      for (let i = 0; i < r; i++) c[j] = c[j]! + this.mixing[i * stride + j]! * xProjection[i]!;
    const a = this.toBasis(c);
    const q = new Float32Array(n);
    const qProjection = new Float64Array(r);
    let squares = 0;
    for (let k = 0, b = 0; k < n; k++, b += stride) {
      let v = x[k]!;
      for (let i = 0; i < r; i++) v -= basis[b + i]! * a[i]!;
      q[k] = v;
      squares += q[k]! * q[k]!;
      for (let i = 0; i < r; i++) qProjection[i] = qProjection[i]! + basis[b + i]! * q[k]!;
    }
    return this.append(c, q, qProjection, squares, forgetting);
  }

  /**
   * Appends x = U c + q after the old singular values are scaled by sqrt(forgetting), given
   * X^T q and ||q||^2 (the caller's pass over q summed them). Returns x's coordinates in the new U.
   */
  append(
    c: Float64Array,
    rest: Float32Array,
    restBasisProjection: Float64Array,
    restSquaredNorm: number,
    forgetting: number,
  ): Float64Array {
    const { rank: r, maxRank, mixing } = this;
    // y = U^T q = M^T (X^T q).
    const y = new Float64Array(r);
    for (let j = 0; j < r; j++) {
      let v = 0;
      for (let i = 0; i < r; i++) v += mixing[i * maxRank + j]! * restBasisProjection[i]!;
      y[j] = v;
    }
    let projected = 0;
    for (let i = 0; i < r; i++) projected += y[i]! * y[i]!;
    const rho = Math.sqrt(Math.max(restSquaredNorm - projected, 0));
    let column = rho * rho;
    for (let i = 0; i < r; i++) column += (c[i]! + y[i]!) ** 2;
    // A residual this small relative to the column is rounding: no new direction.
    const withResidual = rho > 1e-6 * Math.sqrt(column);
    const size = r + 1;
    const k = new Matrix(size, size);
    const shrink = Math.sqrt(forgetting);
    for (let i = 0; i < r; i++) {
      k.set(i, i, shrink * this.singularValues[i]!);
      k.set(i, r, c[i]! + y[i]!);
    }
    k.set(r, r, withResidual ? rho : 0);
    const svd = new SVD(k, { computeLeftSingularVectors: true, computeRightSingularVectors: false });
    const q = svd.leftSingularVectors;
    const values = svd.diagonal;
    const next = withResidual ? Math.min(size, maxRank) : r;
    // h = M y, so that e = q - X h row by row.
    const h = this.toBasis(y);
    const inverseRho = withResidual ? 1 / rho : 0;
    if (next > r) {
      addNewDirection(this.basis, this.length, maxRank, r, rest, h, inverseRho);
      // M' = diag(M, 1) Q.
      const grown = new Float64Array(size * size);
      for (let i = 0; i < size; i++)
        for (let j = 0; j < size; j++) {
          let v = 0;
          if (i < r) for (let t = 0; t < r; t++) v += mixing[i * maxRank + t]! * q.get(t, j);
          else v = q.get(r, j);
          grown[i * size + j] = v;
        }
      this.setMixing(grown, size);
    } else {
      // M' = M Q1.
      const mq = new Matrix(r, r);
      for (let i = 0; i < r; i++)
        for (let j = 0; j < r; j++) {
          let v = 0;
          for (let t = 0; t < r; t++) v += mixing[i * maxRank + t]! * q.get(t, j);
          mq.set(i, j, v);
        }
      const conditioned = withResidual ? conditionNumber(mq) < MAX_MIXING_CONDITION : true;
      if (!withResidual || conditioned) {
        if (withResidual) {
          // w = M'^-T q2: X' = X + (e / rho) w^T keeps U' = X' M'.
          const q2 = new Float64Array(r);
          for (let j = 0; j < r; j++) q2[j] = q.get(r, j);
          const w = Float64Array.from(solveSmall(mq.transpose(), q2));
          rankOneBasisUpdate(this.basis, this.length, maxRank, r, rest, h, inverseRho, w);
        }
        const flat = new Float64Array(r * r);
        for (let i = 0; i < r; i++) for (let j = 0; j < r; j++) flat[i * r + j] = mq.get(i, j);
        this.setMixing(flat, r);
      } else {
        // Explicit rotation: X' = [X, e / rho] diag(M, 1) Q[:, :r], M' = I.
        const rotation = new Float64Array(size * r);
        for (let i = 0; i < size; i++)
          for (let j = 0; j < r; j++) {
            let v = 0;
            if (i < r) for (let t = 0; t < r; t++) v += mixing[i * maxRank + t]! * q.get(t, j);
            else v = q.get(r, j);
            rotation[i * r + j] = v;
          }
        rotateBasis(this.basis, this.length, maxRank, r, r, rotation, rest, h, inverseRho, this.rowScratch);
        this.resetMixing(r);
        this.explicitRotations++;
      }
    }
    // x's coordinates in U': Q^T [c + y; rho]; those of U c: Q[:r, :]^T c (first `next` entries).
    const coordinates = new Float64Array(next);
    const spanCoordinates = new Float64Array(next);
    for (let j = 0; j < next; j++) {
      let v = (withResidual ? rho : 0) * q.get(r, j);
      let w = 0;
      for (let i = 0; i < r; i++) {
        v += (c[i]! + y[i]!) * q.get(i, j);
        w += c[i]! * q.get(i, j);
      }
      coordinates[j] = v;
      spanCoordinates[j] = w;
      this.singularValues[j] = values[j]!;
    }
    this.lastSpanCoordinates = spanCoordinates;
    for (let j = next; j < maxRank; j++) this.singularValues[j] = 0;
    this.rank = next;
    if (++this.appends % REORTHONORMALIZE_EVERY === 0) this.reorthonormalize();
    return coordinates;
  }

  /** U = X M as a new n x rank row-major array (for inspection and tests; the model never forms it). */
  orthonormalBasis(): Float64Array {
    const { basis, length: n, maxRank: stride, rank, mixing } = this;
    const out = new Float64Array(n * rank);
    for (let k = 0; k < n; k++)
      for (let j = 0; j < rank; j++) {
        let v = 0;
        for (let i = 0; i < rank; i++) v += basis[k * stride + i]! * mixing[i * stride + j]!;
        out[k * rank + j] = v;
      }
    return out;
  }

  /** X <- orthonormalized X M (modified Gram-Schmidt), M <- I. */
  reorthonormalize(): void {
    const { basis, length: n, maxRank: stride, rank } = this;
    const rotation = new Float64Array(rank * rank);
    for (let i = 0; i < rank; i++)
      for (let j = 0; j < rank; j++) rotation[i * rank + j] = this.mixing[i * stride + j]!;
    const row = this.rowScratch;
    for (let k = 0, b = 0; k < n; k++, b += stride) {
      for (let i = 0; i < rank; i++) row[i] = basis[b + i]!;
      for (let j = 0; j < rank; j++) {
        let v = 0;
        for (let i = 0; i < rank; i++) v += row[i]! * rotation[i * rank + j]!;
        basis[b + j] = v;
      }
    }
    for (let j = 0; j < rank; j++) {
      for (let i = 0; i < j; i++) {
        let dot = 0;
        for (let k = 0; k < n; k++) dot += basis[k * stride + i]! * basis[k * stride + j]!;
        for (let k = 0; k < n; k++)
          basis[k * stride + j] = basis[k * stride + j]! - dot * basis[k * stride + i]!;
      }
      let squares = 0;
      for (let k = 0; k < n; k++) squares += basis[k * stride + j]! ** 2;
      const inverse = squares > 0 ? 1 / Math.sqrt(squares) : 0;
      for (let k = 0; k < n; k++) basis[k * stride + j] = basis[k * stride + j]! * inverse;
    }
    this.resetMixing(rank);
  }

  /** Bytes held. */
  get bytes(): number {
    return (
      this.basis.byteLength +
      this.mixing.byteLength +
      this.singularValues.byteLength +
      this.rowScratch.byteLength
    );
  }

  private mixingMatrix(): Matrix {
    const { rank: r, maxRank: stride } = this;
    const m = new Matrix(r, r);
    for (let i = 0; i < r; i++) for (let j = 0; j < r; j++) m.set(i, j, this.mixing[i * stride + j]!);
    return m;
  }

  private setMixing(flat: Float64Array, size: number): void {
    const stride = this.maxRank;
    this.mixing.fill(0);
    for (let i = 0; i < size; i++)
      for (let j = 0; j < size; j++) this.mixing[i * stride + j] = flat[i * size + j]!;
  }

  private resetMixing(size: number): void {
    this.mixing.fill(0);
    for (let i = 0; i < size; i++) this.mixing[i * this.maxRank + i] = 1;
  }
}

/**
 * Appends between two Gram-Schmidt passes: rounding in float32 erodes orthogonality by about 1e-7
 * per append, a random walk, so every 200 appends keeps it near 1e-6.
 */
const REORTHONORMALIZE_EVERY = 200;
/** Above this condition number of M the rotation is applied to X explicitly (float32 X loses cond(M) x 6e-8). */
const MAX_MIXING_CONDITION = 100;

function conditionNumber(m: Matrix): number {
  const s = new SVD(m, { computeLeftSingularVectors: false, computeRightSingularVectors: false }).diagonal;
  const smallest = s[s.length - 1]!;
  return smallest > 0 ? s[0]! / smallest : Number.POSITIVE_INFINITY;
}

function solveSmall(a: Matrix, b: Float64Array): number[] {
  const x = new SVD(a, { computeLeftSingularVectors: true, computeRightSingularVectors: true }).solve(
    Matrix.columnVector(Array.from(b)),
  );
  return x.to1DArray();
}
