import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { AbortError, type MatrixData } from '@lowrank/core';
import { type AtomicOutputDir, encodePng, writeVideo } from '@lowrank/io';
import { FrameQueue } from './frame-queue.js';
import { MatrixPictureAccumulator } from './separation-pictures.js';

/** The files a separation writes into its folder (masks only when computed). */
export const SEPARATION_FILES = {
  background: 'background.mp4',
  foreground: 'foreground.mp4',
  mask: 'mask.mp4',
  masks: 'masks',
  matrix: 'matrix.png',
  summary: 'summary.json',
} as const;

export interface SeparationOutputShape {
  readonly width: number;
  readonly height: number;
  /** Values per pixel of background and foreground (1 gray, 3 RGB interleaved); masks are gray. */
  readonly channels: 1 | 3;
  readonly fps: number;
  /** Frames expected (the probe's count): where each frame's column of matrix.png goes. */
  readonly expectedFrames: number;
  readonly masks: boolean;
  /** Write the background, foreground and mask videos (default true; false: masks and summary only). */
  readonly videos?: boolean;
}

/** One frame's outputs: 8-bit pictures, and the original's values for the matrix picture. */
export interface SeparationFrameOutputs {
  readonly name: string;
  readonly original: MatrixData;
  readonly background: Uint8Array;
  readonly foreground: Uint8Array;
  readonly mask?: Uint8Array;
}

/** Frames each encoder's queue holds while ffmpeg catches up. */
const QUEUED_FRAMES = 4;
/** Written frames' arrays each encoder keeps for the next frames. */
const SPARE_FRAMES = 2;

/**
 * The arrays one encoder's frames are copied into, given back once the encoder has written them:
 * the same few arrays go round for the whole video. New arrays each frame would leave the garbage
 * collector a few hundred kilobytes a frame of dead arrays, which it frees only when tens of
 * megabytes have piled up (they outlive the young generation while they wait in the queues): the
 * peak memory then grew with the length of the video.
 */
class FramePool {
  readonly #free: Uint8Array[] = [];
  constructor(readonly length: number) {}

  copy(source: Uint8Array): Uint8Array {
    const target = this.#free.pop() ?? new Uint8Array(this.length);
    target.set(source);
    return target;
  }

  give(array: Uint8Array): void {
    if (array.length === this.length && this.#free.length < SPARE_FRAMES) this.#free.push(array);
  }
}

interface Encoder {
  readonly queue: FrameQueue<Uint8Array>;
  readonly pool: FramePool;
}

/**
 * Bytes a SeparationWriter holds at most: each encoder's queued frames, the one it is writing and
 * the one ffmpeg's pipe has yet to take, and its spare arrays (8-bit background and foreground,
 * the mask for the mask video and for its PNG), and the matrix picture (at most 480 bands x 1600
 * columns): its sums, and at the end its bytes and their PNG rows, 16 bytes a cell in all.
 */
export function separationWriterBytes(shape: { width: number; height: number; channels: number }): number {
  const pixels = shape.width * shape.height;
  const perFrame = 2 * pixels * shape.channels + 2 * pixels;
  return (QUEUED_FRAMES + 2 + SPARE_FRAMES) * perFrame + 2 * 8 * 480 * 1600;
}

/**
 * Writes a separation frame by frame into an atomic output folder: background, foreground and mask
 * videos encoded by ffmpeg as the frames arrive (bounded queues, so memory stays flat however long
 * the video), mask PNGs named after the frames, and at the end matrix.png and summary.json. Batch
 * and streaming separations both write through it, so their folders are alike.
 */
export class SeparationWriter {
  readonly #out: AtomicOutputDir;
  readonly #queues: FrameQueue<Uint8Array>[] = [];
  readonly #encoders: Promise<unknown>[] = [];
  readonly #maskNames: string[] = [];
  readonly #picture: MatrixPictureAccumulator;
  readonly #signal: AbortSignal | undefined;
  readonly #background: Encoder | undefined;
  readonly #foreground: Encoder | undefined;
  readonly #maskVideo: Encoder | undefined;
  readonly #maskFrames: Encoder | undefined;
  #frames = 0;

