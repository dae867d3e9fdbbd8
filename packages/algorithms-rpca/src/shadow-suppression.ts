import { LUMA_WEIGHTS } from './luminance.js';

/**
 * Hard-shadow suppression: CDnet counts a cast shadow as background, and a shadow is a darker copy
 * of the background with the same chroma. Horprasert, Harwood and Davis (1999) split the
 * difference between an input colour I and the background colour B into a brightness distortion
 * alpha = (I . B) / |B|^2 (I's projection onto B's direction) and a chromaticity distortion
 * |I - alpha B| / |B| (the distance from that direction). A pixel is a shadow when
 * minBrightness <= alpha <= maxBrightness and the chromaticity distortion is at most
 * maxChromaDistortion.
 *
 * The background comes from the low-rank model: B = I - S. When S is gray (robust PCA on the
 * luminance of a colour video) B's brightness is Y(I) - S and its chroma comes from a running
 * average of the input's colour over the frames where the pixel was background (state 3 x pixels).
 * With gray input only the brightness test is possible, which cannot tell a shadow from a dark
 * object; that is why the mask model enables this step for colour input only by default.
 */
export interface ShadowBounds {
  readonly minBrightness: number;
  readonly maxBrightness: number;
  readonly maxChromaDistortion: number;
}

/** Background pixels darker than this (in [0, 1] units) have no reliable chroma: never shadows. */
const DARKEST_BACKGROUND = 0.04;

export class ShadowSuppression {
  /** Running background colour per pixel (RGB), only when S has fewer channels than the input. */
  private readonly backgroundColour: Float64Array | undefined;
  private started = false;

  constructor(
    readonly pixels: number,
    readonly inputChannels: number,
    readonly sparseChannels: number,
    readonly bounds: ShadowBounds,
    readonly colourRate: number,
  ) {
    this.backgroundColour =
      inputChannels === 3 && sparseChannels === 1 ? new Float64Array(3 * pixels) : undefined;
  }

  /**
   * Marks shadow pixels of one frame: out[p] = 1 for a shadow, 0 otherwise. `input` is the frame
   * (pixels x inputChannels, interleaved), `sparse` its S (pixels x sparseChannels).
   */
  detect(input: ArrayLike<number>, sparse: ArrayLike<number>, out: Uint8Array): void {
    const { minBrightness, maxBrightness, maxChromaDistortion } = this.bounds;
    const limit = maxChromaDistortion * maxChromaDistortion;
    const ci = this.inputChannels;
    const cs = this.sparseChannels;
    const running = this.backgroundColour;
    if (running && !this.started) {
      // The first frame's colours start the running background.
      for (let k = 0; k < 3 * this.pixels; k++) running[k] = input[k]!;
      this.started = true;
    }
    for (let p = 0; p < this.pixels; p++) {
      let ib = 0;
      let bb = 0;
      let ii = 0;
      if (ci === cs) {
        for (let c = 0; c < ci; c++) {
          const i = input[p * ci + c]!;
          const b = i - sparse[p * cs + c]!;
          ib += i * b;
          bb += b * b;
          ii += i * i;
        }
      } else if (running) {
        const r = input[3 * p]!;
        const g = input[3 * p + 1]!;
        const bl = input[3 * p + 2]!;
        const luma = LUMA_WEIGHTS.r * r + LUMA_WEIGHTS.g * g + LUMA_WEIGHTS.b * bl;
        const backgroundLuma = luma - sparse[p]!;
        const rr = running[3 * p]!;
        const rg = running[3 * p + 1]!;
        const rb = running[3 * p + 2]!;
        const runningLuma = LUMA_WEIGHTS.r * rr + LUMA_WEIGHTS.g * rg + LUMA_WEIGHTS.b * rb;
        const scale = runningLuma > 1e-6 ? backgroundLuma / runningLuma : 0;
        const br = rr * scale;
        const bg = rg * scale;
        const bbl = rb * scale;
        ib = r * br + g * bg + bl * bbl;
        bb = br * br + bg * bg + bbl * bbl;
        ii = r * r + g * g + bl * bl;
      } else {
        // Gray input, gray S: brightness only.
        const i = input[p]!;
        const b = i - sparse[p]!;
        ib = i * b;
        bb = b * b;
        ii = i * i;
      }
      if (bb < DARKEST_BACKGROUND * DARKEST_BACKGROUND * (ci === 3 ? 3 : 1)) {
        out[p] = 0;
        continue;
      }
      const alpha = ib / bb;
      // |I - alpha B|^2 / |B|^2 = (|I|^2 - alpha^2 |B|^2) / |B|^2
      const chroma = Math.max(ii - alpha * alpha * bb, 0) / bb;
      out[p] = alpha >= minBrightness && alpha <= maxBrightness && chroma <= limit ? 1 : 0;
    }
  }

  /** Follows the background colour where the final mask says background (gray-S case only). */
  learn(input: ArrayLike<number>, mask: ArrayLike<number>): void {
    const running = this.backgroundColour;
    if (!running) return;
    const rate = this.colourRate;
    for (let p = 0; p < this.pixels; p++) {
      if (mask[p] !== 0) continue;
      for (let c = 0; c < 3; c++) {
        const k = 3 * p + c;
        running[k] = running[k]! + rate * (input[k]! - running[k]!);
      }
    }
  }
}
