import { randomBytes } from 'node:crypto';
import { promises as fs, type Stats } from 'node:fs';
import path from 'node:path';
import { MediaError, OutputExistsError, throwIfAborted } from '@lowrank/core';
import { releaseTemporaryPath, trackTemporaryPath } from './temporary-paths.js';

export interface AtomicWriteOptions {
  /** Replace an existing file at the destination. Default false: refuse with OutputExistsError. */
  overwrite?: boolean;
  /** Files that must never be replaced (the inputs), even with overwrite: true. */
  protect?: readonly string[];
  signal?: AbortSignal;
}

function randomSuffix(): string {
  return randomBytes(6).toString('hex');
}

/** The hidden temporary name used beside `target` while it is being written. */
export function temporaryPathFor(target: string, extension = ''): string {
  const dir = path.dirname(target);
  return path.join(dir, `.${path.basename(target)}.partial-${randomSuffix()}${extension}`);
}

async function realOrResolved(file: string): Promise<string> {
  try {
    return await fs.realpath(file);
  } catch {
    // The file may not exist yet: resolve its folder instead so symlinked folders still compare equal.
    try {
      return path.join(await fs.realpath(path.dirname(path.resolve(file))), path.basename(file));
    } catch {
      return path.resolve(file);
    }
  }
}

/** Same file on disk (following symlinks and hard links)? */
async function sameFile(a: string, b: string): Promise<boolean> {
  if ((await realOrResolved(a)) === (await realOrResolved(b))) return true;
  try {
    const [sa, sb] = await Promise.all([fs.stat(a), fs.stat(b)]);
    return sa.dev === sb.dev && sa.ino === sb.ino;
  } catch {
    return false;
  }
}

/**
 * Checks that `target` may be written: its folder exists and is a folder, it is not one of the
 * protected inputs, and it does not exist unless overwrite is set. Throws typed errors.
 */
export async function checkOutputPath(target: string, options: AtomicWriteOptions = {}): Promise<void> {
  for (const input of options.protect ?? []) {
    if (await sameFile(input, target)) {
      throw new OutputExistsError(
        target,
        'is the input file; writing there would destroy the source media.',
        'Choose a different output path (the input is never overwritten, even with --force).',
      );
    }
  }
  const dir = path.dirname(path.resolve(target));
  let dirStat: Stats;
  try {
    dirStat = await fs.stat(dir);
  } catch (error) {
    throw new MediaError(target, `the output folder ${dir} does not exist.`, {
      hint: 'Create the folder first or choose another output path.',
      cause: error,
    });
  }
  if (!dirStat.isDirectory()) {
    throw new MediaError(target, `${dir} is not a folder.`, {
      hint: 'Choose an output path inside a folder.',
    });
  }
  await assertWritableFolder(dir, target);
  const existing = await fs.lstat(target).catch(() => undefined);
  if (existing === undefined) return;
  if (existing.isDirectory()) {
    throw new OutputExistsError(
      target,
      'is a folder; a file cannot replace it.',
      'Choose a file name for the output.',
    );
  }
  if (!options.overwrite) throw new OutputExistsError(target);
}

/**
 * Refuses a folder we cannot write in, before any work: one without a write bit counts as
 * read-only even for root (a shared data set), which access() alone would let through.
 */
export async function assertWritableFolder(dir: string, target: string = dir): Promise<void> {
  let writable = true;
  try {
    await fs.access(dir, fs.constants.W_OK);
    writable = ((await fs.stat(dir)).mode & 0o222) !== 0;
  } catch {
    writable = false;
  }
  if (!writable) {
    throw new MediaError(target, `cannot write in ${dir} (read-only or permission denied).`, {
      hint: 'Choose an output folder you can write to.',
    });
  }
}

function writeFailure(target: string, error: unknown): MediaError {
  const code = (error as NodeJS.ErrnoException).code;
  const dir = path.dirname(path.resolve(target));
  if (code === 'EACCES' || code === 'EPERM' || code === 'EROFS') {
    return new MediaError(target, `cannot write in ${dir} (${code}: permission denied or read-only).`, {
      hint: 'Choose an output folder you can write to.',
      cause: error,
    });
  }
  if (code === 'ENOSPC') {
    return new MediaError(target, 'the disk is full.', {
      hint: 'Free some space or write elsewhere.',
      cause: error,
    });
  }
  return new MediaError(target, `could not be written (${code ?? (error as Error).message}).`, {
    cause: error,
  });
}

/**
 * Moves a finished temporary file to `target`. Without overwrite it uses link() + unlink(), which
 * fails atomically if something appeared at `target` meanwhile; with overwrite, rename().
 */
export async function commitTemporaryFile(
  temporary: string,
  target: string,
  overwrite: boolean,
): Promise<void> {
  if (overwrite) {
    await fs.rename(temporary, target);
    return;
  }
  try {
    await fs.link(temporary, target);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') throw new OutputExistsError(target);
    // Some file systems have no hard links: fall back to check-then-rename (a tiny race window).
    if (code === 'EPERM' || code === 'ENOTSUP' || code === 'EOPNOTSUPP' || code === 'EXDEV') {
      try {
        await fs.lstat(target);
        throw new OutputExistsError(target);
      } catch (inner) {
        if (inner instanceof OutputExistsError) throw inner;
      }
      await fs.rename(temporary, target);
      return;
    }
    throw error;
  }
  await fs.unlink(temporary);
}

