import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { benchDir, dataDir, missingDataHint, repoRoot } from './data-folders.js';
import { main } from './main.js';
import { captureIO, tempDir } from './test-support.js';

describe('data folders', () => {
  it('default to ../shared/data and ../shared/bench beside the repository; env LOWRANK_DATA / LOWRANK_BENCH win', () => {
    const beside = resolve(repoRoot(), '..', 'shared');
    expect(dataDir({})).toBe(join(beside, 'data'));
    expect(benchDir({})).toBe(join(beside, 'bench'));
    expect(dataDir({ LOWRANK_DATA: '/data/lowrank/' })).toBe('/data/lowrank');
    expect(benchDir({ LOWRANK_BENCH: 'relative/bench' })).toBe(resolve('relative/bench'));
  });

  it('say where the data set goes when it is missing', () => {
    const empty = tempDir();
    expect(missingDataHint(join(empty, 'absent'))).toBe(
      `There is no data folder at ${join(empty, 'absent')}: put the data set there (images/camera.png, video/highway-traffic-320x240.avi, ...) or set LOWRANK_DATA=/path/to/data.`,
    );
    expect(missingDataHint(empty)).toMatch(new RegExp(`^The data folder ${empty} lacks it: .*LOWRANK_DATA=`));
  });

  it('lowrank bench without the data set: each case fails naming the file and the variable, exit 1', async () => {
    const missing = join(tempDir(), 'no-data');
    const io = captureIO({ env: { LOWRANK_DATA: missing, LOWRANK_BENCH: missing } });
    expect(await main(['bench', '--filter', 'svd-camera-exact', '--repeat', '1'], io)).toBe(1);
    expect(io.out()).toBe('');
    const lines = io.err().trim().split('\n');
    expect(lines[0]).toBe(`bench: ${missingDataHint(missing)}`);
    expect(io.err()).toContain(`${join(missing, 'images', 'camera.png')}: not found.`);
  });
});
