/**
 * Temporal consistency: a pixel's threshold for this frame, given what the previous frames decided.
 *
 * - Continuity: objects move a few pixels per frame, so a pixel that was foreground in the previous
 *   frame is likely still foreground; its threshold is multiplied by `previousFactor` (< 1).
 * - Flicker: a pixel whose evidence keeps toggling (leaves, an edge that shakes with the camera, a
 *   blinking light) is not a moving object. The toggles of the raw evidence (|S| above the pixel's
 *   threshold before this step) are tracked per pixel as an exponential average with weight
 *   `flickerRate`, and the threshold is multiplied by 1 + `flickerGain` x that rate (SuBSENSE's
 *   "blinking" pixels, St-Charles et al. 2015). The evidence, not the decision, so a suppressed
 *   flicker keeps counting as one.
 *
 * State: the previous frame's mask and evidence, and one toggle rate per pixel (O(pixels)).
 */
export class TemporalConsistency {
  readonly previous: Uint8Array;
  readonly previousEvidence: Uint8Array;
  readonly flicker: Float64Array;
  /** Frames recorded so far (toggles are counted from the second on). */
  frames = 0;

  constructor(
    pixels: number,
    readonly previousFactor: number,
    readonly flickerGain: number,
    readonly flickerRate: number,
  ) {
    this.previous = new Uint8Array(pixels);
    this.previousEvidence = new Uint8Array(pixels);
    this.flicker = new Float64Array(pixels);
  }

  /** The multiplier of pixel p's threshold in the coming frame. */
  factor(p: number): number {
    const continuity = this.previous[p] !== 0 ? this.previousFactor : 1;
    return continuity * (1 + this.flickerGain * this.flicker[p]!);
  }

  /**
   * Records the frame just decided: its final mask and its raw evidence (non-zero where |S| was
   * above the pixel's threshold before the temporal factor).
   */
  learn(mask: ArrayLike<number>, evidence: ArrayLike<number>): void {
    const { previous, previousEvidence, flicker } = this;
    const rate = this.flickerRate;
    for (let p = 0; p < previous.length; p++) {
      const seen = evidence[p] !== 0 ? 1 : 0;
      if (this.frames > 0) {
        const toggled = seen !== previousEvidence[p] ? 1 : 0;
        flicker[p] = flicker[p]! + rate * (toggled - flicker[p]!);
      }
      previousEvidence[p] = seen;
      previous[p] = mask[p] !== 0 ? 1 : 0;
    }
    this.frames++;
  }
}
