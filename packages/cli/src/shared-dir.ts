import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repo root: packages/cli/{src,dist}/ -> three levels up. */
export function repoRoot(): string {
  return resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
}

/**
 * The shared folder (holding data/ and bench/): env LOWRANK_SHARED_DIR, else `../shared` beside the
 * repo root (the layout CI uses too).
 */
export function sharedDir(env: Readonly<Record<string, string | undefined>>): string {
  const fromEnv = env.LOWRANK_SHARED_DIR;
  if (fromEnv) return resolve(fromEnv);
  return resolve(repoRoot(), '..', 'shared');
}

export function samplesDir(): string {
  return join(repoRoot(), 'samples');
}

export function sharedDataAvailable(env: Readonly<Record<string, string | undefined>>): boolean {
  return existsSync(join(sharedDir(env), 'data'));
}
