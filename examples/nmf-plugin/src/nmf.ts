import {
  API_VERSION,
  assertFiniteMatrix,
  createRng,
  type DenseMatrix,
  defineFactorizer,
  InvalidInputError,
  type LowRankFactorization,
  matrixFrom,
  type OptionsSpec,
  throwIfAborted,
  toDenseMatrix,
  validateOptions,
} from '@lowrank/core';

/**
 * Non-negative matrix factorization M ~ W H (W >= 0, H >= 0) by hierarchical alternating least
 * squares (HALS, Cichocki & Phan 2009): each row of H, then each column of W, is the closed-form
 * non-negative least-squares update with the other factors fixed. Written only against
 * @lowrank/core's public API, as a third-party plugin would be.
 */
export interface NmfOptions {
  rank: number;
  maxIterations: number;
  tolerance: number;
  seed: number;
}

export const nmfOptionsSpec: OptionsSpec<NmfOptions> = {
  rank: {
    type: 'integer',
    default: 10,
    min: 1,
    max: 'min-dimension',
    description: 'Number of non-negative components k (W is rows x k, H is k x cols).',
  },
  maxIterations: {
    type: 'integer',
    default: 200,
    min: 1,
    max: 100_000,
    description: 'Upper bound on HALS sweeps (one sweep updates every row of H and every column of W).',
  },
  tolerance: {
    type: 'number',
    default: 1e-4,
    min: 0,
    description: 'Stop when the relative error improves by less than this fraction between sweeps.',
  },
  seed: {
    type: 'integer',
    default: 0,
    min: 0,
    description: 'Seed of the random initial W and H; the same seed repeats the same result.',
  },
};

/** A factorization that keeps W (rows x k) and H (k x cols), components sorted by weight. */
export interface NmfFactorization extends LowRankFactorization {
  readonly w: DenseMatrix;
  readonly h: DenseMatrix;
}

const TINY = 1e-12;
const BYTES = 8;
/** V8's heap growth, compiled code and dead per-sweep arrays while the sweeps run (measured 4-8 MB). */
const RUNTIME_BYTES = 8 * 2 ** 20;

/**
 * Bytes factorize() holds at its peak beyond the input: W and H, their sorted copies and the
 * sweeps' cross products (k x cols or rows x k), and at the end the rows x cols product W H that
 * gives the exact error. The full-rank closed form skips the sweeps and that product.
 */
export function nmfWorkingBytes(rows: number, cols: number, rank: number, float32Input: boolean): number {
  const factors = rows * rank + rank * cols;
  const fullRank = rank >= Math.min(rows, cols);
  const elements = fullRank
    ? factors
    : 2 * factors + Math.max(rank * cols, rows * rank) + 2 * rank * rank + rows * cols;
  return (elements + (float32Input ? rows * cols : 0)) * BYTES + RUNTIME_BYTES;
}

function product(
  w: Float64Array,
  h: Float64Array,
  rows: number,
  cols: number,
  k: number,
  use: number,
): Float64Array {
  const out = new Float64Array(rows * cols);
  for (let i = 0; i < rows; i++) {
    const o = i * cols;
    for (let r = 0; r < use; r++) {
      const a = w[i * k + r]!;
      if (a === 0) continue;
      const hr = r * cols;
      for (let j = 0; j < cols; j++) out[o + j]! += a * h[hr + j]!;
    }
  }
  return out;
}

/** Sorts components by ||w_r|| ||h_r|| descending so that reconstruct(k) keeps the k heaviest. */
function sortComponents(w: Float64Array, h: Float64Array, rows: number, cols: number, k: number): void {
  const weight = Array.from({ length: k }, (_, r) => {
    let sw = 0;
    let sh = 0;
    for (let i = 0; i < rows; i++) sw += w[i * k + r]! ** 2;
    for (let j = 0; j < cols; j++) sh += h[r * cols + j]! ** 2;
    return Math.sqrt(sw * sh);
  });
  const order = weight.map((_, r) => r).sort((a, b) => weight[b]! - weight[a]!);
  const w0 = w.slice();
  const h0 = h.slice();
  for (let r = 0; r < k; r++) {
    const from = order[r]!;
    for (let i = 0; i < rows; i++) w[i * k + r] = w0[i * k + from]!;
    h.set(h0.subarray(from * cols, (from + 1) * cols), r * cols);
  }
}

