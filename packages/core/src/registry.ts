import { InvalidPluginError, PluginNotFoundError } from './errors.js';
import type { AnyFactorizer, PluginKind } from './factorizer.js';
import { loadFactorizerModule } from './plugin-modules.js';
import { checkFactorizerShape } from './plugin-shape.js';

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

  /** Plugins in registration order, optionally only those of the given kinds. */
  list(...kinds: PluginKind[]): AnyFactorizer[] {
    const all = [...this.#plugins.values()];
    return kinds.length ? all.filter((p) => kinds.includes(p.kind)) : all;
  }

  names(...kinds: PluginKind[]): string[] {
    return this.list(...kinds).map((p) => p.meta.name);
  }

  /**
   * Imports a plugin module and registers its factorizer(s): the default export, a named
   * `factorizer` export, or a named `factorizers` array. Takes a package name, a package folder, a
   * .js file; relative paths resolve against `from` (default: cwd).
   */
  async load(specifier: string, from: string = process.cwd()): Promise<AnyFactorizer[]> {
    const plugins = await loadFactorizerModule(specifier, from);
    for (const plugin of plugins) this.register(plugin);
    return plugins;
  }
}

export interface PluginLoadFailure {
  /** What the user gave (setting entry or --plugin value). */
  readonly specifier: string;
  readonly error: Error;
}

export interface LoadedPlugins {
  readonly registry: FactorizerRegistry;
  /** Names of the built-in factorizers. */
  readonly builtIn: readonly string[];
  /** Plugins from modules: name -> the specifier it came from. */
  readonly loaded: ReadonlyMap<string, string>;
  /** Modules that failed (only with `failures: 'collect'`). */
  readonly failures: readonly PluginLoadFailure[];
}

export interface LoadPluginsOptions {
  /** Factorizers registered first, in order. */
  readonly builtIns?: readonly AnyFactorizer[];
  /** Plugin modules, in order (see resolvePluginSpecifier for the accepted forms). */
  readonly specifiers?: readonly string[];
  /** Relative paths and package names resolve from here (default: the working directory). */
  readonly cwd?: string;
  /**
   * 'throw' (default): the first failing module rejects the whole load, as a command line should.
   * 'collect': failing modules are listed in `failures` and the rest still load, as an editor should.
   */
  readonly failures?: 'throw' | 'collect';
}

/** A registry with the built-ins plus each plugin module. */
export async function loadPlugins(options: LoadPluginsOptions = {}): Promise<LoadedPlugins> {
  const registry = new FactorizerRegistry();
  const builtIns = options.builtIns ?? [];
  for (const plugin of builtIns) registry.register(plugin);
  const loaded = new Map<string, string>();
  const failures: PluginLoadFailure[] = [];
  const cwd = options.cwd ?? process.cwd();
  for (const specifier of options.specifiers ?? []) {
    try {
      const plugins = await loadFactorizerModule(specifier, cwd);
      for (const plugin of plugins) registry.register(plugin);
      for (const plugin of plugins) loaded.set(plugin.meta.name, specifier);
    } catch (error) {
      if (options.failures !== 'collect') throw error;
      failures.push({ specifier, error: error instanceof Error ? error : new Error(String(error)) });
    }
  }
  return { registry, builtIn: builtIns.map((p) => p.meta.name), loaded, failures };
}
