/**
 * Runs an async task for a value with at most one run in flight; values asked for meanwhile
 * replace each other, and only the latest runs next. Slider-driven work (quality numbers for
 * rank k) must not queue up behind a drag: only the rank the slider rests on matters.
 */
export class LatestOnly<T> {
  readonly #task: (value: T) => Promise<void>;
  readonly #onError: (error: unknown) => void;
  #running = false;
  #next: { value: T } | undefined;

  constructor(task: (value: T) => Promise<void>, onError: (error: unknown) => void) {
    this.#task = task;
    this.#onError = onError;
  }

  ask(value: T): void {
    if (this.#running) {
      this.#next = { value };
      return;
    }
    this.#running = true;
    void this.#task(value)
      .catch(this.#onError)
      .finally(() => {
        this.#running = false;
        const next = this.#next;
        this.#next = undefined;
        if (next) this.ask(next.value);
      });
  }
}
