import { isAbsolute, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { InvalidPluginError, PluginNotFoundError } from './errors.js';
import { type AnyFactorizer, API_VERSION, type FactorizationKind } from './factorizer.js';
import { checkOptionsSpec } from './options.js';

const NAME_PATTERN = /^[a-z][a-z0-9]*(-[a-z0-9]+)*$/;

/** Problems that make an object unusable as a Factorizer (empty when it is valid). */
export function checkFactorizerShape(candidate: unknown): string[] {
  if (typeof candidate !== 'object' || candidate === null) return ['a plugin must be an object'];
  const p = candidate as Partial<AnyFactorizer>;
  const problems: string[] = [];
  const meta = p.meta as Partial<AnyFactorizer['meta']> | undefined;
  if (!meta || typeof meta !== 'object')
    return ['meta is missing: give { name, version, apiVersion, displayName, description }'];
  if (typeof meta.name !== 'string' || meta.name === '') problems.push('meta.name is missing');
  else if (!NAME_PATTERN.test(meta.name))
    problems.push(`meta.name "${meta.name}" must be kebab-case (like "randomized-svd")`);
  if (meta.apiVersion !== API_VERSION) {
    problems.push(
      `meta.apiVersion is ${JSON.stringify(meta.apiVersion)} but this @lowrank/core speaks apiVersion ${API_VERSION}`,
    );
  }
  for (const field of ['version', 'displayName', 'description'] as const) {
    if (typeof meta[field] !== 'string' || meta[field] === '') problems.push(`meta.${field} is missing`);
  }
  if (p.kind !== 'low-rank' && p.kind !== 'low-rank-plus-sparse') {
    problems.push(`kind must be 'low-rank' or 'low-rank-plus-sparse' (got ${JSON.stringify(p.kind)})`);
  }
  if (typeof p.factorize !== 'function') problems.push('factorize(matrix, options, run) is missing');
  for (const problem of checkOptionsSpec(p.options)) problems.push(`options: ${problem}`);
  return problems;
}

/**
 * Holds factorizers by name. Refuses, with a message that says which and why: a missing or
 * malformed name, a duplicate name, an unsupported apiVersion, an invalid options spec.
 */
export class FactorizerRegistry {
  readonly #plugins = new Map<string, AnyFactorizer>();

  register(plugin: AnyFactorizer): this {
    const name = typeof plugin?.meta?.name === 'string' ? plugin.meta.name : undefined;
    const problems = checkFactorizerShape(plugin);
    if (problems.length > 0) {
      throw new InvalidPluginError(name, `cannot be registered: ${problems.join('; ')}.`);
    }
    if (this.#plugins.has(plugin.meta.name)) {
      throw new InvalidPluginError(plugin.meta.name, 'a factorizer with this name is already registered.', {
        hint: 'Plugin names must be unique: rename yours (prefix it with your package name).',
      });
    }
    this.#plugins.set(plugin.meta.name, plugin);
    return this;
  }

  has(name: string): boolean {
    return this.#plugins.has(name);
  }

  get(name: string): AnyFactorizer {
    const plugin = this.#plugins.get(name);
    if (!plugin) throw new PluginNotFoundError(name, [...this.#plugins.keys()]);
    return plugin;
  }

  /** Plugins in registration order, optionally only those of one kind. */
  list(kind?: FactorizationKind): AnyFactorizer[] {
    const all = [...this.#plugins.values()];
    return kind ? all.filter((p) => p.kind === kind) : all;
  }

  names(kind?: FactorizationKind): string[] {
    return this.list(kind).map((p) => p.meta.name);
  }

  /**
   * Imports a module and registers its factorizer(s): the default export, a named `factorizer`
   * export, or a named `factorizers` array. Relative paths resolve against `from` (default: cwd).
   */
  async load(specifier: string, from: string = process.cwd()): Promise<AnyFactorizer[]> {
    const plugins = await loadFactorizerModule(specifier, from);
    for (const plugin of plugins) this.register(plugin);
    return plugins;
  }
}

/** Imports a plugin module and returns the factorizers it exports (not yet registered). */
export async function loadFactorizerModule(
  specifier: string,
  from: string = process.cwd(),
): Promise<AnyFactorizer[]> {
  const isPath = specifier.startsWith('.') || isAbsolute(specifier);
  const target = isPath ? pathToFileURL(resolve(from, specifier)).href : specifier;
  let mod: Record<string, unknown>;
  try {
    mod = (await import(target)) as Record<string, unknown>;
  } catch (error) {
    throw new InvalidPluginError(undefined, `could not import "${specifier}": ${(error as Error).message}`, {
      hint: isPath
        ? 'Check the path; a package folder needs a package.json whose "exports" points at built JavaScript.'
        : 'Install the package first (npm i / pnpm add), or give a path to the plugin.',
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
