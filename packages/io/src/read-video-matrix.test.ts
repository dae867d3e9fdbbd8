import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { AbortError, isVideoMatrix, MediaError, ResourceLimitError } from '@lowrank/core';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findFfmpeg } from './ffmpeg-discovery.js';
import { readFrames } from './read-frames.js';
import { readVideoMatrix } from './read-video-matrix.js';
import { referenceGrayDecode, sample, tempDir, testData } from './test-helpers.js';

const tmp = tempDir();
afterAll(tmp.cleanup);
let ffmpeg: string;
beforeAll(async () => {
  ffmpeg = (await findFfmpeg()).path;
});

/** Every element equals byte / 255 of the reference decode (bit for bit). */
function expectSameBytes(
  values: ArrayLike<number>,
  reference: Uint8Array,
  round: (x: number) => number = (x) => x,
): void {
  expect(values.length).toBe(reference.length);
  let mismatches = 0;
  let first = -1;
  for (let i = 0; i < reference.length; i++) {
    if (values[i] !== round(reference[i]! / 255)) {
      mismatches++;
      if (first < 0) first = i;
    }
  }
  expect({ mismatches, first }).toEqual({ mismatches: 0, first: -1 });
}

describe('readVideoMatrix matches the numpy reference decode byte for byte', () => {
  it('uncompressed AVI (bottom-up rows), all 51 frames', async () => {
    const file = sample('tiny-traffic-48x48.avi');
    const progress: number[] = [];
    const { matrix, source } = await readVideoMatrix(file, { onProgress: (p) => progress.push(p.frames) });
    expect(isVideoMatrix(matrix)).toBe(true);
    expect([matrix.rows, matrix.cols, matrix.width, matrix.height, matrix.channels, matrix.fps]).toEqual([
      51, 2304, 48, 48, 1, 15,
    ]);
    expect(source.kind).toBe('video');
    expect(progress).toEqual(Array.from({ length: 51 }, (_, i) => i + 1));
    expectSameBytes(matrix.data, referenceGrayDecode(ffmpeg, file, 48, 48));
  });

  it('MPEG-4 highway (cut), first 20 frames', async () => {
    const file = sample('highway-traffic-320x240-cut.avi');
    const { matrix } = await readVideoMatrix(file, { count: 20 });
    expect([matrix.rows, matrix.cols]).toEqual([20, 76800]);
    expectSameBytes(matrix.data, referenceGrayDecode(ffmpeg, file, 320, 240, 20));
  });

  it('MS-MPEG4 pedestrians (cut) at scale 0.3 (round(768 * 0.3) = 230, round(576 * 0.3) = 173), 8 frames, float32', async () => {
    const file = testData('video/pedestrians-768x576-cut.avi');
    const { matrix } = await readVideoMatrix(file, { scale: 0.3, count: 8, dtype: 'float32' });
    expect([matrix.width, matrix.height, matrix.rows]).toEqual([230, 173, 8]);
    expect(matrix.data).toBeInstanceOf(Float32Array);
    const reference = referenceGrayDecode(ffmpeg, file, 230, 173, 8);
    expectSameBytes(matrix.data, reference, Math.fround);
  });

  it('start / step / count pick the same frames as a full decode', async () => {
    const file = sample('tiny-traffic-48x48.avi');
    const all = referenceGrayDecode(ffmpeg, file, 24, 24);
    const { matrix, sourceIndices } = await readVideoMatrix(file, {
      scale: 0.5,
      start: 5,
      step: 7,
      count: 4,
    });
    expect(sourceIndices).toEqual([5, 12, 19, 26]);
    const pixels = 24 * 24;
    const expected = new Uint8Array(4 * pixels);
    sourceIndices.forEach((s, k) => {
      expected.set(all.subarray(s * pixels, (s + 1) * pixels), k * pixels);
    });
    expectSameBytes(matrix.data, expected);
    // Past the end: what is left.
    const tail = await readVideoMatrix(file, { start: 48, step: 2 });
    expect(tail.sourceIndices).toEqual([48, 50]);
  });

  it('rgb mode gives interleaved RGB frames (3 channels)', async () => {
    const file = sample('tiny-traffic-48x48.avi');
    const { matrix } = await readVideoMatrix(file, { mode: 'rgb', count: 2 });
    expect([matrix.channels, matrix.cols]).toEqual([3, 48 * 48 * 3]);
    const reference = execFileSync(ffmpeg, [
      '-v',
      'error',
      '-i',
      file,
      '-frames:v',
      '2',
      '-f',
      'rawvideo',
      '-pix_fmt',
      'rgb24',
      'pipe:1',
    ]);
    expectSameBytes(matrix.data, reference);
  });

  it('file names with spaces, quotes, unicode or a leading dash are never read as options', async () => {
    const dir = path.join(tmp.dir, 'a folder; $(x)');
    mkdirSync(dir);
    for (const name of [
      '-i.avi',
      'it\'s a "video" ünïcødé.avi',
      '-frames:v 1.avi',
      'http:notaurl.avi',
      'clip %d.avi',
    ]) {
      copyFileSync(sample('tiny-traffic-48x48.avi'), path.join(dir, name));
      const { matrix } = await readVideoMatrix(path.join(dir, name), { count: 2 });
      expect(matrix.rows).toBe(2);
    }
    // A relative path with a leading dash, resolved against the working directory.
    const cwd = process.cwd();
    process.chdir(dir);
    try {
      const { matrix } = await readVideoMatrix('-i.avi', { count: 1 });
      expect(matrix.rows).toBe(1);
    } finally {
      process.chdir(cwd);
    }
  });
});

