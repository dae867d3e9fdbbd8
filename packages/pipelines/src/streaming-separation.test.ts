import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  type AnyStreamingFactorizer,
  createRng,
  defineStreamingFactorizer,
  FactorizerRegistry,
  InvalidInputError,
  throwIfAborted,
  validateOptions,
} from '@lowrank/core';
import { writeImage } from '@lowrank/io';
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
      /would not fit the memory budget with rpca; separating them as a stream with streaming-rpca/,
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

  it('keeps one mask model for the whole stream: a flickering patch is learned as noise, a car is still found', async () => {
    // 60 frames of 48 x 48: a still gray scene, a 16 x 16 patch of leaves flickering by up to 0.2
    // at random in every frame, and a car (8 x 8, brighter by 0.3) driving across the bottom.
    const W = 48;
    const frames = join(dir, 'flicker');
    mkdirSync(frames);
    const rng = createRng(3);
    const cars: [number, number][] = [];
    for (let f = 0; f < 60; f++) {
      const data = new Float64Array(W * W).fill(0.5);
      for (let y = 4; y < 20; y++)
        for (let x = 4; x < 20; x++) data[y * W + x] = 0.5 + 0.2 * (2 * rng.next() - 1);
      const x0 = (2 * f) % 40;
      for (let y = 30; y < 38; y++) for (let x = x0; x < x0 + 8; x++) data[y * W + x] = 0.8;
      cars.push([x0, 30]);
      await writeImage({ rows: W, cols: W, data }, join(frames, `in${String(f).padStart(4, '0')}.png`));
    }
    const job = await separateVideo(frames, {
      method: 'running-mean',
      methods: registry(),
      methodOptions: { rate: 0.05 },
      masks: true,
      keepDisplay: true,
    });
    const masks = job.display!.mask!;
    const inPatch = (f: number) => {
      let on = 0;
      for (let y = 4; y < 20; y++) for (let x = 4; x < 20; x++) on += masks[f * W * W + y * W + x] ? 1 : 0;
      return on;
    };
    const carFound = (f: number) => {
      const [x0, y0] = cars[f]!;
      let on = 0;
      for (let y = y0; y < y0 + 8; y++)
        for (let x = x0; x < x0 + 8; x++) on += masks[f * W * W + y * W + x] ? 1 : 0;
      return on;
    };
    // At first the leaves are foreground (as a model that starts afresh on every frame would keep
    // calling them); once their noise level is learned they are background, while the car is found.
    expect(inPatch(0) + inPatch(1) + inPatch(2)).toBeGreaterThan(50);
    for (let f = 20; f < 60; f++) {
      expect({ f, leaves: inPatch(f) }).toEqual({ f, leaves: 0 });
      expect(carFound(f)).toBeGreaterThanOrEqual(56);
    }
  });
});
