import { chmodSync, cpSync, existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { main } from '../main.js';
import { captureIO, sample, tempDir, testData } from '../test-support.js';

const tinyVideo = sample('tiny-traffic-48x48.avi');
let dir: string;

async function run(args: string[], signal?: AbortSignal) {
  const io = captureIO({ cwd: dir, ...(signal ? { signal } : {}) });
  const code = await main(args, io);
  return { code, out: io.out(), err: io.err() };
}

beforeAll(() => {
  dir = tempDir();
  // A small frames folder: 6 CDnet frames, copied so the default output lands in a writable place.
  mkdirSync(join(dir, 'frames'));
  const input = testData('cdnet-fall/input');
  for (const name of readdirSync(input).sort().slice(0, 6))
    cpSync(join(input, name), join(dir, 'frames', name));
});

describe('lowrank separate', () => {
  it('splits a video with rpca and writes every output atomically', async () => {
    const out = join(dir, 'tiny-out');
    const r = await run(['separate', tinyVideo, '--masks', '--out', out, '--json']);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    const j = JSON.parse(r.out);
    for (const key of [
      'input',
      'frames',
      'width',
      'height',
      'method',
      'rank',
      'iterations',
      'converged',
      'residual',
      'decodeSeconds',
      'factorizeSeconds',
      'seconds',
      'outDir',
    ]) {
      expect(j).toHaveProperty(key);
    }
    expect(j).toMatchObject({ frames: 51, width: 48, height: 48, method: 'rpca', outDir: out });
    expect(j.rank).toBeGreaterThanOrEqual(1);
    for (const f of ['background.mp4', 'foreground.mp4', 'matrix.png', 'summary.json'])
      expect(existsSync(join(out, f))).toBe(true);
    const masks = readdirSync(join(out, 'masks')).sort();
    expect(masks).toHaveLength(51);
    expect(masks[0]).toBe('frame-000001.png');
    expect(masks[50]).toBe('frame-000051.png');
    expect(JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8'))).toMatchObject({
      frames: 51,
      method: 'rpca',
    });
    expect(readdirSync(dir).filter((f) => f.includes('partial'))).toEqual([]);
  });

  it('refuses an existing output folder unless --force', async () => {
    const out = join(dir, 'exists-out');
    mkdirSync(out);
    const r = await run(['separate', tinyVideo, '--method', 'svd-background', '--out', out]);
    expect(r.code).toBe(2);
    expect(r.err).toContain(`${out}: already exists`);
    const forced = await run([
      'separate',
      tinyVideo,
      '--method',
      'svd-background',
      '--rank',
      '2',
      '--out',
      out,
      '--force',
      '--json',
    ]);
    expect(forced.code).toBe(0);
    expect(JSON.parse(forced.out)).toMatchObject({ method: 'svd-background', rank: 2 });
    expect(existsSync(join(out, 'background.mp4'))).toBe(true);
  });

  it('names masks after the input frames for a frames folder, honours --start/--count, and writes beside the folder', async () => {
    const r = await run([
      'separate',
      'frames',
      '--method',
      'svd-background',
      '--start',
      '1',
      '--count',
      '4',
      '--scale',
      '0.125',
      '--masks',
      '--json',
    ]);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    const j = JSON.parse(r.out);
    expect(j.outDir).toBe(join(dir, 'frames-lowrank'));
    expect(j).toMatchObject({ frames: 4, width: 90, height: 60 });
    const inputs = readdirSync(join(dir, 'frames')).sort();
    expect(readdirSync(join(dir, 'frames-lowrank', 'masks')).sort()).toEqual(
      inputs.slice(1, 5).map((n) => n.replace(/\.jpg$/, '.png')),
    );
    expect(readdirSync(join(dir, 'frames')).sort()).toEqual(inputs);
  });

  it('writes to the working directory when the folder beside the input is marked read-only', async () => {
    mkdirSync(join(dir, 'shared', 'clip'), { recursive: true });
    const input = testData('cdnet-fall/input');
    for (const name of readdirSync(input).sort().slice(0, 3))
      cpSync(join(input, name), join(dir, 'shared', 'clip', name));
    chmodSync(join(dir, 'shared'), 0o555);
    try {
      const r = await run([
        'separate',
        'shared/clip',
        '--method',
        'svd-background',
        '--rank',
        '1',
        '--scale',
        '0.1',
        '--json',
      ]);
      expect(r.code).toBe(0);
      expect(JSON.parse(r.out).outDir).toBe(join(dir, 'clip-lowrank'));
      expect(r.err).toContain('is read-only; writing to');
      expect(readdirSync(join(dir, 'shared'))).toEqual(['clip']);
    } finally {
      chmodSync(join(dir, 'shared'), 0o755);
    }
  });

  it('uses a low-rank method too (S = M - L), at rank 2 when its own default is auto', async () => {
    const r = await run([
      'separate',
      tinyVideo,
      '--method',
      'svd',
      '--count',
      '10',
      '--out',
      join(dir, 'svd-out'),
      '--json',
    ]);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.out)).toMatchObject({ method: 'svd', rank: 2, frames: 10 });
  });

  it('refuses a run over --memory-budget with advice naming flags that exist, which then run', async () => {
    // 148 frames of 320 x 240: robust PCA's estimate is about 0.7 GB, the stream's under 0.2 GB.
    const highway = sample('highway-traffic-320x240-cut.avi');
    const budget = ['--memory-budget', '300'];
    const refused = await run(['separate', highway, '--method', 'rpca', ...budget, '--out', join(dir, 'no')]);
    expect(refused.code).toBe(2);
    const advice = /Use (.*); or raise --memory-budget MB/.exec(refused.err)?.[1];
    const named =
      /^--scale ([\d.]+), --count (\d+) or --method streaming-rpca \(any length, in constant memory\)$/.exec(
        advice ?? '',
      );
    expect(named, refused.err).not.toBeNull();
    expect(existsSync(join(dir, 'no'))).toBe(false);
    // Followed literally, each fits the same budget and runs.
    const scaled = await run([
      'separate',
      highway,
      '--method',
      'rpca',
      '--scale',
      named![1]!,
      ...budget,
      '--masks-only',
      '--out',
      join(dir, 'scaled'),
      '--json',
    ]);
    expect(scaled.err).toBe('');
    expect(JSON.parse(scaled.out)).toMatchObject({ method: 'rpca', frames: 148 });
    const streamed = await run([
      'separate',
      highway,
      '--method',
      'streaming-rpca',
      ...budget,
      '--masks-only',
      '--out',
      join(dir, 'streamed'),
      '--json',
    ]);
    expect(streamed.err).toBe('');
    expect(JSON.parse(streamed.out)).toMatchObject({ method: 'streaming-rpca', frames: 148 });
  }, 300_000);

  it('refuses an output folder inside the frames folder', async () => {
    const r = await run(['separate', 'frames', '--out', 'frames/out', '--count', '3']);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/"--out".*inside the frames folder/);
  });

  const bad: [string, string[], RegExp][] = [
    ['missing input', ['nothing.avi'], /nothing\.avi: no such file or folder/],
    [
      'rank for a method without rank',
      [tinyVideo, '--rank', '2'],
      /"--rank": method "rpca" has no rank option/,
    ],
    ['bad scale', [tinyVideo, '--scale', '2'], /"--scale"/],
    ['bad count', [tinyVideo, '--count', '1'], /"--count"/],
    ['unknown method', [tinyVideo, '--method', 'nope'], /"--method": "nope" is not a known method/],
    ['unknown plugin flag', [tinyVideo, '--lamda', '0.1'], /"--lamda": is not a flag of lowrank separate/],
    ['bad plugin option', [tinyVideo, '--rho', '0.5', '--out', 'x'], /"--rho"/],
  ];
  for (const [what, args, message] of bad) {
    it(`exits 2 with a one-line error for ${what}`, async () => {
      const r = await run(['separate', ...args]);
      expect(r.code).toBe(2);
      expect(r.out).toBe('');
      expect(r.err.trim().split('\n')).toHaveLength(1);
      expect(r.err).toMatch(message);
    });
  }

  it('leaves nothing behind when cancelled mid-run', async () => {
    const controller = new AbortController();
    const out = join(dir, 'cancel-out');
    const io = captureIO({ cwd: dir, signal: controller.signal });
    const pending = main(['separate', tinyVideo, '--masks', '--out', out], io);
    setTimeout(() => controller.abort(new Error('test')), 50);
    expect(await pending).toBe(130);
    expect(existsSync(out)).toBe(false);
    expect(readdirSync(dir).filter((f) => f.startsWith('cancel-out'))).toEqual([]);
  });
});
