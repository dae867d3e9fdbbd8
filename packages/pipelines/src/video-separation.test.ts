import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MemoryBudgetError } from './memory-budget.js';
import { defaultMethods } from './methods.js';
import { SEPARATION_FILES } from './separation-writer.js';
import { estimateSeparationBytes, separateVideo, VideoSeparation } from './video-separation.js';

const tiny = fileURLToPath(new URL('../../../samples/tiny-traffic-48x48.avi', import.meta.url));
const highway = fileURLToPath(new URL('../../../samples/highway-traffic-320x240-cut.avi', import.meta.url));
let dir = '';

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'lowrank-pipelines-video-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('separateVideo', () => {
  it('splits a video, writes the outputs atomically, and keeps what a viewer needs', async () => {
    const out = join(dir, 'tiny');
    const stages: string[] = [];
    const job = await separateVideo(
      tiny,
      { method: 'svd-background', masks: true, out, keepDisplay: true },
      { onStage: (s) => stages.push(s) },
    );
    if (!(job instanceof VideoSeparation)) throw new Error('a batch method gives a VideoSeparation');
    expect(stages).toEqual(['probe', 'allocate', 'decode', 'factorize', 'masks', 'write']);
    expect([job.frames, job.width, job.height, job.channels, job.rank]).toEqual([51, 48, 48, 1, 2]);
    // L + S is the video, to rounding.
    let worst = 0;
    for (let k = 0; k < job.video.data.length; k++)
      worst = Math.max(worst, Math.abs(job.video.data[k]! - job.lowRank.data[k]! - job.sparse.data[k]!));
    expect(worst).toBeLessThan(1e-12);
    expect(job.written?.files).toEqual([
      SEPARATION_FILES.background,
      SEPARATION_FILES.foreground,
      SEPARATION_FILES.mask,
      `${SEPARATION_FILES.masks}/`,
      SEPARATION_FILES.matrix,
      SEPARATION_FILES.summary,
    ]);
    expect(readdirSync(join(out, 'masks'))).toHaveLength(51);
    expect(JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8'))).toMatchObject({
      frames: 51,
      method: 'svd-background',
    });
    expect(job.display!.original.length).toBe(51 * 48 * 48);
    expect(readdirSync(dir)).toEqual(['tiny']);
  });

  it('refuses an existing output folder before decoding', async () => {
    const existing = join(dir, 'existing');
    mkdirSync(existing);
    const stages: string[] = [];
    await expect(
      separateVideo(tiny, { out: existing }, { onStage: (s) => stages.push(s) }),
    ).rejects.toMatchObject({
      code: 'OUTPUT_EXISTS',
    });
    expect(stages).toEqual([]);
  });

  it('refuses, before decoding, a run over the budget, saying which scale, frame count and streaming method fit', async () => {
    const { registry } = await defaultMethods();
    const rpca = registry.get('rpca');
    const budget = 300 * 2 ** 20;
    const error = await separateVideo(highway, {
      method: 'rpca',
      memoryBudgetBytes: budget,
      optionNames: { scale: '--scale', count: '--count' },
    }).catch((e) => e);
    expect(error).toBeInstanceOf(MemoryBudgetError);
    const { scale, frames, streamingMethod } = (error as MemoryBudgetError).fits;
    expect(scale).toBeGreaterThan(0);
    expect(frames).toBeGreaterThan(1);
    expect(error.message).toContain(`--scale ${scale}`);
    expect(error.message).toContain(`--count ${frames}`);
    // The stream holds a few frames, not the video: it fits too, and is named.
    expect(streamingMethod).toBe('streaming-rpca');
    expect(error.message).toContain('method streaming-rpca (any length, in constant memory)');
    // Followed literally, the advice fits: the estimate at that scale (or count) is inside the budget.
    const at = (s: number, f: number) =>
      estimateSeparationBytes(
        rpca as never,
        { frames: f, width: Math.round(320 * s), height: Math.round(240 * s), channels: 1 },
        {},
      );
    const total = (e: ReturnType<typeof at>) => e.runtime + e.input + e.working + e.outputs;
    expect(total(at(scale!, 150))).toBeLessThanOrEqual(budget);
    expect(total(at(1, frames!))).toBeLessThanOrEqual(budget);
    expect(total(at(1, frames! + 1))).toBeGreaterThan(budget);
  });

  it('refuses a rank for a method without one, and a still image, naming them', async () => {
    await expect(separateVideo(tiny, { method: 'rpca', rank: 2 })).rejects.toThrow(
      /method "rpca" has no rank option/,
    );
    const camera = fileURLToPath(new URL('../../../samples/camera.png', import.meta.url));
    await expect(separateVideo(camera, { out: join(dir, 'nothing') })).rejects.toThrow(
      /camera\.png: is a still image; background separation needs a video file or a folder of frames/,
    );
    expect(existsSync(join(dir, 'nothing'))).toBe(false);
  });
});
