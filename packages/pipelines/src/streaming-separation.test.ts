import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  type AnyStreamingFactorizer,
  defineStreamingFactorizer,
  FactorizerRegistry,
  InvalidInputError,
  throwIfAborted,
  validateOptions,
} from '@lowrank/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { builtInFactorizers } from './methods.js';
import { StreamedSeparation } from './streaming-separation.js';
import { separateVideo } from './video-separation.js';

const tiny = fileURLToPath(new URL('../../../samples/tiny-traffic-48x48.avi', import.meta.url));
let dir = '';

/** A minimal streaming separator: the background is a running mean, held back one frame to start. */
const runningMean: AnyStreamingFactorizer = defineStreamingFactorizer<{ rate: number }>({
  meta: {
    name: 'running-mean',
    version: '1.0.0',
    apiVersion: 1,
    displayName: 'Running mean',
    description: 'test',
  },
  kind: 'streaming',
  options: {
    rate: { type: 'number', default: 0.2, min: 0, max: 1, description: 'weight of the newest frame' },
  },
  estimateWorkingBytes: (frame) => 8 * 8 * frame.width * frame.height * frame.channels,
  open(frame, options, run) {
    const { rate } = validateOptions(
      { rate: { type: 'number', default: 0.2, min: 0, max: 1, description: 'w' } },
      options,
    );
    const values = frame.width * frame.height * frame.channels;
    const background = new Float64Array(values);
    let first: Float64Array | undefined;
    let pushed = 0;
    let emitted = 0;
    const separate = (m: ArrayLike<number>) => {
      const lowRank = new Float64Array(values);
      const sparse = new Float64Array(values);
      for (let k = 0; k < values; k++) {
        background[k] = (1 - rate) * background[k]! + rate * m[k]!;
        lowRank[k] = background[k]!;
        sparse[k] = m[k]! - lowRank[k]!;
      }
      return { index: emitted++, lowRank, sparse };
    };
    return {
      push(input) {
        throwIfAborted(run?.signal);
        if (input.length !== values)
          throw new InvalidInputError(`frame ${pushed} has ${input.length} values.`);
        pushed++;
        if (!first) {
          first = Float64Array.from(input);
          background.set(first);
          return [];
        }
        const held = first.length ? [separate(first)] : [];
        first = new Float64Array(0);
        return [...held, separate(input)];
      },
      finish: () => (first?.length ? [separate(first)] : []),
      background: () => background,
      diagnostics: () => ({ frames: emitted, rank: 1, stateBytes: 2 * values * 8, milliseconds: 0 }),
    };
  },
});

function registry(): FactorizerRegistry {
  const r = new FactorizerRegistry();
  for (const plugin of [...builtInFactorizers(), runningMean]) r.register(plugin);
  return r;
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'lowrank-streaming-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('separateVideo with a streaming method', () => {
  it('streams every frame through and writes the same folder a batch run writes', async () => {
    const out = join(dir, 'streamed');
    const stages: string[] = [];
    const job = await separateVideo(
      tiny,
      { method: 'running-mean', methods: registry(), masks: true, out, keepDisplay: true },
      { onStage: (s) => stages.push(s) },
    );
    expect(job).toBeInstanceOf(StreamedSeparation);
    expect(stages).toEqual(['probe', 'separate']);
    const summary = job.summary();
    expect(summary).toMatchObject({ frames: 51, width: 48, height: 48, method: 'running-mean', rank: 1 });
    expect(summary.streaming?.framesPerSecond).toBeGreaterThan(0);
    expect(readdirSync(out).sort()).toEqual([
      'background.mp4',
      'foreground.mp4',
      'mask.mp4',
      'masks',
      'matrix.png',
      'summary.json',
    ]);
    expect(readdirSync(join(out, 'masks'))).toHaveLength(51);
    expect(JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8'))).toMatchObject({ frames: 51 });
    // The plate is the background after the last frame; the kept frames serve a viewer and an export.
    expect((job as StreamedSeparation).backgroundPlate).toHaveLength(48 * 48);
    expect(job.display!.background).toHaveLength(51 * 48 * 48);
    const again = join(dir, 'exported');
    await (job as StreamedSeparation).writeOutputs(again);
    expect(readdirSync(again).sort()).toEqual(readdirSync(out).sort());
  });

  it('streams instead of refusing when the batch default would not fit and a streaming method exists', async () => {
    // 150 frames of 320 x 240: robust PCA would hold ~0.7 GB, the stream ~0.15 GB.
    const highway = fileURLToPath(
      new URL('../../../samples/highway-traffic-320x240-cut.avi', import.meta.url),
    );
    const notes: string[] = [];
    const job = await separateVideo(
      highway,
      { methods: registry(), memoryBudgetBytes: 200 * 2 ** 20 },
      { onNote: (n) => notes.push(n) },
    );
    expect(job).toBeInstanceOf(StreamedSeparation);
    expect(notes[0]).toMatch(
      /would not fit the memory budget with rpca; separating them as a stream with running-mean/,
    );
    // Named explicitly, the batch method is refused rather than swapped.
    await expect(
      separateVideo(highway, { method: 'rpca', methods: registry(), memoryBudgetBytes: 200 * 2 ** 20 }),
    ).rejects.toMatchObject({ code: 'RESOURCE_LIMIT' });
  });

  it('stops early and keeps the frames done when asked (keepPartial), and removes everything otherwise', async () => {
    const controller = new AbortController();
    let seen = 0;
    const job = await separateVideo(
      tiny,
      { method: 'running-mean', methods: registry(), keepPartial: true, keepDisplay: true },
      {
        signal: controller.signal,
        onProgress: () => {
          if (++seen === 10) controller.abort(new Error('stop'));
        },
      },
    );
    expect(job.frames).toBeGreaterThanOrEqual(10);
    expect(job.frames).toBeLessThan(51);
    expect(job.summary().streaming?.stoppedEarly).toBe(true);
    const cancelled = new AbortController();
    const out = join(dir, 'cancelled');
    let count = 0;
    await expect(
      separateVideo(
        tiny,
        { method: 'running-mean', methods: registry(), masks: true, out },
        { signal: cancelled.signal, onProgress: () => ++count === 10 && cancelled.abort(new Error('stop')) },
      ),
    ).rejects.toMatchObject({ name: 'AbortError' });
    expect(readdirSync(dir).filter((f) => f.startsWith('cancelled'))).toEqual([]);
  });
});
