/**
 * A bounded queue between a producer that pushes frames and a consumer that reads them as an async
 * iterable (an ffmpeg encoder): push() waits while the queue is full, so a slow encoder slows the
 * producer down instead of letting frames pile up in memory. A consumer that fails makes the next
 * push() reject with its error.
 */
export class FrameQueue<T> implements AsyncIterable<T> {
  readonly #items: T[] = [];
  readonly #capacity: number;
  #closed = false;
  #failure: unknown;
  #wakeConsumer: (() => void) | undefined;
  #wakeProducer: (() => void) | undefined;

  constructor(capacity = 4) {
    this.#capacity = capacity;
  }

  async push(item: T): Promise<void> {
    while (this.#items.length >= this.#capacity && this.#failure === undefined) {
      await new Promise<void>((resolve) => (this.#wakeProducer = resolve));
    }
    if (this.#failure !== undefined) throw this.#failure;
    this.#items.push(item);
    this.#wake('consumer');
  }

  /** No more items: the consumer's loop ends once it has read the rest. */
  close(): void {
    this.#closed = true;
    this.#wake('consumer');
  }

  /** The consumer failed (or the work stopped): pending and later pushes reject with `error`. */
  fail(error: unknown): void {
    this.#failure ??= error;
    this.#closed = true;
    this.#wake('producer');
    this.#wake('consumer');
  }

  #wake(who: 'consumer' | 'producer'): void {
    const wake = who === 'consumer' ? this.#wakeConsumer : this.#wakeProducer;
    if (who === 'consumer') this.#wakeConsumer = undefined;
    else this.#wakeProducer = undefined;
    wake?.();
  }

  async *[Symbol.asyncIterator](): AsyncIterator<T> {
    for (;;) {
      if (this.#items.length > 0) {
        const item = this.#items.shift()!;
        this.#wake('producer');
        yield item;
      } else if (this.#closed) {
        return;
      } else {
        await new Promise<void>((resolve) => (this.#wakeConsumer = resolve));
      }
    }
  }
}