  constructor(out: AtomicOutputDir, shape: SeparationOutputShape, signal?: AbortSignal) {
    this.#out = out;
    this.#signal = signal;
    this.#picture = new MatrixPictureAccumulator(
      shape.expectedFrames,
      shape.width * shape.height * shape.channels,
    );
    const video = {
      width: shape.width,
      height: shape.height,
      fps: shape.fps,
      format: 'mp4' as const,
      speed: 'fast' as const,
    };
    const encode = (file: string, channels: 1 | 3, format: 'mp4' | 'png-sequence' = 'mp4'): Encoder => {
      const queue = new FrameQueue<Uint8Array>(QUEUED_FRAMES);
      const pool = new FramePool(shape.width * shape.height * channels);
      const done = writeVideo(queue, join(out.path, file), {
        ...video,
        channels,
        format,
        ...(format === 'png-sequence' ? { names: this.#maskNames } : {}),
        ...(signal ? { signal } : {}),
        onWritten: (frame) => pool.give(frame as Uint8Array),
      });
      // An encoder that fails stops the producer at its next push, with the encoder's error.
      done.catch((error: unknown) => queue.fail(error));
      this.#queues.push(queue);
      this.#encoders.push(done);
      return { queue, pool };
    };
    const videos = shape.videos ?? true;
    this.#background = videos ? encode(SEPARATION_FILES.background, shape.channels) : undefined;
    this.#foreground = videos ? encode(SEPARATION_FILES.foreground, shape.channels) : undefined;
    this.#maskVideo = shape.masks && videos ? encode(SEPARATION_FILES.mask, 1) : undefined;
    this.#maskFrames = shape.masks ? encode(SEPARATION_FILES.masks, 1, 'png-sequence') : undefined;
  }

  get frames(): number {
    return this.#frames;
  }

  /** Queues one frame (the arrays are copied: callers may reuse theirs). Waits while the encoders catch up. */
  async frame(parts: SeparationFrameOutputs): Promise<void> {
    if (this.#signal?.aborted) throw new AbortError();
    this.#picture.add(this.#frames, parts.original);
    this.#frames++;
    const pushes: Promise<void>[] = [];
    const send = (encoder: Encoder, frame: Uint8Array) =>
      pushes.push(encoder.queue.push(encoder.pool.copy(frame)));
    if (this.#background) send(this.#background, parts.background);
    if (this.#foreground) send(this.#foreground, parts.foreground);
    if (this.#maskFrames && parts.mask) {
      this.#maskNames.push(parts.name);
      if (this.#maskVideo) send(this.#maskVideo, parts.mask);
      send(this.#maskFrames, parts.mask);
    }
    await Promise.all(pushes);
  }

  /** Ends the videos, writes matrix.png and summary.json, and moves the folder into place. */
  async finish(summary: object): Promise<{ dir: string; files: string[] }> {
    for (const queue of this.#queues) queue.close();
    await Promise.all(this.#encoders);
    const files: string[] = [];
    if (this.#background && this.#foreground)
      files.push(SEPARATION_FILES.background, SEPARATION_FILES.foreground);
    if (this.#maskVideo) files.push(SEPARATION_FILES.mask);
    if (this.#maskFrames) files.push(`${SEPARATION_FILES.masks}/`);
    if (this.#signal?.aborted) throw new AbortError();
    // io's own PNG encoder, not an image library: loading one costs a short run more than this picture.
    const picture = this.#picture.pictureBytes();
    await writeFile(
      join(this.#out.path, SEPARATION_FILES.matrix),
      await encodePng(picture.pixels, picture.width, picture.height, 1),
    );
    files.push(SEPARATION_FILES.matrix, SEPARATION_FILES.summary);
    await writeFile(
      join(this.#out.path, SEPARATION_FILES.summary),
      `${JSON.stringify({ ...summary, files }, null, 2)}\n`,
    );
    return { dir: await this.#out.commit(), files };
  }

  /** Stops the encoders and removes everything written. */
  async abort(error: unknown = new AbortError()): Promise<void> {
    for (const queue of this.#queues) queue.fail(error);
    await Promise.allSettled(this.#encoders);
    await this.#out.abort();
  }
}