describe('frame folders (CDnet style)', () => {
  it('reads cdnet-fall/input at scale 0.5, matching ffmpeg per-file decode, and keeps the stems', async () => {
    const folder = testData('cdnet-fall/input');
    const { matrix, names, source } = await readVideoMatrix(folder, { scale: 0.5, count: 3, step: 2 });
    expect(source.kind).toBe('folder');
    expect(source.totalFrames).toBe(6);
    expect([matrix.rows, matrix.width, matrix.height]).toEqual([3, 360, 240]);
    expect(names).toEqual(['in001460', 'in001462', 'in001464']);
    const expected = Buffer.concat(
      names!.map((n) => referenceGrayDecode(ffmpeg, path.join(folder, `${n}.jpg`), 360, 240)),
    );
    expectSameBytes(matrix.data, expected);
  });

  it('an empty folder, a folder of non-images, frames of different sizes, mixed formats', async () => {
    const empty = path.join(tmp.dir, 'empty');
    mkdirSync(empty);
    await expect(readVideoMatrix(empty)).rejects.toThrow(/empty: is a folder with no frame images/);
    writeFileSync(path.join(empty, 'readme.txt'), 'hi');
    await expect(readVideoMatrix(empty)).rejects.toBeInstanceOf(MediaError);

    const mixed = path.join(tmp.dir, 'mixed');
    mkdirSync(mixed);
    const gray = (w: number, h: number) =>
      sharp(Buffer.alloc(w * h, 128), { raw: { width: w, height: h, channels: 1 } });
    await gray(8, 8).png().toFile(path.join(mixed, 'f1.png'));
    await gray(8, 8).png().toFile(path.join(mixed, 'f2.png'));
    await gray(8, 6).png().toFile(path.join(mixed, 'f3.png'));
    const error = await readVideoMatrix(mixed).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MediaError);
    expect((error as Error).message).toMatch(/f3\.png: is 8 x 6 but the first frame \(f1\.png\) is 8 x 8/);
    await gray(8, 8).jpeg().toFile(path.join(mixed, 'f3.jpg'));
    writeFileSync(path.join(mixed, 'f3.png'), readFileSync(path.join(mixed, 'f1.png')));
    // Same size but JPEG among PNGs.
    await expect(readVideoMatrix(mixed)).rejects.toThrow(
      /f3\.jpg: is jpeg but the first frame \(f1\.png\) is png/,
    );
  });

  it('a broken frame in a folder is named', async () => {
    const folder = path.join(tmp.dir, 'broken');
    mkdirSync(folder);
    for (const n of ['a', 'b'])
      copyFileSync(testData('cdnet-fall/input/in001460.jpg'), path.join(folder, `${n}.jpg`));
    writeFileSync(path.join(folder, 'c.jpg'), 'not a jpeg');
    await expect(readVideoMatrix(folder)).rejects.toThrow(/c\.jpg: is not an image format/);
    // A truncated frame passes the header checks; decoding names it instead of dropping the frames after it.
    const png = path.join(tmp.dir, 'truncated');
    mkdirSync(png);
    const frame = await sharp({ create: { width: 16, height: 12, channels: 3, background: '#808080' } })
      .png({ compressionLevel: 0 })
      .toBuffer();
    for (const n of ['f1', 'f2', 'f4']) writeFileSync(path.join(png, `${n}.png`), frame);
    writeFileSync(path.join(png, 'f3.png'), frame.subarray(0, 200));
    await expect(readVideoMatrix(png)).rejects.toThrow(/f3\.png: could not be decoded \(frame 3 of 4/);
  });
});

