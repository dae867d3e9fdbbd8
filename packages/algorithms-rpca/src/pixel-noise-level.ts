/**
 * A per-pixel noise level learned from the residual |S| over time, one frame at a time.
 *
 * Each pixel tracks the running median of its |S| by stochastic approximation: the estimate m
 * steps up by a factor e^rate when this frame's |S| is above it and down by the same factor when
 * below, so it settles where half of the frames lie above it (Robbins-Monro; multiplicative steps
 * make the speed independent of the scale). A median is not moved by values that come less than
 * half the time, so a car crossing a pixel does not raise that pixel's level, while a swaying
 * branch or an edge that shakes with the camera, which leave residue in most frames, do. Pixels
 * the mask calls foreground step `foregroundRate` times slower still (a parked or slow object is
 * not learned as noise), and the level never drops below `minLevel`, so a pixel whose |S| is
 * usually exactly zero (principal component pursuit's S is sparse) can climb back within tens of
 * frames when it starts to move.
 *
 * sigma(p) = 1.4826 m_p: the standard deviation of Gaussian noise with that median absolute value.
 */
export class PixelNoiseLevel {
  /** The running median of |S| per pixel; empty until the first frame. */
  readonly level: Float64Array;
  private started = false;
  /** The multiplicative steps of a frame: up and down, and both on foreground pixels. */
  readonly up: number;
  readonly down: number;
  readonly upForeground: number;
  readonly downForeground: number;
  /** sigma = scale x level: the level's quantile of |x| read as a Gaussian standard deviation. */
  readonly scale: number;

  constructor(
    pixels: number,
    readonly rate: number,
    readonly foregroundRate: number,
    readonly minLevel: number,
    readonly quantile = 0.5,
  ) {
    this.level = new Float64Array(pixels);
    // Steps up by e^(2 rate q) and down by e^(-2 rate (1 - q)): settles where a fraction 1 - q of
    // the frames lies above (the q-quantile); q = 0.5 gives equal steps of e^rate.
    this.up = Math.exp(2 * rate * quantile);
    this.down = Math.exp(-2 * rate * (1 - quantile));
    this.upForeground = Math.exp(2 * rate * quantile * foregroundRate);
    this.downForeground = Math.exp(-2 * rate * (1 - quantile) * foregroundRate);
    this.scale = 1 / gaussianAbsQuantile(quantile);
  }

  /** Whether any frame has been learned yet. */
  get ready(): boolean {
    return this.started;
  }

  /** Before the first frame is learned: starts every pixel at `start` (at least minLevel). */
  begin(start: number): void {
    if (this.started) return;
    this.level.fill(Math.max(start, this.minLevel));
    this.started = true;
  }

  /**
   * Lifts each pixel's level to at least `sigmas[p]` (a standard deviation, as sigma() returns):
   * noise levels known from elsewhere, such as a streaming separator's own. Before the first
   * frame they start the levels (at least minLevel).
   */
  raise(sigmas: ArrayLike<number>): void {
    const level = this.level;
    const inverse = 1 / this.scale;
    if (!this.started) level.fill(this.minLevel);
    this.started = true;
    // max(level, lifted) by indexing with the comparison: no branch to mispredict on noisy levels.
    const pick = PICK;
    for (let p = 0; p < level.length; p++) {
      pick[0] = level[p]!;
      pick[1] = sigmas[p]! * inverse;
      level[p] = pick[+(pick[1]! > pick[0]!)]!;
    }
  }

  /** 1.4826 x the running median of |S| at pixel p (Gaussian-consistent scale). */
  sigma(p: number): number {
    return this.scale * this.level[p]!;
  }

  /**
   * Learns one frame: `magnitude` is |S| per pixel, `mask` the frame's final decision (non-zero =
   * foreground, which learns slower); the first frame starts every pixel at `start` (the frame's
   * own robust level), not at zero.
   */
  learn(magnitude: ArrayLike<number>, mask: ArrayLike<number> | undefined, start: number): void {
    const level = this.level;
    const floor = this.minLevel;
    this.begin(start);
    for (let p = 0; p < level.length; p++) {
      const onForeground = mask !== undefined && mask[p] !== 0;
      const m = level[p]!;
      const next =
        magnitude[p]! > m
          ? m * (onForeground ? this.upForeground : this.up)
          : m * (onForeground ? this.downForeground : this.down);
      level[p] = Math.max(next, floor);
    }
  }
}

/** Scratch for a branch-free max (see raise). */
const PICK = new Float64Array(2);

/** The q-quantile of |x| for a standard normal x (0.6745 for the median), by bisection on erf. */
export function gaussianAbsQuantile(q: number): number {
  let lo = 0;
  let hi = 10;
  for (let i = 0; i < 60; i++) {
    const mid = (lo + hi) / 2;
    if (erf(mid / Math.SQRT2) < q) lo = mid;
    else hi = mid;
  }
  return (lo + hi) / 2;
}

/** erf by Abramowitz and Stegun 7.1.26 (absolute error below 1.5e-7). */
function erf(x: number): number {
  const t = 1 / (1 + 0.3275911 * x);
  const poly =
    t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429))));
  return 1 - poly * Math.exp(-x * x);
}
