import {
  type AnyBatchFactorizer,
  type AnyStreamingFactorizer,
  defineFactorizer,
  defineStreamingFactorizer,
  type Factorization,
} from '@lowrank/core';
import { describe, expect, it } from 'vitest';
import { estimateCompressionBytes } from './image-compression.js';
import { RUNTIME_BASELINE_BYTES, STREAM_GARBAGE_BYTES, totalBytes } from './memory-budget.js';
import { separationWriterBytes } from './separation-writer.js';
import { estimateMaskThreadBytes, MASK_THREAD_RUNTIME_BYTES } from './streaming-mask-thread.js';
import { estimateStreamingBytes } from './streaming-separation.js';
import { estimateSeparationBytes } from './video-separation.js';

// The whole run's estimate from a method's stated working bytes, part by part, for shapes small
// enough to count by hand. (Peak RSS against these is measured by the memory bench.)

const meta = { version: '1.0.0', apiVersion: 1 as const, displayName: 'stub', description: 'test' };
const notRun = () => Promise.reject(new Error('not run'));

function batchStub(kind: 'low-rank' | 'low-rank-plus-sparse', working: number): AnyBatchFactorizer {
  // Typed results: notRun alone would infer a factorization of type never.
  return defineFactorizer<Record<string, never>, Factorization>({
    meta: { name: `stub-${kind}`, ...meta },
    kind,
    options: {},
    factorize: notRun,
    estimateWorkingBytes: () => working,
  }) as AnyBatchFactorizer;
}

const streamingStub: AnyStreamingFactorizer = defineStreamingFactorizer({
  meta: { name: 'stub-streaming', ...meta },
  kind: 'streaming',
  options: {},
  open: () => {
    throw new Error('not opened');
  },
  estimateWorkingBytes: () => 4000,
});

/** The mask model of a 16 x 8 frame (foreground-mask-model.ts): 58 bytes a pixel and its tables. */
const MASK_MODEL_16X8 = 58 * 128 + 4 * 2 ** 15 + 4096;
/** The matrix picture at its largest (480 bands x 1600 columns), 16 bytes a cell. */
const MATRIX_PICTURE = 2 * 8 * 480 * 1600;

