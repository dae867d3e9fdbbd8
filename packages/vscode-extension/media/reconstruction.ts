import type { ChannelFactors } from '../src/shared/protocol.js';

/**
 * The rank-k image from SVD factors sent once by the host, kept up to date incrementally: moving
 * the slider from k to k' adds or removes |k' - k| rank-one terms (rows * cols multiply-adds each)
 * instead of rebuilding all k'. A jump larger than k' rebuilds from zero, which is cheaper then.
 * Float64 accumulators, so thousands of steps back and forth do not drift visibly.
 */
export class IncrementalReconstruction {
  readonly rows: number;
  readonly cols: number;
  readonly #factors: readonly ChannelFactors[];
  readonly #planes: Float64Array[];
  #rank = 0;

  constructor(factors: readonly ChannelFactors[], rows: number, cols: number) {
    this.#factors = factors;
    this.rows = rows;
    this.cols = cols;
    this.#planes = factors.map(() => new Float64Array(rows * cols));
  }

  get rank(): number {
    return this.#rank;
  }

  get maxRank(): number {
    return Math.min(...this.#factors.map((f) => f.rank));
  }

  /** Planes of the rank-k reconstruction (unclamped); valid until the next call. */
  setRank(rank: number): readonly Float64Array[] {
    const steps = this.stepsTo(rank, Number.POSITIVE_INFINITY);
    for (let step = steps.next(); ; step = steps.next()) if (step.done) return step.value;
  }

  /**
   * setRank done about `multiplyAddsPerStep` multiply-adds at a time (whole rows, at least one),
   * yielding between steps, so that a long rebuild can be spread over many short tasks: a step's
   * time then does not grow with the rank, the width or the channels. Run it to the end before
   * starting another.
   */
  *stepsTo(rank: number, multiplyAddsPerStep = 2 ** 20): Generator<void, readonly Float64Array[]> {
    const target = Math.max(0, Math.min(rank, this.maxRank));
    const from = this.#rank;
    const rebuild = Math.abs(target - from) > target;
    const [first, last, sign] = rebuild
      ? ([0, target, 1] as const)
      : target >= from
        ? ([from, target, 1] as const)
        : ([target, from, -1] as const);
    const perRow = this.cols * this.#planes.length * Math.max(1, last - first);
    const rowsPerStep = Math.max(1, Math.floor(multiplyAddsPerStep / perRow));
    if (last > first || rebuild) {
      for (let row = 0; row < this.rows; row += rowsPerStep) {
        const end = Math.min(this.rows, row + rowsPerStep);
        if (rebuild) for (const plane of this.#planes) plane.fill(0, row * this.cols, end * this.cols);
        this.#addTerms(first, last, sign, row, end);
        if (end < this.rows) yield;
      }
    }
    this.#rank = target;
    return this.#planes;
  }

  /** V's columns first..last-1 per channel as contiguous rows (terms x cols), kept for the steps of one move. */
  #gathered: { first: number; last: number; vt: Float64Array[] } | undefined;

  #vTransposed(first: number, last: number): Float64Array[] {
    const kept = this.#gathered;
    if (kept && kept.first === first && kept.last === last) return kept.vt;
    const { cols } = this;
    const count = last - first;
    const vt = this.#factors.map((f) => {
      const r = f.rank;
      const out = new Float64Array(count * cols);
      for (let j = 0; j < cols; j++)
        for (let t = 0; t < count; t++) out[t * cols + j] = f.v[j * r + first + t]!;
      return out;
    });
    this.#gathered = { first, last, vt };
    return vt;
  }

  /** Adds (sign 1) or removes (sign -1) the terms first..last-1 to rows row0..row1-1 of every plane. */
  #addTerms(first: number, last: number, sign: 1 | -1, row0 = 0, row1 = this.rows): void {
    const { cols } = this;
    const count = last - first;
    if (count <= 0) return;
    // V's columns gathered once per move into contiguous rows, then each image row is finished
    // while it sits in cache (row outer, terms inner).
    const gathered = this.#vTransposed(first, last);
    this.#factors.forEach((f, c) => {
      const plane = this.#planes[c]!;
      const r = f.rank;
      const vt = gathered[c]!;
      const scale = new Float64Array(count);
      for (let t = 0; t < count; t++) scale[t] = sign * f.s[first + t]!;
      for (let i = row0; i < row1; i++) {
        const base = i * cols;
        for (let t = 0; t < count; t++) {
          const a = scale[t]! * f.u[i * r + first + t]!;
          if (a === 0) continue;
          const vrow = t * cols;
          for (let j = 0; j < cols; j++) plane[base + j]! += a * vt[vrow + j]!;
        }
      }
    });
  }
}

/** Clamps to [0, 1] for display. */
export function clampPlanes(planes: readonly ArrayLike<number>[]): Float32Array[] {
  return planes.map((p) => {
    const out = new Float32Array(p.length);
    for (let k = 0; k < p.length; k++) {
      const v = p[k]!;
      out[k] = Math.min(1, Math.max(0, v));
    }
    return out;
  });
}
