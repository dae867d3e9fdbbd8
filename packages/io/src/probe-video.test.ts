import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { MediaError } from '@lowrank/core';
import { afterAll, describe, expect, it } from 'vitest';
import { findFfmpeg } from './ffmpeg-discovery.js';
import { parseFfmpegHeader, probeVideo } from './probe-video.js';
import { data, tempDir } from './test-helpers.js';

const tmp = tempDir();
afterAll(tmp.cleanup);

describe('probeVideo (ffmpeg only, no ffprobe)', () => {
  it('reads size, fps, codec and frame count of the three shared videos', async () => {
    const tiny = await probeVideo(data('video/tiny-traffic-48x48.avi'));
    expect(tiny).toMatchObject({
      width: 48,
      height: 48,
      fps: 15,
      frames: 51,
      codec: 'rawvideo',
      container: 'avi',
    });
    const highway = await probeVideo(data('video/highway-traffic-320x240.avi'));
    expect(highway).toMatchObject({ width: 320, height: 240, fps: 25, codec: 'mpeg4' });
    // The AVI index lists 750 packets; 2 are empty XviD placeholders, so 748 frames decode.
    expect(highway.frames).toBe(750);
    expect(highway.duration).toBeCloseTo(30, 1);
    const pedestrians = await probeVideo(data('video/pedestrians-768x576.avi'));
    expect(pedestrians).toMatchObject({ width: 768, height: 576, fps: 10, frames: 300, codec: 'msmpeg4v3' });
  });

  it("count: 'decode' counts decoded frames where packet counts lie", async () => {
    const highway = await probeVideo(data('video/highway-traffic-320x240.avi'), { count: 'decode' });
    expect(highway.frames).toBe(748);
    expect(highway.frameCountSource).toBe('decoded');
    const estimate = await probeVideo(data('video/tiny-traffic-48x48.avi'), { count: 'estimate' });
    expect(estimate.frames).toBe(51);
  });

  it('parses stream lines with nested commas', () => {
    const parsed = parseFfmpegHeader(
      "Input #0, mov,mp4,m4a,3gp,3g2,mj2, from 'file:/x.mp4':\n  Duration: 00:01:02.50, start: 0.000000, bitrate: 1 kb/s\n" +
        '  Stream #0:0[0x1](und): Video: h264 (High) (avc1 / 0x31637661), yuv420p(tv, bt709, progressive), 1920x1080 [SAR 1:1 DAR 16:9], 5000 kb/s, 29.97 fps, 29.97 tbr, 30k tbn (default)\n',
    );
    expect(parsed).toEqual({
      container: 'mov,mp4,m4a,3gp,3g2,mj2',
      duration: 62.5,
      codec: 'h264',
      pixelFormat: 'yuv420p',
      width: 1920,
      height: 1080,
      rotation: 0,
      fps: 29.97,
    });
  });

  it('video with no video stream, corrupt video, text file named .mp4', async () => {
    const { path: ffmpeg } = await findFfmpeg();
    const wav = path.join(tmp.dir, 'tone.wav');
    execFileSync(ffmpeg, ['-v', 'error', '-f', 'lavfi', '-i', 'sine=duration=0.2', wav]);
    const noVideo = await probeVideo(wav).catch((e: unknown) => e);
    expect(noVideo).toBeInstanceOf(MediaError);
    expect((noVideo as Error).message).toMatch(/tone\.wav: has no video stream/);
    const random = path.join(tmp.dir, 'noise.avi');
    const bytes = Buffer.alloc(4096);
    for (let i = 0; i < bytes.length; i++) bytes[i] = (i * 7919 + 13) % 251;
    writeFileSync(random, bytes);
    await expect(probeVideo(random)).rejects.toThrow(/noise\.avi: is not a readable video/);
    const text = path.join(tmp.dir, 'notes.mp4');
    writeFileSync(text, 'just some text\n');
    await expect(probeVideo(text)).rejects.toBeInstanceOf(MediaError);
    await expect(probeVideo(path.join(tmp.dir, 'missing.mp4'))).rejects.toThrow(/does not exist/);
    await expect(probeVideo(tmp.dir)).rejects.toThrow(/is a folder/);
    writeFileSync(path.join(tmp.dir, 'zero.mp4'), '');
    await expect(probeVideo(path.join(tmp.dir, 'zero.mp4'))).rejects.toThrow(/0 bytes/);
    expect(readFileSync(text, 'utf8')).toBe('just some text\n');
  });
});
