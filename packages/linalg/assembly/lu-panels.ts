// Gaussian elimination with partial pivoting, in place on a row-major float64 matrix: the
// algorithm of src/lu-permuted-lower.ts operation for operation (plain multiply then add, never
// fused), so both give the same bits. Panels of 8 columns: the panel is eliminated, its rows of U
// right of it are solved for, then every row below gets the panel's 8 updates in one pass, two
// columns at a time. Pointers are byte offsets; perm is an i32 array; tmp holds one row.

const PANEL = 8;

function at(w: usize, rowBytes: usize, i: i32, j: i32): usize {
  return w + <usize>i * rowBytes + ((<usize>j) << 3);
}

export function dluRows(w: usize, m: i32, n: i32, perm: usize, tmp: usize): void {
  const k = min<i32>(m, n);
  const rowBytes = (<usize>n) << 3;
  for (let i = 0; i < m; i++) store<i32>(perm + ((<usize>i) << 2), i);
  for (let j0 = 0; j0 < k; j0 += PANEL) {
    const j1 = min<i32>(j0 + PANEL, k);
    // 1. The panel: pivot, swap whole rows, multipliers, updates inside the panel only.
    for (let j = j0; j < j1; j++) {
      let p = j;
      let best = abs<f64>(load<f64>(at(w, rowBytes, j, j)));
      for (let i = j + 1; i < m; i++) {
        const v = abs<f64>(load<f64>(at(w, rowBytes, i, j)));
        if (v > best) {
          best = v;
          p = i;
        }
      }
      if (p !== j) {
        const rj = w + <usize>j * rowBytes;
        const rp = w + <usize>p * rowBytes;
        memory.copy(tmp, rj, rowBytes);
        memory.copy(rj, rp, rowBytes);
        memory.copy(rp, tmp, rowBytes);
        const t = load<i32>(perm + ((<usize>j) << 2));
        store<i32>(perm + ((<usize>j) << 2), load<i32>(perm + ((<usize>p) << 2)));
        store<i32>(perm + ((<usize>p) << 2), t);
      }
      const pivot = load<f64>(at(w, rowBytes, j, j));
      if (pivot === 0) continue;
      const inv = 1 / pivot;
      const pivotRow = w + <usize>j * rowBytes;
      for (let i = j + 1; i < m; i++) {
        const row = w + <usize>i * rowBytes;
        const l = load<f64>(row + ((<usize>j) << 3)) * inv;
        store<f64>(row + ((<usize>j) << 3), l);
        if (l === 0) continue;
        for (let c = j + 1; c < j1; c++) {
          const o = (<usize>c) << 3;
          store<f64>(row + o, load<f64>(row + o) - l * load<f64>(pivotRow + o));
        }
      }
    }
    if (j1 >= n) continue;
    // 2. The panel's rows of U right of it: forward substitution with the panel's unit L.
    for (let j = j0 + 1; j < j1; j++) subtractPanelRows(w, rowBytes, n, j, j0, j, j1);
    // 3. Every row below: A22 -= L21 U12.
    if (j1 - j0 === PANEL) trailingFullPanel(w, rowBytes, m, n, j0, j1);
    else for (let i = j1; i < m; i++) subtractPanelRows(w, rowBytes, n, i, j0, j1, j1);
  }
}

/** Row i, from column `from` on, minus each of its multipliers in columns [j0, t1) times that row. */
function subtractPanelRows(w: usize, rowBytes: usize, n: i32, i: i32, j0: i32, t1: i32, from: i32): void {
  const row = w + <usize>i * rowBytes;
  for (let t = j0; t < t1; t++) {
    const l = load<f64>(row + ((<usize>t) << 3));
    if (l === 0) continue;
    const src = w + <usize>t * rowBytes;
    for (let c = from; c < n; c++) {
      const o = (<usize>c) << 3;
      store<f64>(row + o, load<f64>(row + o) - l * load<f64>(src + o));
    }
  }
}

/** Row i's entries right of the panel minus (l0 u0 + l1 u1 + ... + l7 u7), summed left to right. */
function trailingFullPanel(w: usize, rowBytes: usize, m: i32, n: i32, j0: i32, j1: i32): void {
  const u0 = w + <usize>j0 * rowBytes;
  const u1 = u0 + rowBytes;
  const u2 = u1 + rowBytes;
  const u3 = u2 + rowBytes;
  const u4 = u3 + rowBytes;
  const u5 = u4 + rowBytes;
  const u6 = u5 + rowBytes;
  const u7 = u6 + rowBytes;
  for (let i = j1; i < m; i++) {
    const row = w + <usize>i * rowBytes;
    const p = row + ((<usize>j0) << 3);
    const s0 = load<f64>(p);
    const s1 = load<f64>(p, 8);
    const s2 = load<f64>(p, 16);
    const s3 = load<f64>(p, 24);
    const s4 = load<f64>(p, 32);
    const s5 = load<f64>(p, 40);
    const s6 = load<f64>(p, 48);
    const s7 = load<f64>(p, 56);
    const l0 = f64x2.splat(s0);
    const l1 = f64x2.splat(s1);
    const l2 = f64x2.splat(s2);
    const l3 = f64x2.splat(s3);
    const l4 = f64x2.splat(s4);
    const l5 = f64x2.splat(s5);
    const l6 = f64x2.splat(s6);
    const l7 = f64x2.splat(s7);
    let c = j1;
    for (; c + 1 < n; c += 2) {
      const o = (<usize>c) << 3;
      let sum = f64x2.add(f64x2.mul(l0, v128.load(u0 + o)), f64x2.mul(l1, v128.load(u1 + o)));
      sum = f64x2.add(sum, f64x2.mul(l2, v128.load(u2 + o)));
      sum = f64x2.add(sum, f64x2.mul(l3, v128.load(u3 + o)));
      sum = f64x2.add(sum, f64x2.mul(l4, v128.load(u4 + o)));
      sum = f64x2.add(sum, f64x2.mul(l5, v128.load(u5 + o)));
      sum = f64x2.add(sum, f64x2.mul(l6, v128.load(u6 + o)));
      sum = f64x2.add(sum, f64x2.mul(l7, v128.load(u7 + o)));
      v128.store(row + o, f64x2.sub(v128.load(row + o), sum));
    }
    for (; c < n; c++) {
      const o = (<usize>c) << 3;
      const sum =
        s0 * load<f64>(u0 + o) +
        s1 * load<f64>(u1 + o) +
        s2 * load<f64>(u2 + o) +
        s3 * load<f64>(u3 + o) +
        s4 * load<f64>(u4 + o) +
        s5 * load<f64>(u5 + o) +
        s6 * load<f64>(u6 + o) +
        s7 * load<f64>(u7 + o);
      store<f64>(row + o, load<f64>(row + o) - sum);
    }
  }
}
