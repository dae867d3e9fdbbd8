import { InvalidInputError, type StreamingSeparation } from '@lowrank/core';
import { describe, expect, it } from 'vitest';
import { StreamingForegroundMasks } from './streaming-foreground-masks.js';
import { openStreamingRpca } from './streaming-rpca.js';
import { plantedStream } from './test-streams.js';

/** A separation whose background is a fixed frame, with or without noise levels of its own. */
function fixedBackground(background: Float32Array, noise?: Float32Array): StreamingSeparation {
  return {
    push: () => [],
    finish: () => [],
    background: () => background,
    ...(noise ? { noiseLevel: () => noise } : {}),
    diagnostics: () => ({ frames: 0, rank: 1, stateBytes: 0, milliseconds: 0 }),
  };
}

describe('StreamingForegroundMasks', () => {
  it("finds streaming-rpca's planted movers frame by frame (precision and recall above 0.95 from frame 30)", () => {
    const stream = plantedStream(150);
    const { width, height } = stream;
    const separation = openStreamingRpca({ width, height, channels: 1 });
    const masks = new StreamingForegroundMasks({ width, height, channels: 1 });
    let tp = 0;
    let fp = 0;
    let fn = 0;
    const take = (outs: ReturnType<typeof separation.push>) => {
      for (const out of outs) {
        const frame = Float32Array.from(stream.frames[out.index]!);
        const mask = masks.push(separation, out, frame);
        if (out.index < 30) continue;
        const truth = stream.movers[out.index]!;
        for (let p = 0; p < mask.length; p++) {
          if (mask[p] && truth[p]) tp++;
          else if (mask[p]) fp++;
          else if (truth[p]) fn++;
        }
      }
    };
    for (const frame of stream.frames) take(separation.push(frame));
    take(separation.finish());
    expect(masks.model.frames).toBe(150);
    expect(tp / (tp + fp)).toBeGreaterThan(0.95);
    expect(tp / (tp + fn)).toBeGreaterThan(0.95);
  });

  it("takes the separator's noise levels from the first frame: a patch it calls noisy is not foreground", () => {
    const width = 24;
    const height = 16;
    const background = new Float32Array(width * height).fill(0.5);
    const frame = background.slice();
    for (let y = 2; y < 8; y++) for (let x = 2; x < 8; x++) frame[y * width + x] = 0.7; // noisy patch
    for (let y = 2; y < 8; y++) for (let x = 14; x < 20; x++) frame[y * width + x] = 0.7; // an object
    const noise = new Float32Array(width * height).fill(0.005);
    for (let y = 2; y < 8; y++) for (let x = 2; x < 8; x++) noise[y * width + x] = 0.1;
    const shape = { width, height, channels: 1 };
    const separated = { index: 0, lowRank: background, sparse: frame };
    const count = (mask: Uint8Array, x0: number) => {
      let on = 0;
      for (let y = 2; y < 8; y++) for (let x = x0; x < x0 + 6; x++) on += mask[y * width + x] ? 1 : 0;
      return on;
    };
    const seeded = new StreamingForegroundMasks(shape).push(
      fixedBackground(background, noise),
      separated,
      frame,
    );
    expect([count(seeded, 2), count(seeded, 14)]).toEqual([0, 36]);
    const unseeded = new StreamingForegroundMasks(shape).push(fixedBackground(background), separated, frame);
    expect([count(unseeded, 2), count(unseeded, 14)]).toEqual([36, 36]);
  });

  it('refuses a frame of another size and frames of 2 channels', () => {
    const masks = new StreamingForegroundMasks({ width: 4, height: 4, channels: 1 });
    const background = new Float32Array(16);
    const frame = { index: 3, lowRank: background, sparse: background };
    expect(() => masks.push(fixedBackground(background), frame, new Float32Array(15))).toThrow(/Frame 3/);
    expect(() => new StreamingForegroundMasks({ width: 4, height: 4, channels: 2 })).toThrow(
      InvalidInputError,
    );
  });
});