describe('limits, cancel and bad input', () => {
  it('refuses over the memory budget before decoding, proposing --scale and a frame range', async () => {
    const error = await readVideoMatrix(testData('video/pedestrians-768x576-cut.avi'), {
      memoryBudget: 4 << 20,
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ResourceLimitError);
    const message = (error as Error).message;
    // 768 * 576 * 10 frames * 8 bytes = 33.75 MiB; a budget of 4 MiB is 0.1185 of it:
    // scale floor(20 sqrt(0.1185)) / 20 = 0.3, frames floor(10 * 0.1185) = 1.
    expect(message).toMatch(/needs 33\.8 MiB .* over the memory budget of 4\.0 MiB/);
    expect(message).toMatch(/--scale 0\.3/);
    expect(message).toMatch(/--frames 1\b/);
    expect((error as ResourceLimitError).neededBytes).toBe(768 * 576 * 10 * 8);
  });

  it('abort stops decoding and kills ffmpeg', async () => {
    const controller = new AbortController();
    let seen = 0;
    const pending = readVideoMatrix(sample('highway-traffic-320x240-cut.avi'), {
      signal: controller.signal,
      onProgress: (p) => {
        seen = p.frames;
        if (p.frames === 5) controller.abort();
      },
    });
    await expect(pending).rejects.toBeInstanceOf(AbortError);
    expect(seen).toBe(5);
  });

  it('breaking out of readFrames early is fine (the child is killed)', async () => {
    const names: number[] = [];
    for await (const frame of readFrames(testData('video/pedestrians-768x576-cut.avi'), { scale: 0.25 })) {
      names.push(frame.index);
      expect(frame.data.length).toBe(192 * 144);
      if (frame.index === 2) break;
    }
    expect(names).toEqual([0, 1, 2]);
  });

  it('a truncated video decodes the frames it has; a corrupt one is a MediaError', async () => {
    const full = readFileSync(sample('highway-traffic-320x240-cut.avi'));
    const cut = path.join(tmp.dir, 'cut.avi');
    writeFileSync(cut, full.subarray(0, 60_000));
    const { matrix } = await readVideoMatrix(cut);
    expect(matrix.rows).toBeGreaterThan(0);
    expect(matrix.rows).toBeLessThan(148);
    const noise = path.join(tmp.dir, 'noise.mp4');
    writeFileSync(noise, Buffer.from(Array.from({ length: 5000 }, (_, i) => (i * 31 + 7) % 256)));
    await expect(readVideoMatrix(noise)).rejects.toBeInstanceOf(MediaError);
  });
});

describe('a video whose frame size changes midway', () => {
  it('is refused with a MediaError naming both sizes and about where, not silently rescaled', async () => {
    // Two clips of different sizes in one Matroska stream (as a camera that changes resolution writes).
    const part = (size: string, name: string) => {
      const file = path.join(tmp.dir, name);
      execFileSync(ffmpeg, [
        '-v',
        'error',
        '-f',
        'lavfi',
        '-i',
        `testsrc2=size=${size}:rate=10`,
        '-t',
        '2',
        '-c:v',
        'libx264',
        '-pix_fmt',
        'yuv420p',
        '-f',
        'mpegts',
        file,
      ]);
      return readFileSync(file);
    };
    const joined = path.join(tmp.dir, 'size-change.ts');
    writeFileSync(joined, Buffer.concat([part('64x48', 'a.ts'), part('80x60', 'b.ts')]));
    const mkv = path.join(tmp.dir, 'size-change.mkv');
    execFileSync(ffmpeg, ['-v', 'error', '-i', joined, '-c', 'copy', mkv]);
    const error = await readVideoMatrix(mkv).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MediaError);
    expect((error as MediaError).message).toMatch(/frame size changes from 64x48 to 80x60 near frame \d+/);
    // Frame by frame too: the frames before the change come out, then the error.
    const seen: number[] = [];
    await expect(
      (async () => {
        for await (const frame of readFrames(mkv)) seen.push(frame.index);
      })(),
    ).rejects.toBeInstanceOf(MediaError);
    expect(seen.length).toBeGreaterThan(0);
    expect(seen.length).toBeLessThanOrEqual(20);
  });

  it('a video of one size decodes with no complaint', async () => {
    const { matrix } = await readVideoMatrix(sample('tiny-traffic-48x48.avi'));
    expect(matrix.rows).toBeGreaterThan(0);
  });
});