/**
 * Writes `data` to `target` atomically: into a hidden temporary file in the same folder, then
 * renamed into place. Refuses to overwrite unless asked, never replaces a protected input, and
 * leaves nothing behind on error or cancel.
 */
export async function writeFileAtomic(
  target: string,
  data: Uint8Array | string,
  options: AtomicWriteOptions = {},
): Promise<void> {
  throwIfAborted(options.signal);
  await checkOutputPath(target, options);
  await withTemporaryFile(target, options, async (temporary) => {
    try {
      await fs.writeFile(temporary, data, { flag: 'wx', signal: options.signal });
    } catch (error) {
      throwIfAborted(options.signal);
      throw writeFailure(target, error);
    }
  });
}

/**
 * Runs `produce(temporaryPath)` (which must create the file), then moves it to `target`. The
 * temporary file is removed if `produce` throws or the signal aborts. Call checkOutputPath first.
 */
export async function withTemporaryFile(
  target: string,
  options: AtomicWriteOptions,
  produce: (temporary: string) => Promise<void>,
  extension = '',
): Promise<void> {
  const temporary = temporaryPathFor(target, extension);
  trackTemporaryPath(temporary);
  try {
    await produce(temporary);
    throwIfAborted(options.signal);
    try {
      await commitTemporaryFile(temporary, target, options.overwrite ?? false);
    } catch (error) {
      if (error instanceof OutputExistsError) throw error;
      throw writeFailure(target, error);
    }
  } finally {
    await fs.rm(temporary, { force: true }).catch(() => undefined);
    releaseTemporaryPath(temporary);
  }
}

/** A folder being filled; visible under its final name only after commit(). */
export interface AtomicOutputDir {
  /** Where to write now: `<dir>.partial-<random>` beside the final folder. */
  readonly path: string;
  /** The final folder name. */
  readonly target: string;
  /** Moves the finished folder into place (replacing an old one only with overwrite). */
  commit(): Promise<string>;
  /** Removes the partial folder and everything in it. Safe to call twice or after commit. */
  abort(): Promise<void>;
}

/**
 * Starts writing a folder of outputs atomically: files go into `<dir>.partial-<random>`, and
 * commit() renames it to `dir`. With overwrite, an existing `dir` is swapped out and removed
 * only after the new one is in place.
 */
export async function createAtomicOutputDir(
  dir: string,
  options: AtomicWriteOptions = {},
): Promise<AtomicOutputDir> {
  throwIfAborted(options.signal);
  const target = path.resolve(dir);
  for (const input of options.protect ?? []) {
    const resolvedInput = await realOrResolved(input);
    const resolvedTarget = await realOrResolved(target);
    if (resolvedInput === resolvedTarget || resolvedInput.startsWith(resolvedTarget + path.sep)) {
      throw new OutputExistsError(
        dir,
        'contains the input; replacing it would destroy the source media.',
        'Choose a different output folder.',
      );
    }
  }
  const parent = path.dirname(target);
  try {
    if (!(await fs.stat(parent)).isDirectory()) throw new Error('not a folder');
  } catch (error) {
    throw new MediaError(dir, `the parent folder ${parent} does not exist or is not a folder.`, {
      hint: 'Create it first or choose another output folder.',
      cause: error,
    });
  }
  await assertWritableFolder(parent, dir);
  const exists = await fs.lstat(target).then(
    () => true,
    () => false,
  );
  if (exists && !options.overwrite) throw new OutputExistsError(dir);
  const partial = `${target}.partial-${randomSuffix()}`;
  try {
    await fs.mkdir(partial);
  } catch (error) {
    throw writeFailure(dir, error);
  }
  trackTemporaryPath(partial);
  let done = false;
  return {
    path: partial,
    target,
    async commit() {
      if (done) throw new MediaError(dir, 'was already committed or aborted.');
      throwIfAborted(options.signal);
      const nowExists = await fs.lstat(target).then(
        () => true,
        () => false,
      );
      if (nowExists && !options.overwrite) {
        await fs.rm(partial, { recursive: true, force: true });
        done = true;
        releaseTemporaryPath(partial);
        throw new OutputExistsError(dir);
      }
      if (nowExists) {
        const old = `${target}.old-${randomSuffix()}`;
        await fs.rename(target, old);
        try {
          await fs.rename(partial, target);
        } catch (error) {
          await fs.rename(old, target).catch(() => undefined);
          throw writeFailure(dir, error);
        }
        await fs.rm(old, { recursive: true, force: true });
      } else {
        await fs.rename(partial, target);
      }
      done = true;
      releaseTemporaryPath(partial);
      return target;
    },
    async abort() {
      if (done) return;
      done = true;
      await fs.rm(partial, { recursive: true, force: true });
      releaseTemporaryPath(partial);
    },
  };
}

/** Fills a folder atomically: runs `fill(partialPath)`, commits on success, removes it on failure. */
export async function writeDirAtomic(
  dir: string,
  fill: (partialPath: string) => Promise<void>,
  options: AtomicWriteOptions = {},
): Promise<string> {
  const out = await createAtomicOutputDir(dir, options);
  try {
    await fill(out.path);
    return await out.commit();
  } catch (error) {
    await out.abort();
    throw error;
  }
}
