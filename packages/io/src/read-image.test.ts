import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { InvalidOptionError, MediaError, ResourceLimitError } from '@lowrank/core';
import sharp from 'sharp';
import { afterAll, describe, expect, it } from 'vitest';
import { findFfmpeg } from './ffmpeg-discovery.js';
import { lumaFromRgb } from './luma.js';
import { readImage } from './read-image.js';
import { liveTemporaryPaths } from './temporary-paths.js';
import { pngClaiming, sample, tempDir, testData } from './test-helpers.js';

const tmp = tempDir();
afterAll(tmp.cleanup);

describe('readImage on the test images', () => {
  it('reads camera.png (8-bit gray) exactly: value = byte / 255', async () => {
    const image = await readImage(sample('camera.png'));
    expect(image.width).toBe(512);
    expect(image.height).toBe(512);
    expect(image.matrix.rows).toBe(512);
    expect(image.matrix.cols).toBe(512);
    expect(image.metadata).toMatchObject({ format: 'png', bitDepth: 8, sourceChannels: 1, hasAlpha: false });
    // An independent decoder: ffmpeg's gray decode of a gray PNG is the stored bytes.
    const { path: ffmpeg } = await findFfmpeg();
    const raw = execFileSync(ffmpeg, [
      '-v',
      'error',
      '-i',
      sample('camera.png'),
      '-f',
      'rawvideo',
      '-pix_fmt',
      'gray',
      'pipe:1',
    ]);
    expect(raw.length).toBe(512 * 512);
    for (let p = 0; p < raw.length; p++) {
      if (image.matrix.data[p] !== raw[p]! / 255)
        throw new Error(`pixel ${p}: ${image.matrix.data[p]} vs ${raw[p]! / 255}`);
    }
  });

  it('reads astronaut (256 x 256 RGB) as three RGB channels and as gray close to ffmpeg -pix_fmt gray', async () => {
    const rgb = await readImage(testData('images/astronaut-256x256.png'), { mode: 'rgb' });
    expect(rgb.channels).toHaveLength(3);
    const gray = await readImage(testData('images/astronaut-256x256.png'));
    // Gray is the stated BT.601 full-range formula applied to the same channels.
    for (const p of [0, 1000, 40_000, 65_535]) {
      const expected =
        Math.round(
          0.299 * rgb.channels[0]!.data[p]! * 255 +
            0.587 * rgb.channels[1]!.data[p]! * 255 +
            0.114 * rgb.channels[2]!.data[p]! * 255,
        ) / 255;
      expect(gray.matrix.data[p]).toBeCloseTo(expected, 12);
    }
    const { path: ffmpeg } = await findFfmpeg();
    const ref = execFileSync(ffmpeg, [
      '-v',
      'error',
      '-i',
      testData('images/astronaut-256x256.png'),
      '-vf',
      'scale=256:256:flags=area',
      '-f',
      'rawvideo',
      '-pix_fmt',
      'gray',
      'pipe:1',
    ]);
    let exact = 0;
    let worst = 0;
    for (let p = 0; p < ref.length; p++) {
      const d = Math.abs(Math.round(gray.matrix.data[p]! * 255) - ref[p]!);
      if (d === 0) exact++;
      worst = Math.max(worst, d);
    }
    // Measured: 99.6% identical, never more than one level apart (swscale's 15-bit fixed point).
    expect(ref.length).toBe(256 * 256);
    expect(worst).toBeLessThanOrEqual(1);
    expect(exact / ref.length).toBeGreaterThan(0.99);
  });

  it('reads coffee (300 x 200, not square) and scales with round(side * scale)', async () => {
    const full = await readImage(testData('images/coffee-300x200.png'));
    expect([full.width, full.height]).toEqual([300, 200]);
    const half = await readImage(testData('images/coffee-300x200.png'), { scale: 0.5 });
    expect([half.width, half.height, half.matrix.rows, half.matrix.cols]).toEqual([150, 100, 100, 150]);
    const odd = await readImage(testData('images/coffee-300x200.png'), { scale: 0.001 });
    expect([odd.width, odd.height]).toEqual([1, 1]);
    const sized = await readImage(testData('images/coffee-300x200.png'), { size: { width: 64, height: 32 } });
    expect([sized.matrix.rows, sized.matrix.cols]).toEqual([32, 64]);
  });

  it("decoder 'ffmpeg' reproduces the numpy reference decode byte for byte (gray and rgb, scaled)", async () => {
    const { path: ffmpeg } = await findFfmpeg();
    const dir = path.join(tmp.dir, 'pct');
    mkdirSync(dir);
    // A name the image2 demuxer would read as a pattern if it ever saw it.
    const file = path.join(dir, '-coffee %03d.png');
    writeFileSync(file, readFileSync(testData('images/coffee-300x200.png')));
    for (const [mode, pixFmt] of [
      ['gray', 'gray'],
      ['rgb', 'rgb24'],
    ] as const) {
      const image = await readImage(file, { decoder: 'ffmpeg', mode, scale: 0.3 });
      expect([image.width, image.height]).toEqual([90, 60]);
      const reference = execFileSync(ffmpeg, [
        '-v',
        'error',
        '-i',
        testData('images/coffee-300x200.png'),
        '-vf',
        'scale=90:60:flags=area',
        '-f',
        'rawvideo',
        '-pix_fmt',
        pixFmt,
        'pipe:1',
      ]);
      const channels = image.channels.length;
      let mismatches = 0;
      for (let i = 0; i < reference.length; i++) {
        if (image.channels[i % channels]!.data[Math.floor(i / channels)] !== reference[i]! / 255)
          mismatches++;
      }
      expect(mismatches).toBe(0);
    }
  });

  it('accepts encoded bytes instead of a path', async () => {
    const image = await readImage(readFileSync(sample('camera.png')));
    expect(image.width).toBe(512);
    expect(image.file).toBeUndefined();
  });
});

