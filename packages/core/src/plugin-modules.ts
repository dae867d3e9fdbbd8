import type { Stats } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { isAbsolute, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { InvalidPluginError } from './errors.js';
import type { AnyFactorizer } from './factorizer.js';
import { checkFactorizerShape } from './plugin-shape.js';

/**
 * Plugin modules as users name them: a package name (`@acme/lowrank-nmf`, resolved from `cwd`, so a
 * plugin installed in the user's project is found wherever Lowrank itself is installed), a package
 * folder (`./examples/nmf-plugin`: ESM cannot import a folder, so its package.json's "exports" "." or
 * "main" is followed), or a .js file. Used by the CLI's --plugin and VS Code's lowrank.plugins alike.
 */
function isPathSpecifier(specifier: string): boolean {
  return specifier.startsWith('.') || isAbsolute(specifier);
}

/** What import() should load for `specifier`: an absolute file path, or the bare name as given. */
export async function resolvePluginSpecifier(specifier: string, cwd: string): Promise<string> {
  if (!isPathSpecifier(specifier)) {
    try {
      return createRequire(join(cwd, '__lowrank_resolve__.js')).resolve(specifier);
    } catch {
      return specifier; // let import() try it (and report it)
    }
  }
  const path = resolve(cwd, specifier);
  let info: Stats;
  try {
    info = await stat(path);
  } catch {
    throw new InvalidPluginError(undefined, `${specifier}: no such file or folder (looked in ${cwd}).`, {
      hint: 'Give the path of a plugin package folder or of its built .js entry file.',
    });
  }
  if (!info.isDirectory()) return path;
  let manifest: { exports?: unknown; main?: unknown };
  try {
    manifest = JSON.parse(await readFile(join(path, 'package.json'), 'utf8')) as typeof manifest;
  } catch {
    const index = join(path, 'index.js');
    if (await isFile(index)) return index;
    throw new InvalidPluginError(undefined, `${specifier}: a folder without package.json or index.js.`, {
      hint: 'Point at the plugin package folder (the one holding its package.json) or at its .js entry file.',
    });
  }
  const entry =
    exportEntry(manifest.exports) ?? (typeof manifest.main === 'string' ? manifest.main : 'index.js');
  const file = resolve(path, entry);
  if (!(await isFile(file))) {
    throw new InvalidPluginError(
      undefined,
      `${specifier}: its package.json points at ${entry}, which does not exist.`,
      { hint: 'Build the plugin first (for example `npm run build` in its folder).' },
    );
  }
  return file;
}

async function isFile(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isFile();
  } catch {
    return false;
  }
}

function exportEntry(exports: unknown): string | undefined {
  if (typeof exports === 'string') return exports;
  if (typeof exports !== 'object' || exports === null) return undefined;
  const record = exports as Record<string, unknown>;
  const dot = '.' in record ? record['.'] : record;
  if (typeof dot === 'string') return dot;
  if (typeof dot === 'object' && dot !== null) {
    const conditions = dot as Record<string, unknown>;
    for (const key of ['import', 'node', 'default']) {
      const value = conditions[key];
      if (typeof value === 'string') return value;
      const nested = exportEntry(value);
      if (nested) return nested;
    }
  }
  return undefined;
}

/**
 * Imports a plugin module and returns the factorizers it exports, not yet registered: the default
 * export, a named `factorizer`, or a named `factorizers` array.
 */
export async function loadFactorizerModule(
  specifier: string,
  from: string = process.cwd(),
): Promise<AnyFactorizer[]> {
  const target = await resolvePluginSpecifier(specifier, from);
  const url = isAbsolute(target) ? pathToFileURL(target).href : target;
  let mod: Record<string, unknown>;
  try {
    mod = (await import(url)) as Record<string, unknown>;
  } catch (error) {
    throw new InvalidPluginError(undefined, `could not import "${specifier}": ${(error as Error).message}`, {
      hint: isPathSpecifier(specifier)
        ? 'The module failed to load: check that it is built JavaScript (ESM) and that its own dependencies are installed.'
        : `Install the package where Lowrank looks for it (${from}), or give a path to the plugin.`,
      cause: error,
    });
  }
  const found: unknown[] = [];
  if (Array.isArray(mod.factorizers)) found.push(...mod.factorizers);
  if (mod.factorizer) found.push(mod.factorizer);
  if (mod.default && !found.includes(mod.default)) {
    if (Array.isArray(mod.default)) found.push(...mod.default);
    else found.push(mod.default);
  }
  if (found.length === 0) {
    throw new InvalidPluginError(undefined, `"${specifier}" exports no factorizer.`, {
      hint: 'Export the plugin object as the default export or as `export const factorizer = ...`.',
    });
  }
  for (const candidate of found) {
    const problems = checkFactorizerShape(candidate);
    if (problems.length > 0) {
      const name = (candidate as AnyFactorizer)?.meta?.name;
      throw new InvalidPluginError(
        name,
        `from "${specifier}" is not a valid factorizer: ${problems.join('; ')}.`,
      );
    }
  }
  return found as AnyFactorizer[];
}