describe('the memory estimates of whole runs', () => {
  it('the writer: eight frames per encoder (four queued, one written, one in the pipe, two spare) and the matrix picture', () => {
    // Gray 16 x 8: background, foreground, mask for the video and for its PNG, 128 bytes each.
    expect(separationWriterBytes({ width: 16, height: 8, channels: 1 })).toBe(8 * 4 * 128 + MATRIX_PICTURE);
    // Colour: background and foreground three bytes a pixel, masks one.
    expect(separationWriterBytes({ width: 16, height: 8, channels: 3 })).toBe(8 * 8 * 128 + MATRIX_PICTURE);
  });

  it('a batch separation: the decoded video once, the method, masks and writer; a low-rank method also L and S', () => {
    const plan = { frames: 10, width: 16, height: 8, channels: 1 };
    const values = 10 * 128;
    const writer = 8 * 4 * 128 + MATRIX_PICTURE;
    const split = estimateSeparationBytes(batchStub('low-rank-plus-sparse', 1000), plan, {});
    expect(split).toEqual({
      runtime: RUNTIME_BASELINE_BYTES,
      input: 8 * values,
      working: 1000,
      outputs: values + MASK_MODEL_16X8 + writer,
    });
    // L = reconstruct() and S = M - L, and the product's block of L (here all 10 rows).
    const lowRank = estimateSeparationBytes(batchStub('low-rank', 1000), plan, {});
    expect(lowRank.outputs - split.outputs).toBe(2 * 8 * values + 8 * 10 * 128);
    // A luminance split of a colour video writes a gray copy of the original; kept display frames
    // are four bytes a value.
    const colour = { ...plan, channels: 3 };
    const channels = estimateSeparationBytes(batchStub('low-rank-plus-sparse', 0), colour, {});
    const luminance = estimateSeparationBytes(batchStub('low-rank-plus-sparse', 0), colour, {
      colorMode: 'luminance',
    });
    expect(luminance.outputs - channels.outputs).toBe(8 * 10 * 128);
    const shown = estimateSeparationBytes(batchStub('low-rank-plus-sparse', 0), colour, {}, true);
    expect(shown.outputs - channels.outputs).toBe(4 * 3 * values);
    expect(channels.input).toBe(8 * 3 * values);
  });

  it('a stream: the method, held originals (a quarter of its bytes), the frame in flight and out, the mask thread, garbage', () => {
    // 16 x 8 colour: 384 values, 128 pixels; the method states 4000 bytes.
    const estimate = estimateStreamingBytes(
      streamingStub,
      { frames: 1e6, width: 16, height: 8, channels: 3 },
      {},
    );
    // The mask thread: its runtime, three slots (deviation, noise levels, mask) and two frames
    // waiting for their masks (8-bit pictures, float original).
    const maskThread = MASK_THREAD_RUNTIME_BYTES + 3 * (8 * 384 + 128) + 2 * (2 * 384 + 4 * 384);
    expect(estimateMaskThreadBytes({ width: 16, height: 8, channels: 3 })).toBe(maskThread);
    const outputFrame = 2 * 384 + 128 + 4 * 384 + (MASK_MODEL_16X8 + 4 * 384) + maskThread;
    const writer = 8 * (2 * 384 + 2 * 128) + MATRIX_PICTURE;
    const garbage = STREAM_GARBAGE_BYTES + 7 * 384 + 2 * 128;
    expect(estimate).toEqual({
      runtime: RUNTIME_BASELINE_BYTES,
      input: 5 * 384 + 1000,
      working: 4000,
      outputs: outputFrame + writer + garbage,
    });
    // However long the stream: the frame count only matters for kept display frames.
    const short = estimateStreamingBytes(
      streamingStub,
      { frames: 10, width: 16, height: 8, channels: 3 },
      {},
    );
    expect(totalBytes(short)).toBe(totalBytes(estimate));
  });

  it('a compression: one channel works at a time beside the results of the channels before it', () => {
    const method = batchStub('low-rank', 5000);
    const size = { width: 30, height: 20 };
    const gray = estimateCompressionBytes(method, { ...size, channels: 1 }, { rank: 5 });
    expect(gray).toEqual({
      runtime: RUNTIME_BASELINE_BYTES,
      // The float64 plane, and the decoder's 8-bit colour pixels and its gray output.
      input: 600 * 8 + 600 * 4,
      working: 5000,
      // A method that is not an SVD: a reconstruction and its clamped copy.
      outputs: 2 * 600 * 8,
    });
    const colour = estimateCompressionBytes(method, { ...size, channels: 3 }, { rank: 5 });
    // Two earlier results of rank 5: (30 + 20 + 1) x 5 numbers each.
    expect(colour.working).toBe(5000 + 2 * 8 * 51 * 5);
    expect(colour.input).toBe(3 * 600 * 8 + 600 * 6);
    // Without a numeric rank, every triplet: min(width, height) = 20.
    const full = estimateCompressionBytes(method, { ...size, channels: 3 });
    expect(full.working).toBe(5000 + 2 * 8 * 51 * 20);
    // float32 planes (the big-image path) are half the size.
    const float32 = estimateCompressionBytes(method, { ...size, channels: 1, dtype: 'float32' }, { rank: 5 });
    expect(float32.input).toBe(600 * 4 + 600 * 4);
    // Decoded through a spool file: the decoder's buffers and slices, a byte a pixel.
    const spooled = estimateCompressionBytes(
      method,
      { ...size, channels: 1, dtype: 'float32', spooled: true },
      { rank: 5 },
    );
    expect(spooled.input).toBe(600 * 4 + 600);
  });
});
