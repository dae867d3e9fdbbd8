import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { freeSiblingPath, writeFolderAtomically } from './output-names.js';

let dir = '';
afterEach(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('freeSiblingPath', () => {
  it('picks the first name that does not exist', async () => {
    dir = mkdtempSync(join(tmpdir(), 'lowrank-names-'));
    const source = join(dir, 'photo.JPG');
    writeFileSync(source, 'x');
    expect(await freeSiblingPath(source, 'svd-rank5', '.png')).toBe(join(dir, 'photo-svd-rank5.png'));
    writeFileSync(join(dir, 'photo-svd-rank5.png'), 'taken');
    writeFileSync(join(dir, 'photo-svd-rank5-2.png'), 'taken');
    expect(await freeSiblingPath(source, 'svd-rank5', '.png')).toBe(join(dir, 'photo-svd-rank5-3.png'));
  });
});

describe('writeFolderAtomically', () => {
  it('renames the filled temporary folder into place', async () => {
    dir = mkdtempSync(join(tmpdir(), 'lowrank-folder-'));
    const target = join(dir, 'out');
    await writeFolderAtomically(target, async (temporary) => writeFileSync(join(temporary, 'a.txt'), 'a'));
    expect(readdirSync(target)).toEqual(['a.txt']);
    expect(readdirSync(dir)).toEqual(['out']);
  });

  it('leaves nothing behind when filling fails', async () => {
    dir = mkdtempSync(join(tmpdir(), 'lowrank-folder-'));
    const target = join(dir, 'out');
    await expect(
      writeFolderAtomically(target, async (temporary) => {
        writeFileSync(join(temporary, 'half.mp4'), 'partial');
        throw new Error('cancelled');
      }),
    ).rejects.toThrow('cancelled');
    expect(readdirSync(dir)).toEqual([]);
  });

  it('refuses an existing target', async () => {
    dir = mkdtempSync(join(tmpdir(), 'lowrank-folder-'));
    const target = join(dir, 'out');
    writeFileSync(target, 'mine');
    await expect(writeFolderAtomically(target, async () => undefined)).rejects.toThrow(/already exists/);
    expect(existsSync(target)).toBe(true);
  });
});