export const nmf = defineFactorizer<NmfOptions, NmfFactorization>({
  meta: {
    name: 'nmf',
    version: '0.1.0',
    apiVersion: API_VERSION,
    displayName: 'Non-negative matrix factorization (HALS)',
    description:
      'M ~ W H with W, H >= 0: parts-based components; needs a non-negative input such as an image.',
  },
  kind: 'low-rank',
  options: nmfOptionsSpec,

  estimateWorkingBytes(shape, options) {
    const { rank } = validateOptions(nmfOptionsSpec, options, shape);
    return nmfWorkingBytes(shape.rows, shape.cols, rank, shape.dtype === 'float32');
  },

  async factorize(matrix, options, run) {
    const start = performance.now();
    throwIfAborted(run?.signal);
    const m = toDenseMatrix(matrix, 'float64');
    assertFiniteMatrix(m, 'input matrix');
    const { rows, cols } = m;
    const opts = validateOptions(nmfOptionsSpec, options, { rows, cols });
    const a = m.data;
    for (let t = 0; t < a.length; t++) {
      if (a[t]! < 0) {
        const i = Math.floor(t / cols);
        throw new InvalidInputError(
          `NMF needs a non-negative matrix, but entry (${i}, ${t - i * cols}) is ${a[t]}.`,
          {
            hint: 'Shift or clip the data to >= 0 first, or use the svd method.',
          },
        );
      }
    }
    const k = opts.rank;
    const w = new Float64Array(rows * k);
    const h = new Float64Array(k * cols);
    let iterations = 0;
    let converged = false;
    let residual = 0;
    const history: number[] = [];
    let normM2 = 0;
    for (let t = 0; t < a.length; t++) normM2 += a[t]! * a[t]!;

    if (k >= Math.min(rows, cols)) {
      // Full rank has an exact non-negative factorization in closed form: M = M I or M = I M.
      if (k >= cols) {
        for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) w[i * k + j] = a[i * cols + j]!;
        for (let j = 0; j < cols; j++) h[j * cols + j] = 1;
      } else {
        for (let i = 0; i < rows; i++) w[i * k + i] = 1;
        h.set(a.subarray(0, rows * cols));
      }
      converged = true;
      run?.onProgress?.({ fraction: 1, iteration: 0, residual: 0, rank: k });
    } else {
      // Random init scaled like scikit-learn's 'random': entries ~ U(0,1) * sqrt(mean / k).
      const rng = createRng(opts.seed);
      const scale = Math.sqrt(normM2 > 0 ? Math.sqrt(normM2 / a.length) / k : 1 / k);
      for (let t = 0; t < w.length; t++) w[t] = rng.next() * scale;
      for (let t = 0; t < h.length; t++) h[t] = rng.next() * scale;
      const gram = new Float64Array(k * k);
      const cross = new Float64Array(Math.max(k * cols, rows * k));
      let previous = Number.POSITIVE_INFINITY;
      for (let it = 1; it <= opts.maxIterations; it++) {
        throwIfAborted(run?.signal);
        // H update: gram = W^T W, cross = W^T M (k x cols).
        gram.fill(0);
        cross.fill(0);
        for (let i = 0; i < rows; i++) {
          for (let r = 0; r < k; r++) {
            const wr = w[i * k + r]!;
            if (wr === 0) continue;
            for (let s = 0; s < k; s++) gram[r * k + s]! += wr * w[i * k + s]!;
            const ar = i * cols;
            const cr = r * cols;
            for (let j = 0; j < cols; j++) cross[cr + j]! += wr * a[ar + j]!;
          }
        }
        for (let r = 0; r < k; r++) {
          const d = gram[r * k + r]!;
          if (d <= TINY) continue;
          for (let j = 0; j < cols; j++) {
            let s = cross[r * cols + j]!;
            for (let q = 0; q < k; q++) s -= gram[r * k + q]! * h[q * cols + j]!;
            const v = h[r * cols + j]! + s / d;
            h[r * cols + j] = Math.max(v, 0);
          }
        }
        // Error from the Gram form, no m x n temporary: ||M||^2 - 2<W^T M, H> + <W^T W, H H^T>.
        let cross2 = 0;
        for (let t = 0; t < k * cols; t++) cross2 += cross[t]! * h[t]!;
        const hht = new Float64Array(k * k);
        for (let r = 0; r < k; r++)
          for (let s = r; s < k; s++) {
            let v = 0;
            for (let j = 0; j < cols; j++) v += h[r * cols + j]! * h[s * cols + j]!;
            hht[r * k + s] = v;
            hht[s * k + r] = v;
          }
        let quad = 0;
        for (let t = 0; t < k * k; t++) quad += gram[t]! * hht[t]!;
        residual = normM2 > 0 ? Math.sqrt(Math.max(0, normM2 - 2 * cross2 + quad) / normM2) : 0;
        // W update: gram = H H^T, cross = M H^T (rows x k).
        for (let i = 0; i < rows; i++) {
          const ar = i * cols;
          for (let r = 0; r < k; r++) {
            let s = 0;
            const hr = r * cols;
            for (let j = 0; j < cols; j++) s += a[ar + j]! * h[hr + j]!;
            cross[i * k + r] = s;
          }
        }
        for (let r = 0; r < k; r++) {
          const d = hht[r * k + r]!;
          if (d <= TINY) continue;
          for (let i = 0; i < rows; i++) {
            let s = cross[i * k + r]!;
            for (let q = 0; q < k; q++) s -= w[i * k + q]! * hht[q * k + r]!;
            const v = w[i * k + r]! + s / d;
            w[i * k + r] = Math.max(v, 0);
          }
        }
        iterations = it;
        history.push(residual);
        run?.onProgress?.({
          fraction: it / opts.maxIterations,
          iteration: it,
          maxIterations: opts.maxIterations,
          residual,
          rank: k,
        });
        if (previous - residual <= opts.tolerance * Math.max(residual, TINY) && it > 1) {
          converged = true;
          break;
        }
        previous = residual;
        // Yield to the event loop now and then so that an abort from a timer or signal handler lands.
        if (it % 8 === 0) await new Promise<void>((resolve) => setImmediate(resolve));
      }
      sortComponents(w, h, rows, cols, k);
      // The final W update changed the error: report the exact figure of what is returned.
      const approx = product(w, h, rows, cols, k, k);
      let e = 0;
      for (let t = 0; t < a.length; t++) e += (a[t]! - approx[t]!) ** 2;
      residual = normM2 > 0 ? Math.sqrt(e / normM2) : 0;
    }
    throwIfAborted(run?.signal);
    const wMatrix = matrixFrom(rows, k, w);
    const hMatrix = matrixFrom(k, cols, h);
    const checkRank = (use: number | undefined): number => {
      const r = use ?? k;
      if (!Number.isInteger(r) || r < 0 || r > k) {
        throw new InvalidInputError(`rank ${r} is outside 0..${k}, the number of components computed.`);
      }
      return r;
    };
    return {
      kind: 'low-rank',
      rows,
      cols,
      rank: k,
      w: wMatrix,
      h: hMatrix,
      diagnostics: { iterations, converged, residual, milliseconds: performance.now() - start, history },
      reconstruct(use?: number) {
        return matrixFrom(rows, cols, product(w, h, rows, cols, k, checkRank(use)));
      },
      storedNumbers(use?: number) {
        return checkRank(use) * (rows + cols);
      },
    };
  },
});