describe('readImage conventions', () => {
  it('keeps 16-bit inputs at full precision (value / 65535)', async () => {
    const samples = new Uint16Array([0, 1, 257, 65535, 40000, 12345]);
    const file = path.join(tmp.dir, 'sixteen.png');
    await sharp(samples, { raw: { width: 3, height: 2, channels: 1 } })
      .toColourspace('grey16')
      .png()
      .toFile(file);
    const image = await readImage(file);
    expect(image.metadata.bitDepth).toBe(16);
    expect(Array.from(image.matrix.data)).toEqual(Array.from(samples, (v) => v / 65535));
  });

  it('keeps 16-bit RGB at full precision and converts gray with the stated formula', async () => {
    const samples = new Uint16Array([65535, 0, 0, 0, 65535, 0, 1000, 2000, 3000]);
    const file = path.join(tmp.dir, 'sixteen-rgb.png');
    await sharp(samples, { raw: { width: 3, height: 1, channels: 3 } })
      .toColourspace('rgb16')
      .png()
      .toFile(file);
    const rgb = await readImage(file, { mode: 'rgb' });
    expect(rgb.metadata.bitDepth).toBe(16);
    expect(rgb.channels.map((c) => c.data[2])).toEqual([1000 / 65535, 2000 / 65535, 3000 / 65535]);
    const gray = await readImage(file);
    expect(Array.from(gray.matrix.data)).toEqual([
      Math.round(0.299 * 65535) / 65535,
      Math.round(0.587 * 65535) / 65535,
      Math.round(0.299 * 1000 + 0.587 * 2000 + 0.114 * 3000) / 65535,
    ]);
  });

  it('gray + alpha PNG flattens to one gray channel', async () => {
    const file = path.join(tmp.dir, 'gray-alpha.png');
    await sharp(Buffer.from([0, 0, 0, 255]), { raw: { width: 2, height: 1, channels: 2 } })
      .png()
      .toFile(file);
    const image = await readImage(file);
    expect(image.metadata.hasAlpha).toBe(true);
    expect(Array.from(image.matrix.data)).toEqual([1, 0]);
  });

  it('flattens alpha over white by default, or over the given background', async () => {
    // Pixel 0 fully transparent red, pixel 1 opaque black, pixel 2 half-transparent black.
    const rgba = Buffer.from([255, 0, 0, 0, 0, 0, 0, 255, 0, 0, 0, 128]);
    const file = path.join(tmp.dir, 'alpha.png');
    await sharp(rgba, { raw: { width: 3, height: 1, channels: 4 } })
      .png()
      .toFile(file);
    const white = await readImage(file, { mode: 'rgb' });
    expect(white.metadata.hasAlpha).toBe(true);
    expect(white.channels.map((c) => c.data[0])).toEqual([1, 1, 1]);
    expect(white.channels.map((c) => c.data[1])).toEqual([0, 0, 0]);
    expect(white.channels[0]!.data[2]).toBeCloseTo(127 / 255, 1);
    const black = await readImage(file, { mode: 'rgb', background: { r: 0, g: 0, b: 0 } });
    expect(black.channels.map((c) => c.data[0])).toEqual([0, 0, 0]);
  });

  it("reads colour as float32 gray (converted over the decoder's RGBA buffer) equal to the float64 gray", async () => {
    const file = testData('images/astronaut-256x256.png');
    const wide = await readImage(file);
    const narrow = await readImage(file, { dtype: 'float32' });
    expect(narrow.matrix.data).toBeInstanceOf(Float32Array);
    expect(narrow.matrix.data.length).toBe(256 * 256);
    expect(Array.from(narrow.matrix.data)).toEqual(Array.from(wide.matrix.data, Math.fround));
    // With alpha (flattened first) and scaled, the same holds.
    const rgba = Buffer.from([255, 0, 0, 0, 0, 0, 0, 255, 10, 200, 30, 128, 40, 50, 60, 255]);
    const alpha = path.join(tmp.dir, 'alpha-float32.png');
    await sharp(rgba, { raw: { width: 2, height: 2, channels: 4 } })
      .png()
      .toFile(alpha);
    const a64 = await readImage(alpha);
    const a32 = await readImage(alpha, { dtype: 'float32' });
    expect(Array.from(a32.matrix.data)).toEqual(Array.from(a64.matrix.data, Math.fround));
    const s32 = await readImage(file, { dtype: 'float32', scale: 0.5 });
    const s64 = await readImage(file, { scale: 0.5 });
    expect(Array.from(s32.matrix.data)).toEqual(Array.from(s64.matrix.data, Math.fround));
  });

  it('writes the gray matrix into the storage `allocate` returns, after the decode started', async () => {
    const file = testData('images/astronaut-256x256.png');
    const events: string[] = [];
    const storage = { rows: 128, cols: 128, data: new Float32Array(128 * 128).fill(-1) };
    const image = await readImage(file, {
      dtype: 'float32',
      scale: 0.5,
      onDecodeStarted: () => events.push('started'),
      allocate: (rows, cols) => {
        events.push(`allocate ${rows} x ${cols}`);
        return storage;
      },
    });
    expect(events).toEqual(['started', 'allocate 128 x 128']);
    expect(image.matrix.data).toBe(storage.data);
    const scaled = await readImage(file, { dtype: 'float32', scale: 0.5 });
    expect(Array.from(storage.data)).toEqual(Array.from(scaled.matrix.data));
    // Storage of the wrong size or type is refused, naming the option.
    await expect(
      readImage(file, {
        dtype: 'float32',
        allocate: () => ({ rows: 2, cols: 2, data: new Float32Array(4) }),
      }),
    ).rejects.toThrow(/allocate.*2 x 2 float32 matrix for a 256 x 256 float32 image/s);
    await expect(
      readImage(file, {
        dtype: 'float32',
        allocate: (r, c) => ({ rows: r, cols: c, data: new Float64Array(r * c) }),
      }),
    ).rejects.toBeInstanceOf(InvalidOptionError);
  });

  it('lets convertLuma convert 8-bit colour samples into float32 gray, and converts them itself when it declines', async () => {
    const file = testData('images/astronaut-256x256.png');
    const plain = await readImage(file, { dtype: 'float32' });
    const calls: string[] = [];
    const converted = await readImage(file, {
      dtype: 'float32',
      allocate: (rows, cols) => ({ rows, cols, data: new Float32Array(rows * cols) }),
      convertLuma: (samples, pixels, out, stride) => {
        calls.push(`${pixels} pixels, stride ${stride}`);
        const bytes = new Uint8Array(samples.length);
        samples.read(bytes, 0);
        lumaFromRgb(bytes, pixels, out, 255, stride);
        out[0] = 0.5; // proof that this conversion is the one kept
        return true;
      },
    });
    expect(calls).toEqual(['65536 pixels, stride 3']);
    expect(converted.matrix.data[0]).toBe(0.5);
    expect(Array.from(converted.matrix.data.subarray(1))).toEqual(Array.from(plain.matrix.data.subarray(1)));
    let asked = 0;
    const declined = await readImage(file, {
      dtype: 'float32',
      allocate: (rows, cols) => ({ rows, cols, data: new Float32Array(rows * cols) }),
      convertLuma: () => {
        asked++;
        return false;
      },
    });
    expect(asked).toBe(1);
    expect(Array.from(declined.matrix.data)).toEqual(Array.from(plain.matrix.data));
  });

  it('decodes through a spool file when given spoolDirectory: the same values, and the file deleted', async () => {
    const file = testData('images/astronaut-256x256.png');
    const plain = await readImage(file, { dtype: 'float32' });
    const spool = path.join(tmp.dir, 'spool');
    mkdirSync(spool);
    const sliceReads: number[] = [];
    const converted = await readImage(file, {
      dtype: 'float32',
      spoolDirectory: spool,
      allocate: (rows, cols) => ({ rows, cols, data: new Float32Array(rows * cols) }),
      convertLuma: (samples, pixels, out, stride) => {
        // Read back in two slices, the second first: any slice, in any order.
        expect(samples.length).toBe(pixels * stride);
        // The spool file, while it is read, in a folder only this user can open.
        const folders = readdirSync(spool);
        expect(folders).toHaveLength(1);
        expect(statSync(path.join(spool, folders[0]!)).mode & 0o777).toBe(0o700);
        expect(readdirSync(path.join(spool, folders[0]!))).toEqual(['pixels.v']);
        const half = (pixels >> 1) * stride;
        const bytes = new Uint8Array(samples.length);
        samples.read(bytes.subarray(half), half);
        samples.read(bytes.subarray(0, half), 0);
        sliceReads.push(half);
        lumaFromRgb(bytes, pixels, out, 255, stride);
        return true;
      },
    });
    expect(sliceReads).toEqual([32768 * 3]);
    expect(Array.from(converted.matrix.data)).toEqual(Array.from(plain.matrix.data));
    // Declined: readImage converts from the spool file itself.
    const declined = await readImage(file, {
      dtype: 'float32',
      spoolDirectory: spool,
      allocate: (rows, cols) => ({ rows, cols, data: new Float32Array(rows * cols) }),
      convertLuma: () => false,
    });
    expect(Array.from(declined.matrix.data)).toEqual(Array.from(plain.matrix.data));
    // Without a converter, in float64: the same values as a decode in memory.
    const wide = await readImage(file, { spoolDirectory: spool });
    expect(Array.from(wide.matrix.data)).toEqual(Array.from((await readImage(file)).matrix.data));
    expect(readdirSync(spool)).toEqual([]);
    expect(liveTemporaryPaths()).toEqual([]);
  });

  it('leaves no spool file after a failed decode or a cancel, and decodes in memory when the spool cannot be written', async () => {
    const spool = path.join(tmp.dir, 'spool-errors');
    mkdirSync(spool);
    const jpeg = await sharp(readFileSync(testData('images/astronaut-256x256.png')))
      .jpeg()
      .toBuffer();
    const cut = path.join(tmp.dir, 'cut-spooled.jpg');
    writeFileSync(cut, jpeg.subarray(0, Math.floor(jpeg.length / 2)));
    await expect(readImage(cut, { spoolDirectory: spool })).rejects.toBeInstanceOf(MediaError);
    const controller = new AbortController();
    const cancelled = readImage(testData('images/astronaut-256x256.png'), {
      spoolDirectory: spool,
      signal: controller.signal,
      onDecodeStarted: () => controller.abort(new Error('stop')),
    });
    await expect(cancelled).rejects.toThrow('stop');
    expect(readdirSync(spool)).toEqual([]);
    expect(liveTemporaryPaths()).toEqual([]);
    const file = testData('images/astronaut-256x256.png');
    const missingFolder = await readImage(file, { spoolDirectory: path.join(tmp.dir, 'no-such-folder') });
    expect(Array.from(missingFolder.matrix.data)).toEqual(Array.from((await readImage(file)).matrix.data));
  });

  it('tells onDecodeStarted once the decode runs, before the pixels arrive, and still types decode errors', async () => {
    const events: string[] = [];
    const reading = readImage(testData('images/astronaut-256x256.png'), {
      onDecodeStarted: () => events.push('started'),
    }).then((image) => {
      events.push('decoded');
      return image;
    });
    expect((await reading).width).toBe(256);
    expect(events).toEqual(['started', 'decoded']);
    // A JPEG cut short: the decode fails after it started, and the error is still a MediaError.
    const bytes = readFileSync(testData('images/astronaut-256x256.png'));
    const jpeg = await sharp(bytes).jpeg().toBuffer();
    const cut = path.join(tmp.dir, 'cut-started.jpg');
    writeFileSync(cut, jpeg.subarray(0, Math.floor(jpeg.length / 2)));
    let started = 0;
    await expect(readImage(cut, { onDecodeStarted: () => started++ })).rejects.toBeInstanceOf(MediaError);
    expect(started).toBe(1);
  });

  it('applies EXIF orientation (6 = rotate 90 degrees clockwise)', async () => {
    // 4 wide x 2 tall, left column white.
    const pixels = Buffer.from([255, 0, 0, 0, 255, 0, 0, 0]);
    const file = path.join(tmp.dir, 'rotated.jpg');
    await sharp(pixels, { raw: { width: 4, height: 2, channels: 1 } })
      .jpeg({ quality: 100 })
      .withMetadata({ orientation: 6 })
      .toFile(file);
    const image = await readImage(file);
    expect(image.metadata.orientation).toBe(6);
    expect([image.width, image.height]).toEqual([2, 4]);
    // After a clockwise turn the white left column becomes the top row.
    expect(image.matrix.data[0]).toBeGreaterThan(0.8);
    expect(image.matrix.data[1]).toBeGreaterThan(0.8);
    expect(image.matrix.data[7]).toBeLessThan(0.2);
  });

  it('reads JPEG, WebP, TIFF, GIF (first frame) and AVIF', async () => {
    const base = sharp(testData('images/astronaut-256x256.png')).resize(64, 64);
    const files: Record<string, Buffer> = {
      jpeg: await base.clone().jpeg().toBuffer(),
      webp: await base.clone().webp().toBuffer(),
      tiff: await base.clone().tiff().toBuffer(),
      gif: await base.clone().gif().toBuffer(),
      heif: await base.clone().avif({ effort: 0 }).toBuffer(),
    };
    for (const [format, bytes] of Object.entries(files)) {
      const image = await readImage(bytes);
      expect(image.metadata.format, format).toBe(format);
      expect([image.width, image.height], format).toEqual([64, 64]);
    }
    // An animated GIF: two 8x8 frames (white, then black); the first one is read.
    const strip = Buffer.alloc(8 * 16 * 3, 0);
    strip.fill(255, 0, 8 * 8 * 3);
    const gif = await sharp(strip, { raw: { width: 8, height: 16, channels: 3, pageHeight: 8 } as never })
      .gif()
      .toBuffer();
    const first = await readImage(gif);
    expect([first.width, first.height, first.metadata.pages]).toEqual([8, 8, 2]);
    expect(first.matrix.data[0]).toBe(1);
  });
});

