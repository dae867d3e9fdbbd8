import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import {
  AbortError,
  InvalidInputError,
  matrixFrom,
  OutputExistsError,
  psnr,
  type VideoMatrix,
  videoMatrixFrom,
} from '@lowrank/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ffmpegCapabilities, findFfmpeg } from './ffmpeg-discovery.js';
import { probeVideo } from './probe-video.js';
import { readImage } from './read-image.js';
import { readVideoMatrix } from './read-video-matrix.js';
import { listing, sample, tempDir } from './test-helpers.js';
import { writeVideo } from './write-video.js';

const tmp = tempDir();
afterAll(tmp.cleanup);
let tiny: VideoMatrix;
beforeAll(async () => {
  tiny = (await readVideoMatrix(sample('tiny-traffic-48x48.avi'), { count: 12 })).matrix;
});

describe('writeVideo', () => {
  it('MP4: H.264 when the ffmpeg has libx264, yuv420p, read back close to the input', async () => {
    const out = path.join(tmp.dir, 'tiny.mp4');
    const progress: number[] = [];
    const written = await writeVideo(tiny, out, { onProgress: (p) => progress.push(p.frames) });
    const caps = await ffmpegCapabilities((await findFfmpeg()).path);
    expect(written.codec).toBe(caps.encoders.has('libx264') ? 'libx264' : 'mpeg4');
    expect(progress.at(-1)).toBe(12);
    const info = await probeVideo(out);
    expect(info).toMatchObject({ width: 48, height: 48, frames: 12, fps: 15, pixelFormat: 'yuv420p' });
    const back = (await readVideoMatrix(out)).matrix;
    expect(back.rows).toBe(12);
    // Lossy but faithful at crf 18: well above 35 dB on this clip.
    expect(psnr(tiny, back)).toBeGreaterThan(35);
  });

  it('hands each frame back once it is written (MP4 and PNG sequence), so that its array can be reused', async () => {
    const frames = Array.from({ length: 6 }, (_, f) =>
      Uint8Array.from({ length: 16 * 8 }, (_, k) => ((k + f * 7) % 2) * 255),
    );
    for (const target of ['handed-back.mp4', 'handed-back']) {
      const handedBack: [Uint8Array, number][] = [];
      await writeVideo(frames, path.join(tmp.dir, target), {
        width: 16,
        height: 8,
        onWritten: (frame, index) => handedBack.push([frame as Uint8Array, index]),
      });
      expect(handedBack.map(([, index]) => index)).toEqual([0, 1, 2, 3, 4, 5]);
      expect(handedBack.every(([frame, index]) => frame === frames[index])).toBe(true);
    }
  });

  it('MPEG-4 on request; odd sizes padded to even', async () => {
    const odd = (
      await readVideoMatrix(sample('tiny-traffic-48x48.avi'), {
        size: { width: 47, height: 33 },
        count: 4,
      })
    ).matrix;
    const out = path.join(tmp.dir, 'odd.mp4');
    const written = await writeVideo(odd, out, { codec: 'mpeg4', fps: 10 });
    expect(written.codec).toBe('mpeg4');
    const info = await probeVideo(out);
    expect(info).toMatchObject({ width: 48, height: 34, frames: 4, codec: 'mpeg4', fps: 10 });
  });

  it('animated GIF', async () => {
    const out = path.join(tmp.dir, 'tiny.gif');
    await writeVideo(tiny, out, { fps: 10 });
    const info = await probeVideo(out, { count: 'decode' });
    expect(info).toMatchObject({ codec: 'gif', width: 48, height: 48, frames: 12 });
    // A gray clip keeps its gray levels through a 256-colour palette closely.
    const back = (await readVideoMatrix(out)).matrix;
    expect(psnr(tiny, back)).toBeGreaterThan(30);
  });

  it('PNG sequence named after the inputs, lossless', async () => {
    const out = path.join(tmp.dir, 'masks');
    const names = Array.from({ length: 12 }, (_, i) => `gt${String(i).padStart(6, '0')}`);
    const written = await writeVideo(tiny, out, { names });
    expect(written).toMatchObject({ format: 'png-sequence', frames: 12 });
    expect(listing(out)).toEqual(names.map((n) => `${n}.png`));
    const third = await readImage(path.join(out, `${names[2]}.png`));
    expect(Array.from(third.matrix.data)).toEqual(Array.from(tiny.data.subarray(2 * 2304, 3 * 2304)));
  });

  it('RGB video matrices are written as colour', async () => {
    const rgb = (await readVideoMatrix(sample('tiny-traffic-48x48.avi'), { mode: 'rgb', count: 3 })).matrix;
    const out = path.join(tmp.dir, 'rgb.mp4');
    await writeVideo(rgb, out);
    const back = (await readVideoMatrix(out, { mode: 'rgb' })).matrix;
    expect([back.rows, back.channels]).toEqual([3, 3]);
    expect(psnr(rgb, back)).toBeGreaterThan(30);
  });

  it('accepts an async iterable of frame matrices', async () => {
    async function* frames() {
      for (let f = 0; f < 3; f++) yield matrixFrom(16, 16, new Float64Array(256).fill(f / 2));
    }
    const out = path.join(tmp.dir, 'gen.mp4');
    const written = await writeVideo(frames(), out, { fps: 5 });
    expect(written.frames).toBe(3);
    expect((await probeVideo(out)).frames).toBe(3);
  });

  it('refuses to overwrite and never replaces its input', async () => {
    const out = path.join(tmp.dir, 'exists.mp4');
    writeFileSync(out, 'x');
    await expect(writeVideo(tiny, out)).rejects.toBeInstanceOf(OutputExistsError);
    await expect(writeVideo(tiny, out, { overwrite: true, protect: [out] })).rejects.toThrow(/is the input/);
  });

  it('an abort mid-write kills ffmpeg and leaves nothing behind', async () => {
    const dir = path.join(tmp.dir, 'abort');
    mkdirSync(dir);
    const controller = new AbortController();
    const big = videoMatrixFrom(new Float64Array(200 * 64 * 64).fill(0.5), {
      frames: 200,
      width: 64,
      height: 64,
      fps: 25,
    });
    const pending = writeVideo(big, path.join(dir, 'x.mp4'), {
      signal: controller.signal,
      onProgress: (p) => {
        if (p.frames === 20) controller.abort();
      },
    });
    await expect(pending).rejects.toBeInstanceOf(AbortError);
    expect(listing(dir)).toEqual([]);
    const pngs = writeVideo(big, path.join(dir, 'seq'), {
      signal: controller.signal,
    });
    await expect(pngs).rejects.toBeInstanceOf(AbortError);
    expect(listing(dir)).toEqual([]);
  });

  it('a bad frame mid-stream fails with a typed error and leaves nothing behind', async () => {
    const dir = path.join(tmp.dir, 'bad');
    mkdirSync(dir);
    const frames = [matrixFrom(8, 8, new Float64Array(64)), matrixFrom(8, 6, new Float64Array(48))];
    for (const name of ['x.mp4', 'x.gif', 'seq']) {
      await expect(writeVideo(frames, path.join(dir, name))).rejects.toBeInstanceOf(InvalidInputError);
    }
    expect(listing(dir)).toEqual([]);
    expect(existsSync(path.join(dir, 'x.mp4'))).toBe(false);
  });
});
