/**
 * The per-pixel passes of incremental PCP (incremental-pcp.ts), each one loop over a frame with
 * float32 storage and float64 sums, no allocation. The basis is n x stride row-major: the rank
 * numbers of pixel k sit at basis[k * stride .. k * stride + rank).
 */

/** Sums over the inlier residual q for the subspace update (see residualSums). */
export interface ResidualSums {
  /** X^T q (rank entries used). */
  readonly projection: Float64Array;
  /** ||q||^2. */
  squaredNorm: number;
}

/**
 * One pass over a frame z given its coefficients a in the stored basis X (l = X a):
 *   d = z - l;
 *   foreground where |d| > threshold * level_k: sparse = d, lowRank = l, q = 0;
 *   else background: sparse = 0, lowRank = z, q = d;
 *   level_k tracks the median of |d| (multiplied by up when |d| is above it, by down when below).
 * Returns the number of foreground values. lowRank may be z itself (in place). The body has no
 * branches: foreground or not is a 0/1 number, and so is the noise tracker's step (half of its
 * comparisons go each way, which a branch would mispredict). The sums the subspace update needs
 * are a second, separate pass (residualSums): one loop with both ran 3x slower in V8, which keeps
 * fewer of its many live numbers in registers.
 */
export function splitFrame(
  frame: Float32Array,
  basis: Float32Array,
  stride: number,
  rank: number,
  a: Float64Array,
  level: Float32Array,
  threshold: number,
  up: number,
  down: number,
  lowestLevel: number,
  lowRank: Float32Array,
  sparse: Float32Array,
  inlierResidual: Float32Array,
): number {
  const n = frame.length;
  const step = up - down;
  let outliers = 0;
  if (rank <= 3) {
    const a0 = a[0]!;
    const a1 = rank > 1 ? a[1]! : 0;
    const a2 = rank > 2 ? a[2]! : 0;
    // Columns past the rank are zero in X (stride >= 3 here) or absent (stride < 3: guarded).
    for (let k = 0, b = 0; k < n; k++, b += stride) {
      let l = basis[b]! * a0;
      if (rank > 1) l += basis[b + 1]! * a1;
      if (rank > 2) l += basis[b + 2]! * a2;
      const z = frame[k]!;
      const d = z - l;
      const size = Math.abs(d);
      const m = level[k]!;
      const foreground = +(size > threshold * m);
      const s = d * foreground;
      sparse[k] = s;
      lowRank[k] = z - s;
      inlierResidual[k] = d - s;
      outliers += foreground;
      level[k] = Math.max(m * (down + step * +(size > m)), lowestLevel);
    }
    return outliers;
  }
  for (let k = 0, b = 0; k < n; k++, b += stride) {
    let l = 0;
    for (let i = 0; i < rank; i++) l += basis[b + i]! * a[i]!;
    const z = frame[k]!;
    const d = z - l;
    const size = Math.abs(d);
    const m = level[k]!;
    const foreground = +(size > threshold * m);
    const s = d * foreground;
    sparse[k] = s;
    lowRank[k] = z - s;
    inlierResidual[k] = d - s;
    outliers += foreground;
    level[k] = Math.max(m * (down + step * +(size > m)), lowestLevel);
  }
  return outliers;
}

/** X^T q and ||q||^2 over the inlier residual q, into sums. */
export function residualSums(
  inlierResidual: Float32Array,
  basis: Float32Array,
  stride: number,
  rank: number,
  sums: ResidualSums,
): void {
  const n = inlierResidual.length;
  const y = sums.projection;
  let squaredNorm = 0;
  if (rank <= 3) {
    let y0 = 0;
    let y1 = 0;
    let y2 = 0;
    for (let k = 0, b = 0; k < n; k++, b += stride) {
      const q = inlierResidual[k]!;
      squaredNorm += q * q;
      y0 += basis[b]! * q;
      if (rank > 1) y1 += basis[b + 1]! * q;
      if (rank > 2) y2 += basis[b + 2]! * q;
    }
    y[0] = y0;
    if (rank > 1) y[1] = y1;
    if (rank > 2) y[2] = y2;
  } else {
    y.fill(0, 0, rank);
    for (let k = 0, b = 0; k < n; k++, b += stride) {
      const q = inlierResidual[k]!;
      squaredNorm += q * q;
      for (let i = 0; i < rank; i++) y[i] = y[i]! + basis[b + i]! * q;
    }
  }
  sums.squaredNorm = squaredNorm;
}

