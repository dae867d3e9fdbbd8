import type { DenseMatrix, LowRankFactorization } from '@lowrank/core';
import type { ChannelFactors } from '../shared/protocol.js';

type Candidate = DenseMatrix | undefined;

function asDense(value: unknown): Candidate {
  if (typeof value !== 'object' || value === null) return undefined;
  const m = value as Partial<DenseMatrix>;
  if (typeof m.rows !== 'number' || typeof m.cols !== 'number') return undefined;
  if (!(m.data instanceof Float64Array || m.data instanceof Float32Array)) return undefined;
  if (m.data.length !== m.rows * m.cols) return undefined;
  return m as DenseMatrix;
}

function pick(result: object, names: readonly string[]): Candidate {
  for (const name of names) {
    const found = asDense((result as Record<string, unknown>)[name]);
    if (found) return found;
  }
  return undefined;
}

/**
 * The SVD factors of a low-rank result, when the plugin exposes them (the contract only requires
 * reconstruct() and storedNumbers(), so this is duck-typed: U as `u`/`U`/`left`, V as `v`/`V`/`right`
 * (cols x rank) or V^T as `vt`/`Vt` (rank x cols)). The factors are then checked against the plugin's
 * own reconstruct(1) at a few entries, so a plugin whose fields mean something else falls back to
 * reconstructing in the worker instead of showing a wrong picture. Returns undefined when unusable.
 */
export function extractFactors(result: LowRankFactorization): ChannelFactors | undefined {
  const s = result.singularValues;
  if (!s || s.length === 0) return undefined;
  const m = result.rows;
  const n = result.cols;
  const u = pick(result, ['u', 'U', 'left']);
  if (!u || u.rows !== m) return undefined;
  let v = pick(result, ['v', 'V', 'right']);
  let transposed = false;
  if (!v) {
    v = pick(result, ['vt', 'Vt', 'vT']);
    transposed = true;
  }
  if (!v) return undefined;
  if (!transposed && v.rows !== n && v.cols === n) transposed = true;
  const rank = Math.min(result.rank, s.length, u.cols, transposed ? v.rows : v.cols);
  if (rank < 1) return undefined;
  const out = {
    rank,
    u: new Float32Array(m * rank),
    s: new Float32Array(rank),
    v: new Float32Array(n * rank),
  };
  for (let i = 0; i < m; i++) for (let k = 0; k < rank; k++) out.u[i * rank + k] = u.data[i * u.cols + k]!;
  for (let k = 0; k < rank; k++) out.s[k] = s[k]!;
  for (let j = 0; j < n; j++) {
    for (let k = 0; k < rank; k++) {
      out.v[j * rank + k] = transposed ? v.data[k * v.cols + j]! : v.data[j * v.cols + k]!;
    }
  }
  return factorsMatch(out, result, m, n) ? out : undefined;
}

/** Compares s1 u1 v1^T with reconstruct(1) at a grid of entries (relative to the largest value). */
function factorsMatch(f: ChannelFactors, result: LowRankFactorization, m: number, n: number): boolean {
  const r1 = result.reconstruct(1);
  if (r1.rows !== m || r1.cols !== n) return false;
  let worst = 0;
  let scale = 0;
  const steps = 7;
  for (let a = 0; a < steps; a++) {
    const i = Math.floor(((m - 1) * a) / (steps - 1));
    for (let b = 0; b < steps; b++) {
      const j = Math.floor(((n - 1) * b) / (steps - 1));
      const mine = f.s[0]! * f.u[i * f.rank]! * f.v[j * f.rank]!;
      const theirs = r1.data[i * n + j]!;
      worst = Math.max(worst, Math.abs(mine - theirs));
      scale = Math.max(scale, Math.abs(theirs));
    }
  }
  return worst <= 1e-4 * Math.max(scale, 1e-12) + 1e-6;
}

/**
 * The rank-k image from factors, into `out` (length rows * cols). Float64 accumulation; the webview
 * runs the same arithmetic incrementally (see media/reconstruction.ts).
 */
export function reconstructFromFactors(
  f: ChannelFactors,
  rows: number,
  cols: number,
  rank: number,
): Float64Array {
  const k = Math.min(rank, f.rank);
  const out = new Float64Array(rows * cols);
  for (let i = 0; i < rows; i++) {
    for (let t = 0; t < k; t++) {
      const a = f.s[t]! * f.u[i * f.rank + t]!;
      if (a === 0) continue;
      const base = i * cols;
      for (let j = 0; j < cols; j++) out[base + j]! += a * f.v[j * f.rank + t]!;
    }
  }
  return out;
}