describe('readImage errors', () => {
  const expectMedia = async (promise: Promise<unknown>, pattern: RegExp) => {
    const error = await promise.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(MediaError);
    expect((error as Error).message).toMatch(pattern);
    return error as MediaError;
  };

  it('missing file', async () => {
    const e = await expectMedia(readImage(path.join(tmp.dir, 'nope.png')), /nope\.png: does not exist/);
    expect(e.code).toBe('MEDIA_ERROR');
  });
  it('a folder where a file was expected', async () => {
    await expectMedia(readImage(tmp.dir), /is a folder/);
  });
  it('0-byte file', async () => {
    const file = path.join(tmp.dir, 'empty.png');
    writeFileSync(file, '');
    await expectMedia(readImage(file), /empty \(0 bytes\)/);
  });
  it('a text file named .png', async () => {
    const file = path.join(tmp.dir, 'text.png');
    writeFileSync(file, 'this is not a picture\n');
    await expectMedia(readImage(file), /text\.png: is not an image format/);
  });
  it('truncated PNG and JPEG', async () => {
    const png = readFileSync(sample('camera.png'));
    const pngFile = path.join(tmp.dir, 'cut.png');
    writeFileSync(pngFile, png.subarray(0, png.length >> 1));
    await expectMedia(readImage(pngFile), /cut\.png: is truncated or corrupt/);
    const jpg = readFileSync(testData('cdnet-fall/input/in001460.jpg'));
    const jpgFile = path.join(tmp.dir, 'cut.jpg');
    writeFileSync(jpgFile, jpg.subarray(0, jpg.length >> 1));
    await expectMedia(readImage(jpgFile), /cut\.jpg: is truncated or corrupt/);
  });
  it('refuses a decompression bomb (header claims 100000 x 100000) before decoding', async () => {
    const small = await sharp(Buffer.from([0]), { raw: { width: 1, height: 1, channels: 1 } })
      .png()
      .toBuffer();
    const file = path.join(tmp.dir, 'bomb.png');
    writeFileSync(file, pngClaiming(small, 100_000, 100_000));
    const error = await readImage(file).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ResourceLimitError);
    expect((error as Error).message).toMatch(/bomb\.png is 100000 x 100000 .* over the limit/);
    // The limit is configurable: a 512 x 512 image is over a 1000-pixel limit.
    await expect(readImage(sample('camera.png'), { maxPixels: 1000 })).rejects.toBeInstanceOf(
      ResourceLimitError,
    );
  });
  it('bad options name the option', async () => {
    await expect(readImage(sample('camera.png'), { scale: 0 })).rejects.toBeInstanceOf(InvalidOptionError);
    await expect(readImage(sample('camera.png'), { mode: 'cmyk' as never })).rejects.toThrow(/"mode"/);
  });
  it('file names with spaces, quotes, unicode and a leading dash', async () => {
    const dir = path.join(tmp.dir, 'odd names');
    mkdirSync(dir);
    const name = `-x "it's" ünï 😀.png`;
    writeFileSync(path.join(dir, name), readFileSync(sample('camera.png')));
    const image = await readImage(path.join(dir, name));
    expect(image.width).toBe(512);
  });
});
