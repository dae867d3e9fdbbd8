import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { foregroundDeviation, StreamingForegroundMasks } from '@lowrank/algorithms-rpca';
import {
  type FrameShape,
  InvalidInputError,
  type MatrixData,
  type SeparatedFrame,
  type StreamingSeparation,
} from '@lowrank/core';

/** One frame's arrays, shared by the two threads: the stream writes the first two, the thread the mask. */
export interface MaskSlot {
  readonly deviation: SharedArrayBuffer;
  readonly noise: SharedArrayBuffer;
  readonly mask: SharedArrayBuffer;
}

export function maskSlotViews(slot: MaskSlot): {
  deviation: Float32Array;
  noise: Float32Array;
  mask: Uint8Array;
} {
  return {
    deviation: new Float32Array(slot.deviation),
    noise: new Float32Array(slot.noise),
    mask: new Uint8Array(slot.mask),
  };
}

/** What the mask thread is started with. */
export interface MaskThreadSetup {
  readonly frame: FrameShape;
  readonly slots: readonly MaskSlot[];
}

/** One frame's work for the mask thread: its slot, and whether the separator gave noise levels. */
export interface MaskThreadRequest {
  readonly slot: number;
  readonly withNoise: boolean;
}

/** A frame's mask is in its slot: the number of foreground pixels, or why there is no mask. */
export interface MaskThreadReply {
  readonly slot: number;
  readonly count: number;
  readonly error?: string;
}

/** A frame's mask (255 / 0 per pixel) and how many of its pixels are foreground. */
export interface StreamedMask {
  readonly mask: Uint8Array;
  readonly count: number;
}

/**
 * The foreground masks of a stream, frame by frame and in order: `submit` reads what the mask needs
 * from the separation at once (so the separation can take the next frame), and the mask follows.
 */
export interface StreamingMaskStage {
  /** Frames whose masks may be under way at once before the stream waits for the oldest. */
  readonly depth: number;
  submit(
    separation: StreamingSeparation,
    separated: SeparatedFrame,
    original: MatrixData,
  ): Promise<StreamedMask>;
  /** Gives back a mask `submit` resolved with, once it has been written or copied. */
  release(mask: StreamedMask): void;
  close(): void;
}

/** Masks decided on the stream's own thread, one at a time (the fallback when no thread can start). */
export class InlineMaskStage implements StreamingMaskStage {
  readonly depth = 0;
  private readonly masks: StreamingForegroundMasks;
  private readonly mask: Uint8Array;

  constructor(frame: FrameShape) {
    this.masks = new StreamingForegroundMasks(frame);
    this.mask = new Uint8Array(frame.width * frame.height);
  }

  submit(
    separation: StreamingSeparation,
    separated: SeparatedFrame,
    original: MatrixData,
  ): Promise<StreamedMask> {
    const mask = this.masks.push(separation, separated, original, this.mask);
    return Promise.resolve({ mask, count: countSet(mask) });
  }

  release(): void {}

  close(): void {}
}

/** Pixels set in a mask (255 or 0 each). */
export function countSet(mask: Uint8Array): number {
  let count = 0;
  for (let p = 0; p < mask.length; p++) count += mask[p]! & 1;
  return count;
}

/** A worker thread's own heap and code with the mask model's modules loaded (measured: 13-20 MB RSS). */
export const MASK_THREAD_RUNTIME_BYTES = 20 * 2 ** 20;
/** Frames a MaskThread holds in shared slots (its depth + 1). */
const MASK_THREAD_SLOTS = 3;

/**
 * Bytes a mask thread adds to a stream besides the mask model: its runtime, its shared slots
 * (deviation and noise levels as float32, the mask), and the frames waiting for their masks on the
 * stream's side (8-bit background and foreground, float original).
 */
export function estimateMaskThreadBytes(frame: FrameShape): number {
  const pixels = frame.width * frame.height;
  const values = pixels * frame.channels;
  const waiting = (MASK_THREAD_SLOTS - 1) * (2 * values + 4 * values);
  return MASK_THREAD_RUNTIME_BYTES + MASK_THREAD_SLOTS * (8 * values + pixels) + waiting;
}

/** The mask thread's script, built beside this module (also beside a bundle that inlines this module). */
const WORKER_URL = new URL('./streaming-mask-worker.js', import.meta.url);

