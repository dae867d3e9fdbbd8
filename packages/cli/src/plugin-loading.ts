import type { Stats } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { isAbsolute, join, resolve } from 'node:path';
import { type AnyFactorizer, FactorizerRegistry, InvalidPluginError } from '@lowrank/core';

/**
 * Turns what the user typed after --plugin into something import() accepts. ESM cannot import a
 * folder, so a package folder (`./examples/nmf-plugin`) is resolved through its package.json
 * ("exports" ".", then "main"); a bare package name is resolved from the working directory, so a
 * plugin installed in the user's project is found even though the CLI lives elsewhere.
 */
export async function resolvePluginSpecifier(specifier: string, cwd: string): Promise<string> {
  const isPath = specifier.startsWith('.') || isAbsolute(specifier);
  if (!isPath) {
    try {
      return createRequire(join(cwd, '__lowrank_resolve__.js')).resolve(specifier);
    } catch {
      return specifier; // let import() try (and report) it
    }
  }
  const path = resolve(cwd, specifier);
  let info: Stats;
  try {
    info = await stat(path);
  } catch {
    throw new InvalidPluginError(undefined, `${specifier}: no such file or folder.`, {
      hint: 'Give the path of a plugin package folder or of its built .js entry file.',
    });
  }
  if (!info.isDirectory()) return path;
  let manifest: { exports?: unknown; main?: unknown };
  try {
    manifest = JSON.parse(await readFile(join(path, 'package.json'), 'utf8')) as typeof manifest;
  } catch {
    return join(path, 'index.js');
  }
  const entry =
    exportEntry(manifest.exports) ?? (typeof manifest.main === 'string' ? manifest.main : 'index.js');
  const file = resolve(path, entry);
  try {
    await stat(file);
  } catch {
    throw new InvalidPluginError(
      undefined,
      `${specifier}: its package.json points at ${entry}, which does not exist.`,
      {
        hint: 'Build the plugin first (for example `npm run build` in its folder).',
      },
    );
  }
  return file;
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

export interface LoadedPlugins {
  readonly registry: FactorizerRegistry;
  /** Names of built-in factorizers. */
  readonly builtIn: readonly string[];
  /** Loaded with --plugin: name -> the module specifier it came from. */
  readonly loaded: ReadonlyMap<string, string>;
}

/** A registry with the built-in factorizers plus each --plugin module, in order. */
export async function buildRegistry(
  builtIns: readonly AnyFactorizer[],
  pluginSpecifiers: readonly string[],
  cwd: string,
): Promise<LoadedPlugins> {
  const registry = new FactorizerRegistry();
  for (const plugin of builtIns) registry.register(plugin);
  const loaded = new Map<string, string>();
  for (const specifier of pluginSpecifiers) {
    const target = await resolvePluginSpecifier(specifier, cwd);
    const plugins = await registry.load(target, cwd);
    for (const plugin of plugins) loaded.set(plugin.meta.name, specifier);
  }
  return { registry, builtIn: builtIns.map((p) => p.meta.name), loaded };
}
