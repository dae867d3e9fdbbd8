import type { Progress } from '@lowrank/core';

/**
 * A one-line progress bar on stderr, redrawn at most ten times a second. Disabled (every call a
 * no-op) when stdout is not a terminal or --json is on, so pipes and JSON readers see nothing.
 */
export class ProgressBar {
  readonly #stream: { write(text: string): unknown };
  readonly #enabled: boolean;
  /** One `lowrank: stage NAME` line per stage instead of a bar (LOWRANK_PROGRESS=lines: logs, scripts). */
  readonly #lines: boolean;
  #stageStarted = 0;
  readonly #width: number;
  #lastDraw = 0;
  #drawn = false;
  #stage = '';

  constructor(stream: { write(text: string): unknown }, enabled: boolean, width = 28, lines = false) {
    this.#stream = stream;
    this.#enabled = enabled;
    this.#lines = lines;
    this.#width = width;
  }

  get enabled(): boolean {
    return this.#enabled;
  }

  /** Names the current stage (decode, factorize, write...) and draws it at 0. */
  stage(name: string): void {
    if (this.#lines) this.#stream.write(`lowrank: stage ${name}\n`);
    this.#stage = name;
    this.#stageStarted = Date.now();
    this.#lastDraw = 0;
    this.update({ fraction: 0 });
  }

  /** A callback to hand to factorize() as onProgress. */
  readonly onProgress = (progress: Progress): void => this.update(progress);

  update(progress: Progress): void {
    if (!this.#enabled || this.#lines) return;
    const now = Date.now();
    const fraction = progress.fraction;
    if (now - this.#lastDraw < 100 && fraction !== 1) return;
    this.#lastDraw = now;
    this.#stream.write(`\r${renderBar(this.#stage, progress, this.#width, now - this.#stageStarted)}\x1b[K`);
    this.#drawn = true;
  }

  /** Clears the line so that the summary prints cleanly. */
  done(): void {
    if (this.#enabled && this.#drawn) this.#stream.write('\r\x1b[K');
    this.#drawn = false;
  }
}

/** The text of one bar, for example `factorize [########------] 57% it 40/70 residual 3.1e-5`. */
export function renderBar(stage: string, progress: Progress, width = 28, elapsedMs = 0): string {
  const f = progress.fraction === undefined ? undefined : Math.max(0, Math.min(1, progress.fraction));
  const filled = f === undefined ? 0 : Math.round(f * width);
  const bar = f === undefined ? '?'.repeat(width) : '#'.repeat(filled) + '-'.repeat(width - filled);
  const parts = [`${stage} [${bar}]`, f === undefined ? '' : `${Math.round(f * 100)}%`.padStart(4)];
  if (progress.iteration !== undefined) {
    parts.push(`it ${progress.iteration}${progress.maxIterations ? `/${progress.maxIterations}` : ''}`);
  }
  if (progress.residual !== undefined) parts.push(`residual ${progress.residual.toExponential(1)}`);
  if (progress.message) parts.push(progress.message);
  // Time left, once a stage has run long enough for its rate to mean something.
  if (f !== undefined && f > 0.02 && f < 1 && elapsedMs > 2000)
    parts.push(`${formatDuration((elapsedMs * (1 - f)) / f)} left`);
  return parts.filter(Boolean).join(' ');
}

function formatDuration(ms: number): string {
  const seconds = Math.round(ms / 1000);
  if (seconds < 60) return `${seconds} s`;
  const minutes = Math.floor(seconds / 60);
  return minutes < 60
    ? `${minutes} min ${seconds % 60} s`
    : `${Math.floor(minutes / 60)} h ${minutes % 60} min`;
}