/**
 * Masks decided on a thread of their own: the mask model costs about as much as the separation
 * (at 1280 x 720, 5 s against 6 s for 250 frames on one thread), so the two halves run side by side.
 * The masks are those of StreamingForegroundMasks.push, the same bytes in the same order. Frames
 * travel in slots of shared memory, not as transferred arrays: a transfer's new backing store each
 * frame counts as external memory and brought garbage collections on the stream's thread.
 */
export class MaskThread implements StreamingMaskStage {
  /** Two frames queued keep the thread busy while the separation works on the next one. */
  readonly depth = MASK_THREAD_SLOTS - 1;
  private readonly worker: Worker;
  private readonly slots: ReturnType<typeof maskSlotViews>[];
  private readonly free: number[];
  private readonly waiting: {
    slot: number;
    resolve: (mask: StreamedMask) => void;
    reject: (error: Error) => void;
  }[] = [];
  private failure: Error | undefined;

  /** A mask thread, or undefined where its script is not there (sources run by a test runner). */
  static start(frame: FrameShape, script: URL = WORKER_URL): MaskThread | undefined {
    if (script.protocol !== 'file:' || !existsSync(fileURLToPath(script))) return undefined;
    return new MaskThread(frame, script);
  }

  private constructor(frame: FrameShape, script: URL) {
    const values = frame.width * frame.height * frame.channels;
    const pixels = frame.width * frame.height;
    const shared: MaskSlot[] = Array.from({ length: this.depth + 1 }, () => ({
      deviation: new SharedArrayBuffer(4 * values),
      noise: new SharedArrayBuffer(4 * values),
      mask: new SharedArrayBuffer(pixels),
    }));
    this.slots = shared.map(maskSlotViews);
    this.free = shared.map((_, i) => i).reverse();
    const setup: MaskThreadSetup = { frame, slots: shared };
    this.worker = new Worker(script, { workerData: setup });
    this.worker.on('message', (reply: MaskThreadReply) => this.receive(reply));
    this.worker.on('error', (error) => this.fail(new Error(`The mask thread failed: ${error.message}`)));
    this.worker.on('exit', () => this.fail(new Error('The mask thread ended before the stream did.')));
  }

  submit(
    separation: StreamingSeparation,
    separated: SeparatedFrame,
    original: MatrixData,
  ): Promise<StreamedMask> {
    if (this.failure) return Promise.reject(this.failure);
    const slot = this.free.pop();
    if (slot === undefined)
      throw new Error(`More than ${this.depth + 1} masks under way: release() each mask once written.`);
    const { deviation, noise } = this.slots[slot]!;
    foregroundDeviation(separation, separated, original, deviation);
    // The separator's levels change with its next push: the thread gets a copy of today's.
    const levels = separation.noiseLevel?.();
    if (levels) {
      if (levels.length !== noise.length)
        throw new InvalidInputError(
          `The separator's noise levels have ${levels.length} values; the frames have ${noise.length}.`,
        );
      noise.set(levels);
    }
    const request: MaskThreadRequest = { slot, withNoise: levels !== undefined };
    this.worker.postMessage(request);
    return new Promise((resolve, reject) => this.waiting.push({ slot, resolve, reject }));
  }

  release(mask: StreamedMask): void {
    const slot = this.slots.findIndex((views) => views.mask === mask.mask);
    if (slot >= 0 && !this.free.includes(slot)) this.free.push(slot);
  }

  close(): void {
    this.fail(new Error('The mask thread was closed.'));
    void this.worker.terminate();
  }

  private receive(reply: MaskThreadReply): void {
    const next = this.waiting.shift();
    if (!next) return;
    if (reply.error) {
      this.free.push(reply.slot);
      next.reject(new Error(reply.error));
    } else next.resolve({ mask: this.slots[reply.slot]!.mask, count: reply.count });
  }

  private fail(error: Error): void {
    this.failure ??= error;
    for (const waiter of this.waiting.splice(0)) waiter.reject(this.failure);
  }
}

/** The stream's mask stage: a thread of its own where one can start, else the stream's own thread. */
export function openMaskStage(frame: FrameShape, threaded = true): StreamingMaskStage {
  return (threaded ? MaskThread.start(frame) : undefined) ?? new InlineMaskStage(frame);
}
