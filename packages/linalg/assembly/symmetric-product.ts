// The symmetric matrix-vector product of Householder tridiagonalization (src/symmetric-eigen.ts),
// compiled into the threaded module (gemm-threaded.ts re-exports it) so the threads split its rows.
// It reads the whole trailing matrix once per reflector and is the eigensolver's largest cost.
// Pointers are byte offsets of float64 arrays; sizes and rows are in elements.

// a * b + c per lane, fused in the relaxed-SIMD build (see gemm-kernels.ts).
function madd(a: v128, b: v128, c: v128): v128 {
  if (ASC_FEATURE_RELAXED_SIMD) return f64x2.relaxed_madd(a, b, c);
  return f64x2.add(c, f64x2.mul(a, b));
}

function laneSum(x: v128): f64 {
  return f64x2.extract_lane(x, 0) + f64x2.extract_lane(x, 1);
}

/**
 * Rows [rowStart, rowEnd) of y = A v, for the symmetric n x n matrix A whose upper triangle
 * (column >= row) is stored row-major at `a`: row r adds a_rj v_j to y_r and a_rj v_r to y_j
 * (j > r). y is this thread's own length-n accumulator, cleared over [rowStart, n) first.
 * Four rows per sweep share each load of v_j and y_j.
 */
export function symmetricUpperRows(rowStart: i32, rowEnd: i32, n: i32, a: usize, v: usize, y: usize): void {
  memory.fill(y + ((<usize>rowStart) << 3), 0, (<usize>(n - rowStart)) << 3);
  const rowBytes = (<usize>n) << 3;
  let r = rowStart;
  for (; r + 4 <= rowEnd; r += 4) {
    const rb = (<usize>r) << 3;
    const p0 = a + <usize>r * rowBytes;
    const p1 = p0 + rowBytes;
    const p2 = p1 + rowBytes;
    const p3 = p2 + rowBytes;
    const v0 = load<f64>(v + rb);
    const v1 = load<f64>(v + rb, 8);
    const v2 = load<f64>(v + rb, 16);
    const v3 = load<f64>(v + rb, 24);
    // The 4 x 4 diagonal block, from its upper part.
    const a01 = load<f64>(p0 + rb, 8);
    const a02 = load<f64>(p0 + rb, 16);
    const a03 = load<f64>(p0 + rb, 24);
    const a12 = load<f64>(p1 + rb, 16);
    const a13 = load<f64>(p1 + rb, 24);
    const a23 = load<f64>(p2 + rb, 24);
    let s0 = load<f64>(p0 + rb) * v0 + a01 * v1 + a02 * v2 + a03 * v3;
    let s1 = a01 * v0 + load<f64>(p1 + rb, 8) * v1 + a12 * v2 + a13 * v3;
    let s2 = a02 * v0 + a12 * v1 + load<f64>(p2 + rb, 16) * v2 + a23 * v3;
    let s3 = a03 * v0 + a13 * v1 + a23 * v2 + load<f64>(p3 + rb, 24) * v3;
    const w0 = f64x2.splat(v0);
    const w1 = f64x2.splat(v1);
    const w2 = f64x2.splat(v2);
    const w3 = f64x2.splat(v3);
    let acc0 = f64x2.splat(0.0);
    let acc1 = f64x2.splat(0.0);
    let acc2 = f64x2.splat(0.0);
    let acc3 = f64x2.splat(0.0);
    let j = r + 4;
    for (; j + 2 <= n; j += 2) {
      const o = (<usize>j) << 3;
      const x0 = v128.load(p0 + o);
      const x1 = v128.load(p1 + o);
      const x2 = v128.load(p2 + o);
      const x3 = v128.load(p3 + o);
      const vj = v128.load(v + o);
      acc0 = madd(x0, vj, acc0);
      acc1 = madd(x1, vj, acc1);
      acc2 = madd(x2, vj, acc2);
      acc3 = madd(x3, vj, acc3);
      let yj = v128.load(y + o);
      yj = madd(x0, w0, yj);
      yj = madd(x1, w1, yj);
      yj = madd(x2, w2, yj);
      yj = madd(x3, w3, yj);
      v128.store(y + o, yj);
    }
    s0 += laneSum(acc0);
    s1 += laneSum(acc1);
    s2 += laneSum(acc2);
    s3 += laneSum(acc3);
    for (; j < n; j++) {
      const o = (<usize>j) << 3;
      const x0 = load<f64>(p0 + o);
      const x1 = load<f64>(p1 + o);
      const x2 = load<f64>(p2 + o);
      const x3 = load<f64>(p3 + o);
      const vj = load<f64>(v + o);
      s0 += x0 * vj;
      s1 += x1 * vj;
      s2 += x2 * vj;
      s3 += x3 * vj;
      store<f64>(y + o, load<f64>(y + o) + x0 * v0 + x1 * v1 + x2 * v2 + x3 * v3);
    }
    store<f64>(y + rb, load<f64>(y + rb) + s0);
    store<f64>(y + rb, load<f64>(y + rb, 8) + s1, 8);
    store<f64>(y + rb, load<f64>(y + rb, 16) + s2, 16);
    store<f64>(y + rb, load<f64>(y + rb, 24) + s3, 24);
  }
  for (; r < rowEnd; r++) {
    const rb = (<usize>r) << 3;
    const p = a + <usize>r * rowBytes;
    const vr = load<f64>(v + rb);
    let s = load<f64>(p + rb) * vr;
    for (let j = r + 1; j < n; j++) {
      const o = (<usize>j) << 3;
      const x = load<f64>(p + o);
      s += x * load<f64>(v + o);
      store<f64>(y + o, load<f64>(y + o) + x * vr);
    }
    store<f64>(y + rb, load<f64>(y + rb) + s);
  }
}

