import { StreamingForegroundMasks, streamingRpca } from '@lowrank/algorithms-rpca';
import { InvalidInputError, type SeparatedFrame, type StreamingSeparation } from '@lowrank/core';
import { describe, expect, it } from 'vitest';
import { estimateMaskThreadBytes, MaskThread, type StreamedMask } from './streaming-mask-thread.js';

// The built worker script: `pnpm test` builds the packages first.
const BUILT_WORKER = new URL('../dist/streaming-mask-worker.js', import.meta.url);
const WIDTH = 48;
const HEIGHT = 32;

/** A lit ramp with a bright 6 x 6 block crossing it, and a little deterministic texture. */
function frame(t: number): Float32Array {
  const out = new Float32Array(WIDTH * HEIGHT);
  for (let y = 0; y < HEIGHT; y++)
    for (let x = 0; x < WIDTH; x++) {
      const inBlock = x >= (2 * t) % WIDTH && x < ((2 * t) % WIDTH) + 6 && y >= 12 && y < 18;
      out[y * WIDTH + x] = inBlock ? 0.9 : 0.2 + (0.4 * x) / WIDTH + 0.01 * Math.sin(7 * x + 3 * y + t);
    }
  return out;
}

/** Runs a stream through streaming-rpca, handing each frame out to `each` as it comes. */
async function separate(
  frames: number,
  each: (
    separation: StreamingSeparation,
    separated: SeparatedFrame,
    original: Float32Array,
  ) => void | Promise<void>,
): Promise<void> {
  const separation = streamingRpca.open({ width: WIDTH, height: HEIGHT, channels: 1 }, {});
  const pushed: Float32Array[] = [];
  for (let t = 0; t < frames; t++) {
    pushed.push(frame(t));
    for (const out of await separation.push(pushed[t]!)) await each(separation, out, pushed[out.index]!);
  }
  for (const out of await separation.finish()) await each(separation, out, pushed[out.index]!);
}

describe('MaskThread', () => {
  it('gives the masks StreamingForegroundMasks.push gives on the stream thread, byte for byte, in order', async () => {
    const inline = new StreamingForegroundMasks({ width: WIDTH, height: HEIGHT, channels: 1 });
    const expected: Uint8Array[] = [];
    await separate(40, (separation, separated, original) => {
      expected.push(inline.push(separation, separated, original).slice());
    });

    const thread = MaskThread.start({ width: WIDTH, height: HEIGHT, channels: 1 }, BUILT_WORKER);
    expect(thread, `${BUILT_WORKER.pathname} is missing: build the package first`).toBeDefined();
    const got: Uint8Array[] = [];
    const counts: number[] = [];
    const waiting: Promise<StreamedMask>[] = [];
    const finishOldest = async () => {
      const streamed = await waiting.shift()!;
      got.push(streamed.mask.slice());
      counts.push(streamed.count);
      thread!.release(streamed);
    };
    try {
      // As the streaming pipeline does: up to `depth` frames under way while the next is separated.
      await separate(40, async (separation, separated, original) => {
        waiting.push(thread!.submit(separation, separated, original));
        while (waiting.length > thread!.depth) await finishOldest();
      });
      while (waiting.length > 0) await finishOldest();
    } finally {
      thread!.close();
    }
    expect(got).toEqual(expected);
    expect(counts).toEqual(expected.map((mask) => mask.filter((v) => v === 255).length));
    // The block is found, exactly: 36 pixels in every frame where it is wholly inside.
    const inside = counts.filter((_, t) => (2 * t) % WIDTH <= WIDTH - 6);
    expect(inside.length).toBe(38);
    expect(new Set(inside)).toEqual(new Set([36]));
  });

  it('refuses a frame of another size naming it, and fails what is under way when closed', async () => {
    const thread = MaskThread.start({ width: WIDTH, height: HEIGHT, channels: 1 }, BUILT_WORKER)!;
    try {
      const separation = streamingRpca.open({ width: WIDTH, height: HEIGHT, channels: 1 }, { initFrames: 0 });
      const [first] = await separation.push(frame(0));
      expect(() => thread.submit(separation, { ...first!, index: 7 }, new Float32Array(10))).toThrow(
        InvalidInputError,
      );
      expect(() => thread.submit(separation, { ...first!, index: 7 }, new Float32Array(10))).toThrow(
        /Frame 7 has 10 values/,
      );
      const pending = thread.submit(separation, first!, frame(0));
      thread.close();
      await expect(pending).rejects.toThrow(/closed/);
      await expect(thread.submit(separation, first!, frame(0))).rejects.toThrow(/closed/);
    } finally {
      thread.close();
    }
  });

  it('is not started where its script is missing (the stream then decides masks itself)', () => {
    const missing = new URL('./no-such-worker.js', BUILT_WORKER);
    expect(MaskThread.start({ width: 4, height: 4, channels: 1 }, missing)).toBeUndefined();
  });

  it('counts its runtime, three slots and two waiting frames in the memory estimate', () => {
    const gray = estimateMaskThreadBytes({ width: 100, height: 10, channels: 1 });
    const colour = estimateMaskThreadBytes({ width: 100, height: 10, channels: 3 });
    // Per extra value: deviation and noise in three slots (24 bytes), two waiting frames (12).
    expect(colour - gray).toBe(2 * 1000 * (3 * 8 + 2 * 6));
  });
});