describe('a still image given as a video', () => {
  it('is one frame, even with a % pattern in its name', async () => {
    const dir = path.join(tmp.dir, 'still');
    mkdirSync(dir);
    const file = path.join(dir, 'shot %03d.png');
    copyFileSync(sample('camera.png'), file);
    const { matrix } = await readVideoMatrix(file);
    expect([matrix.rows, matrix.width, matrix.height]).toEqual([1, 512, 512]);
    expectSameBytes(matrix.data, referenceGrayDecode(ffmpeg, sample('camera.png'), 512, 512));
  });
});

/** The tiny traffic clip as a raw MPEG-4 stream: no container, so no duration and no frame count. */
function rawMpeg4Stream(name: string): string {
  const file = path.join(tmp.dir, name);
  execFileSync(ffmpeg, [
    '-v',
    'error',
    '-i',
    sample('tiny-traffic-48x48.avi'),
    '-c:v',
    'mpeg4',
    '-f',
    'm4v',
    file,
  ]);
  return file;
}

describe('frame counts that are unknown or wrong', () => {
  it('a raw MPEG-4 stream with no duration: estimate 0, the matrix grows to the decoded count', async () => {
    const file = rawMpeg4Stream('raw stream.m4v');
    const plan = await readVideoMatrix(file, { countFrames: 'estimate' });
    expect(plan.source.video?.duration).toBeUndefined();
    expect(plan.source.frames).toBe(0);
    expect(plan.matrix.rows).toBe(51);
    expectSameBytes(plan.matrix.data, referenceGrayDecode(ffmpeg, file, 48, 48));
  });

  it('a custom allocator receives every array, and the matrix is one of them (not a view), through growth and shrink', async () => {
    const file = rawMpeg4Stream('raw stream for allocate.m4v');
    const given: Float64Array[] = [];
    const { matrix } = await readVideoMatrix(file, {
      countFrames: 'estimate',
      allocate: (length) => {
        const a = new Float64Array(length);
        given.push(a);
        return a;
      },
    });
    // Capacity 1 grows by half several times past 51 frames, then the filled part is copied.
    expect(given.length).toBeGreaterThan(3);
    expect(given.at(-1)).toBe(matrix.data);
    expect(matrix.data.length).toBe(51 * 48 * 48);
    expectSameBytes(matrix.data, referenceGrayDecode(ffmpeg, file, 48, 48));
    await expect(
      readVideoMatrix(sample('tiny-traffic-48x48.avi'), {
        allocate: (length) => new Float64Array(length - 1),
      }),
    ).rejects.toThrow(/must return a Float64Array of that length/);
  });

  it('a count beyond the end gives the frames there are', async () => {
    const { matrix } = await readVideoMatrix(sample('tiny-traffic-48x48.avi'), { count: 1000 });
    expect(matrix.rows).toBe(51);
  });
});