/**
 * X' = [X, e / rho] R in place, R (rank + 1) x next row-major, with e = q - X h computed per row
 * (the explicit form of Brand's rotation; see incremental-svd.ts). inverseRho 0 drops e.
 */
export function rotateBasis(
  basis: Float32Array,
  n: number,
  stride: number,
  rank: number,
  next: number,
  rotation: Float64Array,
  rest: Float32Array,
  h: Float64Array,
  inverseRho: number,
  row: Float64Array,
): void {
  const size = rank + 1;
  for (let k = 0, b = 0; k < n; k++, b += stride) {
    let e = rest[k]!;
    for (let i = 0; i < rank; i++) {
      const u = basis[b + i]!;
      row[i] = u;
      e -= u * h[i]!;
    }
    row[rank] = e * inverseRho;
    for (let j = 0; j < next; j++) {
      let v = 0;
      for (let i = 0; i < size; i++) v += row[i]! * rotation[i * next + j]!;
      basis[b + j] = v;
    }
  }
}

/** Column `rank` of X becomes e / rho, e = q - X h (the new direction of a growing basis). */
export function addNewDirection(
  basis: Float32Array,
  n: number,
  stride: number,
  rank: number,
  rest: Float32Array,
  h: Float64Array,
  inverseRho: number,
): void {
  for (let k = 0, b = 0; k < n; k++, b += stride) {
    let e = rest[k]!;
    for (let i = 0; i < rank; i++) e -= basis[b + i]! * h[i]!;
    basis[b + rank] = e * inverseRho;
  }
}

/** X += (e / rho) w^T with e = q - X h, row by row (Brand's deferred rotation, one pass). */
export function rankOneBasisUpdate(
  basis: Float32Array,
  n: number,
  stride: number,
  rank: number,
  rest: Float32Array,
  h: Float64Array,
  inverseRho: number,
  w: Float64Array,
): void {
  if (rank === 1) {
    const h0 = h[0]!;
    const w0 = w[0]! * inverseRho;
    for (let k = 0, b = 0; k < n; k++, b += stride) {
      const u0 = basis[b]!;
      basis[b] = u0 + (rest[k]! - u0 * h0) * w0;
    }
    return;
  }
  if (rank === 2) {
    const h0 = h[0]!;
    const h1 = h[1]!;
    const w0 = w[0]! * inverseRho;
    const w1 = w[1]! * inverseRho;
    for (let k = 0, b = 0; k < n; k++, b += stride) {
      const u0 = basis[b]!;
      const u1 = basis[b + 1]!;
      const e = rest[k]! - u0 * h0 - u1 * h1;
      basis[b] = u0 + e * w0;
      basis[b + 1] = u1 + e * w1;
    }
    return;
  }
  if (rank === 3) {
    const h0 = h[0]!;
    const h1 = h[1]!;
    const h2 = h[2]!;
    const w0 = w[0]! * inverseRho;
    const w1 = w[1]! * inverseRho;
    const w2 = w[2]! * inverseRho;
    for (let k = 0, b = 0; k < n; k++, b += stride) {
      const u0 = basis[b]!;
      const u1 = basis[b + 1]!;
      const u2 = basis[b + 2]!;
      const e = rest[k]! - u0 * h0 - u1 * h1 - u2 * h2;
      basis[b] = u0 + e * w0;
      basis[b + 1] = u1 + e * w1;
      basis[b + 2] = u2 + e * w2;
    }
    return;
  }
  for (let k = 0, b = 0; k < n; k++, b += stride) {
    let e = rest[k]!;
    for (let i = 0; i < rank; i++) e -= basis[b + i]! * h[i]!;
    e *= inverseRho;
    for (let i = 0; i < rank; i++) basis[b + i] = basis[b + i]! + e * w[i]!;
  }
}

/** Background estimate l = U c into out. */
export function reconstruct(
  basis: Float32Array,
  stride: number,
  rank: number,
  coefficients: Float64Array,
  out: Float32Array,
): void {
  const n = out.length;
  if (rank <= 3) {
    // The general loop's sums in the same order (0 + x is x), unrolled: a third of its time.
    const a0 = rank > 0 ? coefficients[0]! : 0;
    const a1 = rank > 1 ? coefficients[1]! : 0;
    const a2 = rank > 2 ? coefficients[2]! : 0;
    for (let k = 0, b = 0; k < n; k++, b += stride) {
      let l = 0;
      if (rank > 0) l += basis[b]! * a0;
      if (rank > 1) l += basis[b + 1]! * a1;
      if (rank > 2) l += basis[b + 2]! * a2;
      out[k] = l;
    }
    return;
  }
  for (let k = 0, b = 0; k < n; k++, b += stride) {
    let l = 0;
    for (let i = 0; i < rank; i++) l += basis[b + i]! * coefficients[i]!;
    out[k] = l;
  }
}

