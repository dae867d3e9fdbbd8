import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { sample, tempDir } from './test-support.js';

// End to end through the built binary (turbo run build makes dist/ before the tests run).
const bin = fileURLToPath(new URL('../dist/bin.js', import.meta.url));
const camera = sample('camera.png');

function lowrank(args: string[], cwd = process.cwd()) {
  return spawnSync(process.execPath, [bin, ...args], { cwd, encoding: 'utf8' });
}

describe('the lowrank binary', () => {
  it('compress --json: exit 0 and exactly one JSON line on stdout', () => {
    const r = lowrank(['compress', camera, '--rank', '50', '--json']);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const lines = r.stdout.trim().split('\n');
    expect(lines).toHaveLength(1);
    const j = JSON.parse(lines[0]!);
    expect(j).toMatchObject({ width: 512, height: 512, rank: 50, storedNumbers: 50 * 1025 });
    // The article's classic figure: rank 50 of a 512 x 512 photo keeps about 20% of the numbers.
    expect(j.storedNumbers / j.originalNumbers).toBeCloseTo(0.1955, 3);
    expect(j.psnr).toBeGreaterThan(25);
  });

  it('bad input: exit 2 and one line on stderr naming the file, nothing on stdout', () => {
    const r = lowrank(['compress', 'no-such-image.png', '--json']);
    expect(r.status).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toContain('no-such-image.png');
  });

  it('no progress bar when stdout is not a terminal', () => {
    const r = lowrank(['compress', camera, '--rank', '5']);
    expect(r.status).toBe(0);
    expect(r.stderr).toBe('');
    expect(r.stdout).toContain('compression ratio');
  });

  it('Ctrl-C (SIGINT) cancels: exit 130 and no partial output folder', async () => {
    const dir = tempDir();
    const out = join(dir, 'out');
    const child = spawn(
      process.execPath,
      [bin, 'separate', sample('highway-traffic-320x240-cut.avi'), '--masks', '--out', out],
      { cwd: dir },
    );
    // Listening from the start: a child that ends early fails the test at once, not at its timeout.
    const closed = new Promise<number | null>((r) => child.on('close', r));
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    await new Promise((r) => setTimeout(r, 3000));
    child.kill('SIGINT');
    const code = await closed;
    expect(code).toBe(130);
    expect(stderr).toContain('cancelled');
    expect(existsSync(out)).toBe(false);
    expect(readdirSync(dir)).toEqual([]);
  });
});
