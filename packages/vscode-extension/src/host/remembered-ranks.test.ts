import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { RememberedRanks } from './remembered-ranks.js';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function storage(): string {
  const dir = mkdtempSync(join(tmpdir(), 'lowrank-ranks-'));
  dirs.push(dir);
  return join(dir, 'global-storage'); // not created yet, as on a first run
}

describe('remembered ranks', () => {
  it('returns the last rank set for a file, across instances (a window reload)', () => {
    const dir = storage();
    const first = new RememberedRanks(dir);
    expect(first.get('file:///a.png')).toBeUndefined();
    first.set('file:///a.png', 68);
    first.set('file:///a.png', 70);
    first.set('file:///b.png', 5);
    const afterReload = new RememberedRanks(dir);
    expect(afterReload.get('file:///a.png')).toBe(70);
    expect(afterReload.get('file:///b.png')).toBe(5);
    expect(readdirSync(dir)).toEqual(['remembered-ranks.json']); // no temp file left behind
  });

  it('ignores invalid ranks and keeps at most 200 files, dropping the oldest', () => {
    const ranks = new RememberedRanks(storage());
    ranks.set('file:///x.png', 0);
    ranks.set('file:///x.png', 2.5);
    expect(ranks.get('file:///x.png')).toBeUndefined();
    for (let i = 0; i < 205; i++) ranks.set(`file:///${i}.png`, i + 1);
    expect(ranks.get('file:///0.png')).toBeUndefined();
    expect(ranks.get('file:///4.png')).toBeUndefined();
    expect(ranks.get('file:///5.png')).toBe(6);
    expect(ranks.get('file:///204.png')).toBe(205);
  });
});