/** Per-value median over frames (insertion sort of each value's history; frames are few). */
export function temporalMedian(frames: readonly Float32Array[], out: Float32Array): void {
  const count = frames.length;
  const column = new Float64Array(count);
  for (let k = 0; k < out.length; k++) {
    for (let f = 0; f < count; f++) {
      const v = frames[f]![k]!;
      let i = f - 1;
      while (i >= 0 && column[i]! > v) {
        column[i + 1] = column[i]!;
        i--;
      }
      column[i + 1] = v;
    }
    out[k] = count % 2 ? column[count >> 1]! : (column[(count >> 1) - 1]! + column[count >> 1]!) / 2;
  }
}

/** Whether every value of a frame is finite (a read-only pass; the branch is never taken on good frames). */
export function allFinite(input: Float32Array): boolean {
  let finite = true;
  for (let k = 0; k < input.length; k++) {
    const v = input[k]!;
    if (v - v !== 0) finite = false;
  }
  return finite;
}

/** Copies a frame into float32 and reports whether every value is finite (one pass). */
export function copyFrame(input: ArrayLike<number>, out: Float32Array): boolean {
  let finite = true;
  for (let k = 0; k < out.length; k++) {
    const v = input[k]!;
    // v - v is 0 for a finite v and NaN otherwise; the branch is never taken on good frames.
    if (v - v !== 0) finite = false;
    out[k] = v;
  }
  return finite;
}

/**
 * Gathers the sample rows S once per frame into compact arrays (frame values, noise levels, basis
 * rows with stride rank), so that the fit's passes run in cache instead of missing it per value.
 */
export function gatherSample(
  frame: Float32Array,
  basis: Float32Array,
  stride: number,
  rank: number,
  level: Float32Array,
  sample: Int32Array,
  sampleFrame: Float32Array,
  sampleBasis: Float32Array,
  sampleLevel: Float32Array,
): void {
  for (let t = 0; t < sample.length; t++) {
    const k = sample[t]!;
    sampleFrame[t] = frame[k]!;
    sampleLevel[t] = level[k]!;
    const from = k * stride;
    const to = t * rank;
    for (let i = 0; i < rank; i++) sampleBasis[to + i] = basis[from + i]!;
  }
}

/** G = X_S^T X_S over the gathered sample rows (rank x rank, row-major, both triangles). */
export function sampleGram(sampleBasis: Float32Array, count: number, rank: number, gram: Float64Array): void {
  gram.fill(0, 0, rank * rank);
  for (let t = 0, b = 0; t < count; t++, b += rank) {
    for (let i = 0; i < rank; i++) {
      const u = sampleBasis[b + i]!;
      for (let j = 0; j <= i; j++) gram[i * rank + j] = gram[i * rank + j]! + u * sampleBasis[b + j]!;
    }
  }
  for (let i = 0; i < rank; i++) for (let j = 0; j < i; j++) gram[j * rank + i] = gram[i * rank + j]!;
}

/**
 * One step of the sample regression: with e = soft(z - X a, threshold * level) on the gathered
 * sample (the l1 sparse term's proximal step), right = X_S^T (z_S - e_S).
 */
export function sampleRightHandSide(
  sampleFrame: Float32Array,
  sampleBasis: Float32Array,
  sampleLevel: Float32Array,
  count: number,
  rank: number,
  threshold: number,
  a: Float64Array,
  right: Float64Array,
): void {
  right.fill(0, 0, rank);
  for (let t = 0, b = 0; t < count; t++, b += rank) {
    let l = 0;
    for (let i = 0; i < rank; i++) l += sampleBasis[b + i]! * a[i]!;
    const d = sampleFrame[t]! - l;
    const lambda = threshold * sampleLevel[t]!;
    // z - soft(d, lambda) = l + clip(d, lambda): the sample value with its outlying part cut back.
    const kept = l + Math.min(Math.max(d, -lambda), lambda);
    for (let i = 0; i < rank; i++) right[i] = right[i]! + sampleBasis[b + i]! * kept;
  }
}
