import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { zeros } from '@lowrank/core';
import { readImage, writeImage } from '@lowrank/io';
import { beforeAll, describe, expect, it } from 'vitest';
import { main } from '../main.js';
import { captureIO, repoRootForTests, tempDir } from '../test-support.js';

let dir: string;
let image: string;

/** A 48 x 40 gray test picture: smooth gradients plus a bright square (rank well above 1). */
async function makeImage(file: string): Promise<void> {
  const m = zeros(40, 48);
  for (let i = 0; i < 40; i++)
    for (let j = 0; j < 48; j++) {
      const square = i > 10 && i < 25 && j > 15 && j < 35 ? 0.4 : 0;
      m.data[i * 48 + j] =
        0.2 + 0.3 * Math.sin(i / 6) * Math.cos(j / 9) + square + 0.05 * (((i * 7 + j * 13) % 5) / 5);
    }
  await writeImage(m, file);
}

async function run(args: string[]) {
  const io = captureIO({ cwd: dir });
  const code = await main(args, io);
  return { code, out: io.out(), err: io.err() };
}

beforeAll(async () => {
  dir = tempDir();
  image = join(dir, 'test.png');
  await makeImage(image);
  writeFileSync(join(dir, 'notes.png'), 'this is text, not an image\n');
});

describe('lowrank compress', () => {
  it('--rank K --json prints one JSON object with the documented fields', async () => {
    const r = await run(['compress', image, '--rank', '5', '--json']);
    expect(r.code).toBe(0);
    expect(r.err).toBe('');
    const lines = r.out.trim().split('\n');
    expect(lines).toHaveLength(1);
    const j = JSON.parse(lines[0]!);
    for (const key of [
      'input',
      'width',
      'height',
      'channels',
      'method',
      'rank',
      'storedNumbers',
      'originalNumbers',
      'compressionRatio',
      'relativeError',
      'psnr',
      'ssim',
      'seconds',
    ]) {
      expect(j).toHaveProperty(key);
    }
    expect(j).toMatchObject({ width: 48, height: 40, channels: 1, method: 'svd', rank: 5 });
    expect(j.storedNumbers).toBe(5 * (40 + 48 + 1));
    expect(j.originalNumbers).toBe(40 * 48);
    expect(j.compressionRatio).toBeCloseTo(1920 / 445, 12);
    expect(j.psnr).toBeGreaterThan(20);
    expect(j.relativeError).toBeLessThan(0.2);
  });

  it('the error falls and PSNR rises with the rank', async () => {
    const a = JSON.parse((await run(['compress', image, '--rank', '2', '--json'])).out);
    const b = JSON.parse((await run(['compress', image, '--rank', '10', '--json'])).out);
    expect(b.relativeError).toBeLessThan(a.relativeError);
    expect(b.psnr).toBeGreaterThan(a.psnr);
  });

  it('--energy, --target-psnr and --target-ratio choose the rank that meets them', async () => {
    const e = JSON.parse((await run(['compress', image, '--energy', '0.999', '--json'])).out);
    expect(e.energyKept).toBeGreaterThanOrEqual(0.999);
    const below = JSON.parse((await run(['compress', image, '--rank', String(e.rank - 1), '--json'])).out);
    expect(below.energyKept).toBeLessThan(0.999);
    const p = JSON.parse((await run(['compress', image, '--target-psnr', '35', '--json'])).out);
    expect(p.psnr).toBeGreaterThanOrEqual(35);
    const t = JSON.parse((await run(['compress', image, '--target-ratio', '4', '--json'])).out);
    expect(t.compressionRatio).toBeGreaterThanOrEqual(4);
    expect(t.rank).toBe(Math.floor(1920 / (4 * 89)));
  });

  it('--color compresses three channels of a colour image, and one of a gray image', async () => {
    const colour = join(dir, 'colour.png');
    const base = (await readImage(image)).matrix;
    const tint = (gain: number) => ({
      ...base,
      data: base.data.map((v, k) => Math.min(1, v * gain + (k % 7) / 70)),
    });
    await writeImage([tint(1), tint(0.8), tint(0.5)], colour);
    const j = JSON.parse((await run(['compress', colour, '--rank', '3', '--color', '--json'])).out);
    expect(j.channels).toBe(3);
    expect(j.storedNumbers).toBe(3 * 3 * 89);
    const gray = JSON.parse((await run(['compress', image, '--rank', '3', '--color', '--json'])).out);
    expect(gray.channels).toBe(1);
    expect(gray.storedNumbers).toBe(3 * 89);
  });

  it('--sweep adds a rate-distortion row per rank with JPEG and WebP at about the same size', async () => {
    const j = JSON.parse((await run(['compress', image, '--sweep', '2,8', '--json'])).out);
    expect(j.sweep.map((s: { rank: number }) => s.rank)).toEqual([2, 8]);
    for (const s of j.sweep) {
      expect(s.jpeg.bytes).toBeGreaterThan(0);
      expect(s.webp.psnr).toBeGreaterThan(0);
      expect(['svd', 'jpeg', 'webp']).toContain(s.best);
    }
    expect(j.sweepNote).toMatch(/one byte per stored number/);
  });

  it('--out writes the reconstruction PNG and never overwrites without --force', async () => {
    const out = join(dir, 'rec.png');
    expect((await run(['compress', image, '--rank', '4', '--out', out, '--json'])).code).toBe(0);
    const rec = await readImage(out);
    expect([rec.width, rec.height]).toEqual([48, 40]);
    const again = await run(['compress', image, '--rank', '4', '--out', out]);
    expect(again.code).toBe(2);
    expect(again.err).toContain(`${out}: already exists`);
    expect((await run(['compress', image, '--rank', '4', '--out', out, '--force'])).code).toBe(0);
    expect(readdirSync(dir).filter((f) => f.includes('partial'))).toEqual([]);
    const self = await run(['compress', image, '--rank', '4', '--out', image, '--force']);
    expect(self.code).toBe(2);
    expect(self.err).toContain('--out');
  });

  it('prints a human summary without --json', async () => {
    const r = await run(['compress', image, '--rank', '3']);
    expect(r.code).toBe(0);
    expect(r.out).toContain('compression ratio');
    expect(r.out).toContain('PSNR');
  });

  const bad: [string, string[], RegExp][] = [
    ['missing file', ['missing.png'], /missing\.png/],
    ['text file as image', ['notes.png'], /notes\.png/],
    ['rank zero', ['test.png', '--rank', '0'], /"--rank": 0 is out of range/],
    ['rank not a number', ['test.png', '--rank', 'ten'], /"--rank": expected an integer/],
    [
      'rank above min(width, height)',
      ['test.png', '--rank', '41'],
      /"--rank": 41 is larger than min\(width, height\) = 40/,
    ],
    ['unknown method', ['test.png', '--method', 'magic'], /"--method": "magic" is not a known method/],
    ['unknown flag', ['test.png', '--rnak', '3'], /"--rnak": is not a flag of lowrank compress/],
    [
      'conflicting rank flags',
      ['test.png', '--rank', '3', '--energy', '0.9'],
      /"--energy": conflicts with --rank/,
    ],
    ['energy out of range', ['test.png', '--energy', '1.5'], /"--energy"/],
    ['no image', [], /needs an image file/],
    ['bad sweep', ['test.png', '--sweep', '2,x'], /"--sweep"/],
    [
      'separate-only method',
      ['test.png', '--method', 'rpca'],
      /"--method": "rpca" gives a low-rank-plus-sparse result/,
    ],
  ];
  for (const [what, args, message] of bad) {
    it(`exits 2 with a one-line error for ${what}`, async () => {
      const r = await run(['compress', ...args]);
      expect(r.code).toBe(2);
      expect(r.out).toBe('');
      const lines = r.err.trim().split('\n');
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatch(message);
    });
  }

  it("--help lists the flags and the method's own flags with defaults", async () => {
    const r = await run(['compress', '--help', '--method', 'randomized-svd']);
    expect(r.code).toBe(0);
    expect(r.out).toContain('--target-psnr DB');
    expect(r.out).toContain('Flags of method "randomized-svd"');
    expect(r.out).toMatch(/\(default: /);
  });

  it('loads a plugin package folder with --plugin and runs its method (nmf)', async () => {
    const plugin = resolve(repoRootForTests, 'examples/nmf-plugin');
    const r = await run([
      'compress',
      image,
      '--plugin',
      plugin,
      '--method',
      'nmf',
      '--rank',
      '4',
      '--max-iterations',
      '300',
      '--json',
    ]);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    const j = JSON.parse(r.out);
    expect(j).toMatchObject({ method: 'nmf', rank: 4, storedNumbers: 4 * (40 + 48) });
    expect(j.relativeError).toBeLessThan(0.2);
    const bad = await run([
      'compress',
      image,
      '--plugin',
      plugin,
      '--method',
      'nmf',
      '--max-iterations',
      '0',
    ]);
    expect(bad.code).toBe(2);
    expect(bad.err).toContain('"--max-iterations"');
    const help = await run(['compress', '--plugin', plugin, '--method', 'nmf', '--help']);
    expect(help.out).toContain('--max-iterations N');
    expect(help.out).toContain('(default: 200)');
  });

  it('refuses a --plugin that does not exist, with exit 2', async () => {
    const r = await run(['compress', image, '--plugin', './no-such-plugin']);
    expect(r.code).toBe(2);
    expect(r.err).toContain('no-such-plugin');
  });

  it('leaves no output when cancelled', async () => {
    const controller = new AbortController();
    controller.abort(new Error('test'));
    const io = captureIO({ cwd: dir, signal: controller.signal });
    const out = join(dir, 'cancelled.png');
    expect(await main(['compress', image, '--rank', '3', '--out', out], io)).toBe(130);
    expect(existsSync(out)).toBe(false);
    expect(io.err()).toContain('cancelled');
  });
});
