import type { Progress } from '@lowrank/core';

/**
 * A one-line progress bar on stderr, redrawn at most ten times a second. Disabled (every call a
 * no-op) when stdout is not a terminal or --json is on, so pipes and JSON readers see nothing.
 */
export class ProgressBar {
  readonly #stream: { write(text: string): unknown };
  readonly #enabled: boolean;
  readonly #width: number;
  #lastDraw = 0;
  #drawn = false;
  #stage = '';

  constructor(stream: { write(text: string): unknown }, enabled: boolean, width = 28) {
    this.#stream = stream;
    this.#enabled = enabled;
    this.#width = width;
  }

  get enabled(): boolean {
    return this.#enabled;
  }

  /** Names the current stage (decode, factorize, write...) and draws it at 0. */
  stage(name: string): void {
    this.#stage = name;
    this.#lastDraw = 0;
    this.update({ fraction: 0 });
  }

  /** A callback to hand to factorize() as onProgress. */
  readonly onProgress = (progress: Progress): void => this.update(progress);

  update(progress: Progress): void {
    if (!this.#enabled) return;
    const now = Date.now();
    const fraction = progress.fraction;
    if (now - this.#lastDraw < 100 && fraction !== 1) return;
    this.#lastDraw = now;
    this.#stream.write(`\r${renderBar(this.#stage, progress, this.#width)}\x1b[K`);
    this.#drawn = true;
  }

  /** Clears the line so that the summary prints cleanly. */
  done(): void {
    if (this.#enabled && this.#drawn) this.#stream.write('\r\x1b[K');
    this.#drawn = false;
  }
}

/** The text of one bar, for example `factorize [########------] 57% it 40/70 residual 3.1e-5`. */
export function renderBar(stage: string, progress: Progress, width = 28): string {
  const f = progress.fraction === undefined ? undefined : Math.max(0, Math.min(1, progress.fraction));
  const filled = f === undefined ? 0 : Math.round(f * width);
  const bar = f === undefined ? '?'.repeat(width) : '#'.repeat(filled) + '-'.repeat(width - filled);
  const parts = [`${stage} [${bar}]`, f === undefined ? '' : `${Math.round(f * 100)}%`.padStart(4)];
  if (progress.iteration !== undefined) {
    parts.push(`it ${progress.iteration}${progress.maxIterations ? `/${progress.maxIterations}` : ''}`);
  }
  if (progress.residual !== undefined) parts.push(`residual ${progress.residual.toExponential(1)}`);
  if (progress.message) parts.push(progress.message);
  return parts.filter(Boolean).join(' ');
}
