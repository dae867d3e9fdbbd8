import { factorizers as rpcaFactorizers, streamingFactorizers } from '@lowrank/algorithms-rpca';
import { factorizers as svdFactorizers } from '@lowrank/algorithms-svd';
import {
  type AnyBatchFactorizer,
  type AnyFactorizer,
  type FactorizationKind,
  type FactorizerRegistry,
  InvalidOptionError,
  isBatchFactorizer,
  type LoadedPlugins,
  loadPlugins,
} from '@lowrank/core';

/** The factorizers that ship with Lowrank, in the order method lists show them. */
export function builtInFactorizers(): AnyFactorizer[] {
  return [
    ...svdFactorizers,
    ...(rpcaFactorizers as readonly AnyFactorizer[]),
    ...(streamingFactorizers as readonly AnyFactorizer[]),
  ];
}

export interface LoadMethodsOptions {
  /** Plugin modules: package names, package folders or .js files (core's resolvePluginSpecifier). */
  readonly plugins?: readonly string[];
  /** Relative plugin paths and package names resolve from here. */
  readonly cwd?: string;
  /** 'throw' (the CLI) or 'collect' (VS Code: the rest still load, failures are shown). */
  readonly failures?: 'throw' | 'collect';
}

/** The built-in methods plus plugin modules, in one registry. */
export function loadMethods(options: LoadMethodsOptions = {}): Promise<LoadedPlugins> {
  return loadPlugins({
    builtIns: builtInFactorizers(),
    specifiers: options.plugins ?? [],
    ...(options.cwd === undefined ? {} : { cwd: options.cwd }),
    ...(options.failures === undefined ? {} : { failures: options.failures }),
  });
}

let builtInRegistry: Promise<LoadedPlugins> | undefined;

/** The registry a job resolves method names in when it is given none: the built-ins. */
export function defaultMethods(): Promise<LoadedPlugins> {
  builtInRegistry ??= loadMethods();
  return builtInRegistry;
}

/**
 * The batch method a job runs: `method` itself, or the one of that name in `registry`, checked to
 * give a result of one of `kinds`. `option` names the option in messages (`--method`, `method`).
 */
export function pickBatchMethod(
  registry: FactorizerRegistry,
  method: string | AnyBatchFactorizer,
  kinds: readonly FactorizationKind[],
  job: string,
  option = 'method',
): AnyBatchFactorizer {
  const plugin = typeof method === 'string' ? lookUp(registry, method, option) : method;
  if (!isBatchFactorizer(plugin) || !kinds.includes(plugin.kind)) {
    const usable = registry.names(...kinds);
    throw new InvalidOptionError(
      option,
      `"${plugin.meta.name}" gives a ${plugin.kind} result, which ${job} cannot use. Use one of: ${usable.join(', ')}.`,
    );
  }
  return plugin;
}

function lookUp(registry: FactorizerRegistry, name: string, option: string): AnyFactorizer {
  if (registry.has(name)) return registry.get(name);
  throw new InvalidOptionError(
    option,
    `"${name}" is not a known method. Known: ${registry.names().join(', ')}.`,
    {
      hint: 'Plugins add methods: lowrank --plugin MODULE, or the lowrank.plugins setting in VS Code.',
    },
  );
}
