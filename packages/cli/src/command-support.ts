import {
  type AnyBatchFactorizer,
  type AnyFactorizer,
  type FactorizationKind,
  InvalidOptionError,
  isBatchFactorizer,
  type LoadedPlugins,
  type PluginKind,
} from '@lowrank/core';
import { loadMethods } from '@lowrank/pipelines';
import { type FlagDef, formatFlagHelp, getNumber, type ParsedArgs, scanFlagValues } from './args.js';
import { type CliIO, errorLine, exitCodeFor } from './cli-io.js';
import { ProgressBar } from './progress-bar.js';

export const JSON_FLAG: FlagDef = {
  name: 'json',
  kind: 'boolean',
  description: 'Print one JSON object on stdout and nothing else there.',
};
export const HELP_FLAG: FlagDef = { name: 'help', kind: 'boolean', description: 'Show this help.' };
export const PLUGIN_FLAG: FlagDef = {
  name: 'plugin',
  kind: 'value',
  valueName: 'MODULE',
  repeatable: true,
  description: 'Load factorizer plugins from a package name, a package folder or a .js file (repeatable).',
};
export const FORCE_FLAG: FlagDef = {
  name: 'force',
  kind: 'boolean',
  description: 'Replace an existing output.',
};

/** Runs a command body, turning any error into a one-line message on stderr and its exit code. */
export async function guarded(io: CliIO, body: () => Promise<number>): Promise<number> {
  try {
    return await body();
  } catch (error) {
    io.stderr.write(`${errorLine(error)}\n`);
    if (io.env.LOWRANK_DEBUG && error instanceof Error && error.stack) io.stderr.write(`${error.stack}\n`);
    return exitCodeFor(error);
  }
}

export const MEMORY_BUDGET_FLAG: FlagDef = {
  name: 'memory-budget',
  kind: 'value',
  valueName: 'MB',
  description: 'Refuse work whose memory estimate is over this many MiB, before reading the input.',
  defaultText: '3/4 of the memory available',
};

/** --memory-budget in bytes, when given. */
export function memoryBudgetFromArgs(args: ParsedArgs): number | undefined {
  const mb = getNumber(args, 'memory-budget', { min: 1 });
  return mb === undefined ? undefined : Math.floor(mb * 2 ** 20);
}

/**
 * The progress display of a command: a bar when stdout is a terminal (and not --json), one line per
 * stage on stderr with LOWRANK_PROGRESS=lines (for logs and scripts), else nothing.
 */
export function progressFor(io: CliIO, json: boolean): ProgressBar {
  const lines = io.env.LOWRANK_PROGRESS === 'lines';
  return new ProgressBar(io.stderr, lines || (!json && io.stdoutIsTTY), 28, lines);
}

/** Built-ins plus every --plugin found in argv (read before the full flag set is known). */
export async function loadPlugins(argv: readonly string[], io: CliIO): Promise<LoadedPlugins> {
  return loadMethods({ plugins: scanFlagValues(argv, 'plugin'), cwd: io.cwd });
}

function methodNamed(
  loaded: LoadedPlugins,
  argv: readonly string[],
  fallback: string,
): { plugin: AnyFactorizer; explicit: boolean } {
  const given = scanFlagValues(argv, 'method');
  if (given.length > 1) throw new InvalidOptionError('--method', 'was given more than once.');
  const name = given[0] ?? fallback;
  if (!loaded.registry.has(name)) {
    throw new InvalidOptionError(
      '--method',
      `"${name}" is not a known method. Known: ${loaded.registry.names().join(', ')}.`,
      {
        hint: 'Load a custom one with --plugin MODULE (lowrank plugins lists them).',
      },
    );
  }
  return { plugin: loaded.registry.get(name), explicit: given.length > 0 };
}

function refuse(
  loaded: LoadedPlugins,
  plugin: AnyFactorizer,
  kinds: readonly PluginKind[],
  command: string,
): never {
  const usable = loaded.registry.list(...kinds).map((p) => p.meta.name);
  throw new InvalidOptionError(
    '--method',
    `"${plugin.meta.name}" gives a ${plugin.kind} result, which lowrank ${command} cannot use. Use one of: ${usable.join(', ')}.`,
  );
}

/** The batch factorizer named by --method (or the default), checked to be of a kind the command can use. */
export function pickMethod(
  loaded: LoadedPlugins,
  argv: readonly string[],
  fallback: string,
  kinds: readonly FactorizationKind[],
  command: string,
): AnyBatchFactorizer {
  const { plugin } = methodNamed(loaded, argv, fallback);
  if (!isBatchFactorizer(plugin) || !kinds.includes(plugin.kind)) refuse(loaded, plugin, kinds, command);
  return plugin;
}

/**
 * The separation method named by --method (or the default): low-rank + sparse, streaming, or
 * low-rank (S = M - L). `explicit` is false for the default, which the pipeline may swap for a
 * streaming method when the batch run would not fit.
 */
export function pickSeparation(
  loaded: LoadedPlugins,
  argv: readonly string[],
  fallback: string,
  command: string,
): { plugin: AnyFactorizer; explicit: boolean } {
  const picked = methodNamed(loaded, argv, fallback);
  const kinds: PluginKind[] = ['low-rank-plus-sparse', 'streaming', 'low-rank'];
  if (!kinds.includes(picked.plugin.kind)) refuse(loaded, picked.plugin, kinds, command);
  return picked;
}

export function commandHelp(parts: {
  usage: string;
  description: string;
  flags: readonly FlagDef[];
  plugin?: AnyFactorizer;
  pluginFlags?: readonly FlagDef[];
  more?: string;
}): string {
  let text = `Usage: ${parts.usage}\n\n${parts.description}\n\nFlags:\n${formatFlagHelp(parts.flags)}\n`;
  if (parts.plugin) {
    const p = parts.plugin;
    text += `\nFlags of method "${p.meta.name}" (${p.meta.displayName}${p.meta.description ? `: ${p.meta.description}` : ''}):\n`;
    text += parts.pluginFlags?.length ? `${formatFlagHelp(parts.pluginFlags)}\n` : '  (none)\n';
    text += '\nOther methods have other flags: add --method NAME to --help to see them.\n';
  }
  if (parts.more) text += `\n${parts.more}\n`;
  return text;
}
