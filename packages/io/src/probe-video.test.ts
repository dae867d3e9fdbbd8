import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { MediaError } from '@lowrank/core';
import { afterAll, describe, expect, it } from 'vitest';
import { findFfmpeg } from './ffmpeg-discovery.js';
import { parseFfmpegHeader, probeVideo } from './probe-video.js';
import { sample, tempDir, testData, videoFacts } from './test-helpers.js';

const tmp = tempDir();
afterAll(tmp.cleanup);

describe('probeVideo (ffmpeg only, no ffprobe)', () => {
  it('reads size, fps, codec and frame count of the three test videos as OpenCV does', async () => {
    const opencv = (file: string) => {
      const { width, height, fps, containerFrames } = videoFacts[file]!;
      return { width, height, fps, frames: containerFrames };
    };
    const tiny = await probeVideo(sample('tiny-traffic-48x48.avi'));
    expect(tiny).toMatchObject({
      ...opencv('samples/tiny-traffic-48x48.avi'),
      codec: 'rawvideo',
      container: 'avi',
    });
    const highway = await probeVideo(sample('highway-traffic-320x240-cut.avi'));
    // The AVI index lists 150 packets; 2 are empty XviD placeholders, so 148 frames decode.
    expect(highway).toMatchObject({ ...opencv('samples/highway-traffic-320x240-cut.avi'), codec: 'mpeg4' });
    expect(highway.duration).toBeCloseTo(150 / 25, 1);
    const pedestrians = await probeVideo(testData('video/pedestrians-768x576-cut.avi'));
    expect(pedestrians).toMatchObject({
      ...opencv('test-data/video/pedestrians-768x576-cut.avi'),
      codec: 'msmpeg4v3',
    });
  });

  it("count: 'decode' counts decoded frames where packet counts lie", async () => {
    const highway = await probeVideo(sample('highway-traffic-320x240-cut.avi'), { count: 'decode' });
    expect(highway.frames).toBe(videoFacts['samples/highway-traffic-320x240-cut.avi']!.decodedFrames);
    expect(highway.frames).toBeLessThan(
      videoFacts['samples/highway-traffic-320x240-cut.avi']!.containerFrames,
    );
    expect(highway.frameCountSource).toBe('decoded');
    const estimate = await probeVideo(sample('tiny-traffic-48x48.avi'), { count: 'estimate' });
    expect(estimate.frames).toBe(videoFacts['samples/tiny-traffic-48x48.avi']!.containerFrames);
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
