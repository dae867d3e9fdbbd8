import { randomBytes } from 'node:crypto';
import { access, mkdir, rename, rm } from 'node:fs/promises';
import { basename, dirname, extname, join } from 'node:path';

async function exists(path: string): Promise<boolean> {
  try {
    await access(path);
    return true;
  } catch {
    return false;
  }
}

/**
 * A path beside `source` that does not exist yet: `<name>-<suffix><ext>`, then `<name>-<suffix>-2<ext>`, ...
 * (never the source itself, never an existing file). The writer still refuses to overwrite, so a
 * file created in between makes the save fail instead of replacing it.
 */
export async function freeSiblingPath(source: string, suffix: string, extension: string): Promise<string> {
  const folder = dirname(source);
  const stem = basename(source, extname(source));
  for (let n = 1; n < 10_000; n++) {
    const candidate = join(folder, `${stem}-${suffix}${n === 1 ? '' : `-${n}`}${extension}`);
    if (!(await exists(candidate))) return candidate;
  }
  throw new Error(`No free file name like ${stem}-${suffix}${extension} in ${folder}.`);
}

/**
 * Runs `fill` on a hidden temporary folder beside `target`, then renames it to `target` (a new
 * folder, never merged into an existing one). On error or cancel the temporary folder is removed,
 * so no half-written output is left behind.
 */
export async function writeFolderAtomically<T>(
  target: string,
  fill: (temporary: string) => Promise<T>,
): Promise<T> {
  if (await exists(target)) throw new Error(`${target} already exists; refusing to write into it.`);
  const temporary = join(dirname(target), `.${basename(target)}.tmp-${randomBytes(4).toString('hex')}`);
  await mkdir(temporary);
  try {
    const result = await fill(temporary);
    await rename(temporary, target);
    return result;
  } catch (error) {
    await rm(temporary, { recursive: true, force: true });
    throw error;
  }
}
