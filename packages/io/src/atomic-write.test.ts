import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { AbortError, OutputExistsError } from '@lowrank/core';
import { afterAll, describe, expect, it } from 'vitest';
import { createAtomicOutputDir, writeDirAtomic, writeFileAtomic } from './atomic-write.js';
import { listing, sample, tempDir, testData } from './test-helpers.js';

const tmp = tempDir();
afterAll(tmp.cleanup);

describe('writeFileAtomic', () => {
  it('writes, refuses to overwrite, overwrites when asked, leaves no temporary files', async () => {
    const dir = path.join(tmp.dir, 'files');
    mkdirSync(dir);
    const file = path.join(dir, 'a.txt');
    await writeFileAtomic(file, 'one');
    await expect(writeFileAtomic(file, 'two')).rejects.toBeInstanceOf(OutputExistsError);
    expect(readFileSync(file, 'utf8')).toBe('one');
    await writeFileAtomic(file, 'three', { overwrite: true });
    expect(readFileSync(file, 'utf8')).toBe('three');
    expect(listing(dir)).toEqual(['a.txt']);
  });

  it('an aborted write leaves nothing', async () => {
    const dir = path.join(tmp.dir, 'aborted');
    mkdirSync(dir);
    const controller = new AbortController();
    const big = new Uint8Array(64 << 20);
    const pending = writeFileAtomic(path.join(dir, 'big.bin'), big, { signal: controller.signal });
    controller.abort();
    const error = await pending.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AbortError);
    expect(listing(dir)).toEqual([]);
  });
});

describe('atomic output folders', () => {
  it('fills <dir>.partial-<random> and renames it on commit', async () => {
    const target = path.join(tmp.dir, 'out');
    const out = await createAtomicOutputDir(target);
    expect(path.basename(out.path)).toMatch(/^out\.partial-[0-9a-f]+$/);
    writeFileSync(path.join(out.path, 'mask-1.png'), 'x');
    expect(existsSync(target)).toBe(false);
    await out.commit();
    expect(listing(target)).toEqual(['mask-1.png']);
    expect(listing(tmp.dir).filter((n) => n.includes('partial'))).toEqual([]);
  });

  it('refuses an existing folder unless overwrite; a failing fill leaves nothing', async () => {
    const target = path.join(tmp.dir, 'out2');
    mkdirSync(target);
    writeFileSync(path.join(target, 'old.txt'), 'old');
    await expect(createAtomicOutputDir(target)).rejects.toBeInstanceOf(OutputExistsError);
    await expect(
      writeDirAtomic(
        target,
        async (dir) => {
          writeFileSync(path.join(dir, 'half.txt'), 'half');
          throw new AbortError();
        },
        { overwrite: true },
      ),
    ).rejects.toBeInstanceOf(AbortError);
    expect(listing(target)).toEqual(['old.txt']);
    await writeDirAtomic(target, async (dir) => writeFileSync(path.join(dir, 'new.txt'), 'new'), {
      overwrite: true,
    });
    expect(listing(target)).toEqual(['new.txt']);
    expect(listing(tmp.dir).filter((n) => n.startsWith('out2.'))).toEqual([]);
  });

  it('refuses an output folder that contains the input', async () => {
    const target = path.join(tmp.dir, 'frames');
    mkdirSync(target);
    const input = path.join(target, 'in.png');
    writeFileSync(input, 'x');
    await expect(createAtomicOutputDir(target, { overwrite: true, protect: [input] })).rejects.toThrow(
      /contains the input/,
    );
  });
});

describe('detectMediaKind', () => {
  it('tells folders, images and videos apart', async () => {
    const { detectMediaKind } = await import('./media-input.js');
    expect(await detectMediaKind(testData('cdnet-fall/input'))).toBe('folder');
    expect(await detectMediaKind(sample('camera.png'))).toBe('image');
    expect(await detectMediaKind(testData('cdnet-fall/input/in001460.jpg'))).toBe('image');
    expect(await detectMediaKind(sample('tiny-traffic-48x48.avi'))).toBe('video');
    await expect(detectMediaKind(testData('nope.avi'))).rejects.toThrow(/does not exist/);
  });
});