/**
 * Row k of the panel's stale trailing matrix gets the panel's earlier updates (LAPACK dlatrd):
 * a_kj -= sum over l < i of (vt_lj wt_lk + wt_lj vt_lk), for j in [k, n). vt and wt hold one
 * length-n row per reflector of the panel. Runs on the calling thread: one row is too short to split.
 */
export function panelRowUpdate(a: usize, vt: usize, wt: usize, n: i32, k: i32, i: i32): void {
  const rowBytes = (<usize>n) << 3;
  const row = a + <usize>k * rowBytes;
  const kb = (<usize>k) << 3;
  for (let l = 0; l < i; l++) {
    const vl = vt + <usize>l * rowBytes;
    const wl = wt + <usize>l * rowBytes;
    const wk = load<f64>(wl + kb);
    const vk = load<f64>(vl + kb);
    const wk2 = f64x2.splat(wk);
    const vk2 = f64x2.splat(vk);
    let j = k;
    for (; j + 2 <= n; j += 2) {
      const o = (<usize>j) << 3;
      const update = madd(v128.load(vl + o), wk2, f64x2.mul(v128.load(wl + o), vk2));
      v128.store(row + o, f64x2.sub(v128.load(row + o), update));
    }
    for (; j < n; j++) {
      const o = (<usize>j) << 3;
      store<f64>(row + o, load<f64>(row + o) - (load<f64>(vl + o) * wk + load<f64>(wl + o) * vk));
    }
  }
}

/**
 * The symmetric product's corrections for the panel's pending updates (LAPACK dlatrd):
 * y -= V (W^T v) + W (V^T v) over [x0, n), for the panel's first i reflectors, v at `v`.
 */
export function panelCorrections(vt: usize, wt: usize, v: usize, y: usize, n: i32, x0: i32, i: i32): void {
  const rowBytes = (<usize>n) << 3;
  for (let l = 0; l < i; l++) {
    const vl = vt + <usize>l * rowBytes;
    const wl = wt + <usize>l * rowBytes;
    let accW = f64x2.splat(0.0);
    let accV = f64x2.splat(0.0);
    let j = x0;
    for (; j + 2 <= n; j += 2) {
      const o = (<usize>j) << 3;
      const vj = v128.load(v + o);
      accW = madd(v128.load(wl + o), vj, accW);
      accV = madd(v128.load(vl + o), vj, accV);
    }
    let sW = laneSum(accW);
    let sV = laneSum(accV);
    for (let t = j; t < n; t++) {
      const o = (<usize>t) << 3;
      const vj = load<f64>(v + o);
      sW += load<f64>(wl + o) * vj;
      sV += load<f64>(vl + o) * vj;
    }
    const cW = f64x2.splat(sW);
    const cV = f64x2.splat(sV);
    j = x0;
    for (; j + 2 <= n; j += 2) {
      const o = (<usize>j) << 3;
      const update = madd(v128.load(vl + o), cW, f64x2.mul(v128.load(wl + o), cV));
      v128.store(y + o, f64x2.sub(v128.load(y + o), update));
    }
    for (; j < n; j++) {
      const o = (<usize>j) << 3;
      store<f64>(y + o, load<f64>(y + o) - (load<f64>(vl + o) * sW + load<f64>(wl + o) * sV));
    }
  }
}
