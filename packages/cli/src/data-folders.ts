import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

type Env = Readonly<Record<string, string | undefined>>;

/** The repo root: packages/cli/{src,dist}/ -> three levels up. */
export function repoRoot(): string {
  return resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
}

/** The small media bundled for `lowrank demo` (samples/ at the repo root). */
export function samplesDir(): string {
  return join(repoRoot(), 'samples');
}

/**
 * The full data set benchmarks read (images/, video/, cdnet-fall/, ...): env LOWRANK_DATA, else
 * `../shared/data` beside the repository. Tests never need it: they read test-data/ and samples/.
 */
export function dataDir(env: Env): string {
  return env.LOWRANK_DATA ? resolve(env.LOWRANK_DATA) : resolve(repoRoot(), '..', 'shared', 'data');
}

/**
 * The folder holding the numpy/scikit-learn reference script reference.py: env LOWRANK_BENCH, else
 * `../shared/bench` beside the repository.
 */
export function benchDir(env: Env): string {
  return env.LOWRANK_BENCH ? resolve(env.LOWRANK_BENCH) : resolve(repoRoot(), '..', 'shared', 'bench');
}

/** What to do when a data file is missing: where the data set goes, and what it holds. */
export function missingDataHint(folder: string): string {
  const where = existsSync(folder)
    ? `The data folder ${folder} lacks it`
    : `There is no data folder at ${folder}`;
  return (
    `${where}: put the data set there (images/camera.png, video/highway-traffic-320x240.avi, ...) ` +
    'or set LOWRANK_DATA=/path/to/data.'
  );
}
