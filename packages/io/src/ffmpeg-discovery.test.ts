import { chmodSync, copyFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { DependencyMissingError } from '@lowrank/core';
import { afterAll, describe, expect, it } from 'vitest';
import { bundledFfmpegPath, ffmpegCapabilities, findFfmpeg } from './ffmpeg-discovery.js';
import { readVideoMatrix } from './read-video-matrix.js';
import { sample, tempDir } from './test-helpers.js';

const tmp = tempDir();
afterAll(tmp.cleanup);

describe('findFfmpeg discovery chain', () => {
  it('finds an ffmpeg (the bundled @ffmpeg-installer binary guarantees one)', async () => {
    const found = await findFfmpeg();
    expect(['env', 'path', 'bundled']).toContain(found.source);
    const caps = await ffmpegCapabilities(found.path);
    expect(caps.version).toMatch(/^ffmpeg version/);
    expect(caps.encoders.has('png')).toBe(true);
  });

  it('falls back to @ffmpeg-installer/ffmpeg when PATH is empty', async () => {
    const bundled = await bundledFfmpegPath();
    expect(bundled).toBeDefined();
    const found = await findFfmpeg({ env: { PATH: '' } });
    expect(found).toEqual({ path: bundled, source: 'bundled' });
    // And that binary really decodes: the whole pipeline runs on it.
    const video = await readVideoMatrix(sample('tiny-traffic-48x48.avi'), {
      ffmpegPath: found.path,
      count: 3,
    });
    expect([video.matrix.rows, video.matrix.cols]).toEqual([3, 48 * 48]);
    // Frame selection works with this older build too (it spells passthrough -vsync, not -fps_mode).
    const stepped = await readVideoMatrix(sample('tiny-traffic-48x48.avi'), {
      ffmpegPath: found.path,
      start: 1,
      step: 10,
    });
    expect(stepped.sourceIndices).toEqual([1, 11, 21, 31, 41]);
    const system = await readVideoMatrix(sample('tiny-traffic-48x48.avi'), { start: 1, step: 10 });
    expect(Array.from(stepped.matrix.data)).toEqual(Array.from(system.matrix.data));
  });

  it('prefers the explicit option, then LOWRANK_FFMPEG, then PATH', async () => {
    const bundled = (await bundledFfmpegPath())!;
    const binDir = path.join(tmp.dir, 'bin');
    await import('node:fs').then((fs) => fs.mkdirSync(binDir));
    const fake = path.join(binDir, 'ffmpeg');
    writeFileSync(fake, '#!/bin/sh\nexit 0\n');
    chmodSync(fake, 0o755);
    expect(await findFfmpeg({ env: { PATH: binDir } })).toEqual({ path: fake, source: 'path' });
    expect(await findFfmpeg({ env: { PATH: binDir, LOWRANK_FFMPEG: bundled } })).toEqual({
      path: bundled,
      source: 'env',
    });
    const copy = path.join(tmp.dir, 'my ffmpeg');
    copyFileSync(fake, copy);
    chmodSync(copy, 0o755);
    expect(await findFfmpeg({ ffmpegPath: copy, env: { PATH: binDir, LOWRANK_FFMPEG: bundled } })).toEqual({
      path: copy,
      source: 'option',
    });
  });

  it('throws DependencyMissingError for a bad explicit path or env, and when nothing is found', async () => {
    await expect(findFfmpeg({ ffmpegPath: path.join(tmp.dir, 'missing') })).rejects.toBeInstanceOf(
      DependencyMissingError,
    );
    await expect(findFfmpeg({ env: { LOWRANK_FFMPEG: path.join(tmp.dir, 'missing') } })).rejects.toThrow(
      /LOWRANK_FFMPEG/,
    );
    const error = await findFfmpeg({ env: { PATH: '' }, noBundled: true }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DependencyMissingError);
    expect((error as Error).message).toMatch(/Install ffmpeg/);
  });
});
