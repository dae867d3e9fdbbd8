import { InvalidInputError, InvalidOptionError } from '@lowrank/core';
import { assertStreamingConformance, conformanceVideo } from '@lowrank/core/testing';
import { describe, expect, it } from 'vitest';
import {
  estimateStreamingRpcaBytes,
  openStreamingRpca,
  type StreamingRpcaSeparation,
  streamingFactorizers,
  streamingRpca,
} from './index.js';
import { plantedStream } from './test-streams.js';

const video = conformanceVideo();

/** Every frame out of a stream, copied. */
function pushAll(separation: StreamingRpcaSeparation, frames: readonly (Float64Array | Float32Array)[]) {
  const out: { index: number; lowRank: Float32Array; sparse: Float32Array }[] = [];
  const keep = (s: { index: number; lowRank: Float32Array; sparse: Float32Array }) =>
    out.push({ index: s.index, lowRank: Float32Array.from(s.lowRank), sparse: Float32Array.from(s.sparse) });
  for (const f of frames) separation.push(f).forEach(keep);
  separation.finish().forEach(keep);
  return out;
}

describe('streaming-rpca plugin', () => {
  it('passes the streaming conformance kit, with and without the batch initialization', async () => {
    const report = await assertStreamingConformance(streamingRpca);
    expect(report.results.every((r) => r.status === 'passed')).toBe(true);
    await assertStreamingConformance(streamingRpca, { options: { initFrames: 0 } });
    await assertStreamingConformance(streamingRpca, { options: { initFrames: 5, rank: 1 } });
    expect(streamingFactorizers).toEqual([streamingRpca]);
  });

  it('holds the first initFrames frames back, then returns them in order; finish() returns a short stream', () => {
    const separation = openStreamingRpca(video.frame, { initFrames: 6 });
    for (let i = 0; i < 5; i++) expect(separation.push(video.frames[i]!)).toEqual([]);
    const first = separation.push(video.frames[5]!);
    expect(first.map((f) => f.index)).toEqual([0, 1, 2, 3, 4, 5]);
    // Each held frame came out in arrays of its own.
    expect(new Set(first.map((f) => f.sparse)).size).toBe(6);
    expect(separation.push(video.frames[6]!).map((f) => f.index)).toEqual([6]);
    expect(separation.finish()).toEqual([]);

    const short = openStreamingRpca(video.frame, { initFrames: 20 });
    for (let i = 0; i < 3; i++) expect(short.push(video.frames[i]!)).toEqual([]);
    expect(short.finish().map((f) => f.index)).toEqual([0, 1, 2]);
    // A stream with no frames gives none.
    expect(openStreamingRpca(video.frame).finish()).toEqual([]);
  });

  it('refuses a frame of the wrong size, or with NaN, naming its index, and goes on after it', () => {
    const separation = openStreamingRpca(video.frame, { initFrames: 0 });
    separation.push(video.frames[0]!);
    separation.push(video.frames[1]!);
    expect(() => separation.push(new Float64Array(7))).toThrow(InvalidInputError);
    expect(() => separation.push(new Float64Array(7))).toThrow(
      /frame 2 has 7 values; this separation was opened for 192/,
    );
    const corrupt = Float64Array.from(video.frames[2]!);
    corrupt[40] = Number.NaN;
    expect(() => separation.push(corrupt)).toThrow(/frame 2 has a value that is not a finite number/);
    // The refused frames changed nothing: the stream goes on with frame 2.
    expect(separation.push(video.frames[2]!).map((f) => f.index)).toEqual([2]);
    expect(() => openStreamingRpca({ width: 0, height: 4, channels: 1 })).toThrow(InvalidInputError);
  });

  it('refuses bad options by name', () => {
    expect(() => openStreamingRpca(video.frame, { halfLife: 0 })).toThrow(InvalidOptionError);
    expect(() => openStreamingRpca(video.frame, { rank: 2.5 })).toThrow(/rank/);
    expect(() => openStreamingRpca(video.frame, { threshold: -1 })).toThrow(/threshold/);
    expect(() => openStreamingRpca(video.frame, { initFrames: -1 })).toThrow(/initFrames/);
  });

  it('repeats a seeded run to the bit; another seed samples other values but separates alike', () => {
    const stream = plantedStream(60, 2);
    const frame = { width: stream.width, height: stream.height, channels: 1 };
    const a = pushAll(openStreamingRpca(frame, { seed: 3, samplePixels: 500 }), stream.frames);
    const b = pushAll(openStreamingRpca(frame, { seed: 3, samplePixels: 500 }), stream.frames);
    const c = pushAll(openStreamingRpca(frame, { seed: 4, samplePixels: 500 }), stream.frames);
    expect(b).toEqual(a);
    let differ = 0;
    let supportDiffers = 0;
    for (let f = 0; f < a.length; f++)
      for (let k = 0; k < a[f]!.sparse.length; k++) {
        if (a[f]!.lowRank[k] !== c[f]!.lowRank[k]) differ++;
        if ((a[f]!.sparse[k] !== 0) !== (c[f]!.sparse[k] !== 0)) supportDiffers++;
      }
    expect(differ).toBeGreaterThan(0);
    expect(supportDiffers / (60 * 3072)).toBeLessThan(0.005);
  });

  it('reads float32 frames in place without writing to them, with the same result as float64 ones', () => {
    const stream = plantedStream(40, 3);
    const frame = { width: stream.width, height: stream.height, channels: 1 };
    const singles = stream.frames.map((f) => Float32Array.from(f));
    // The same values in float64 (each exactly a float32).
    const doubles = singles.map((f) => Float64Array.from(f));
    const copies = singles.map((f) => Float32Array.from(f));
    const fromSingles = pushAll(openStreamingRpca(frame), singles);
    expect(singles).toEqual(copies);
    expect(fromSingles).toEqual(pushAll(openStreamingRpca(frame), doubles));
    const nan = Float32Array.from(singles[0]!);
    nan[5] = Number.NaN;
    const separation = openStreamingRpca(frame, { initFrames: 0 });
    separation.push(singles[0]!);
    expect(() => separation.push(nan)).toThrow(/frame 1 has a value that is not a finite number/);
  });

  it('separates colour frames value by value', () => {
    const width = 16;
    const height = 12;
    const frames: Float64Array[] = [];
    for (let t = 0; t < 40; t++) {
      const frame = new Float64Array(width * height * 3);
      for (let p = 0; p < width * height; p++) {
        frame[3 * p] = 0.2;
        frame[3 * p + 1] = 0.5;
        frame[3 * p + 2] = 0.7;
      }
      // A red block moving right.
      const left = t % (width - 3);
      for (let y = 4; y < 7; y++)
        for (let x = left; x < left + 3; x++) {
          frame[3 * (y * width + x)] = 0.95;
          frame[3 * (y * width + x) + 1] = 0.05;
          frame[3 * (y * width + x) + 2] = 0.05;
        }
      frames.push(frame);
    }
    const out = pushAll(openStreamingRpca({ width, height, channels: 3 }), frames);
    const last = out[39]!;
    const left = 39 % (width - 3);
    const inBlock = (p: number) => {
      const x = p % width;
      const y = Math.floor(p / width);
      return y >= 4 && y < 7 && x >= left && x < left + 3;
    };
    for (let p = 0; p < width * height; p++) {
      // The block is foreground in all three channels, with the background colour underneath.
      if (inBlock(p)) {
        expect(Math.abs(last.sparse[3 * p]! - 0.75)).toBeLessThan(0.05);
        expect(Math.abs(last.lowRank[3 * p + 2]! - 0.7)).toBeLessThan(0.05);
      } else {
        expect(last.sparse[3 * p]).toBe(0);
      }
    }
  });

  it('states its memory: the estimate covers the state, which does not grow with the frame count', () => {
    const frame = { width: 320, height: 240, channels: 1 };
    const estimate = estimateStreamingRpcaBytes(frame);
    // Basis (rank 3), noise levels, residual, two output frames, background, noise level: 9 frames
    // of float32, plus 20 held frames and their sparse parts at the start.
    expect(estimate).toBeGreaterThan(9 * 76800 * 4 + 40 * 76800 * 4);
    expect(estimate).toBeLessThan(9 * 76800 * 4 + 40 * 76800 * 4 + 200_000);
    expect(streamingRpca.estimateWorkingBytes!(frame, { initFrames: 0 })).toBeLessThan(4e6);
    const separation = openStreamingRpca(video.frame);
    for (let i = 0; i < 100; i++) separation.push(video.frames[i % video.frames.length]!);
    const d = separation.diagnostics();
    expect(d.frames).toBe(100);
    expect(d.rank).toBe(3);
    expect(d.stateBytes).toBeLessThanOrEqual(streamingRpca.estimateWorkingBytes!(video.frame));
    expect(d.milliseconds).toBeGreaterThan(0);
  });
});
