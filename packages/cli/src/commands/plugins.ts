import { type AnyFactorizer, InvalidInputError, type OptionSpec, toKebabCase } from '@lowrank/core';
import { type FlagDef, getBoolean, parseArgs } from '../args.js';
import { type CliIO, EXIT_OK, printJson } from '../cli-io.js';
import type { Command } from '../command.js';
import { commandHelp, guarded, HELP_FLAG, JSON_FLAG, loadPlugins, PLUGIN_FLAG } from '../command-support.js';

const FLAGS: FlagDef[] = [PLUGIN_FLAG, JSON_FLAG, HELP_FLAG];

export interface PluginDescription {
  name: string;
  displayName: string;
  version: string;
  kind: string;
  description: string;
  source: string;
  options: {
    key: string;
    flag: string;
    type: string;
    default: unknown;
    min?: number;
    max?: number | string;
    values?: readonly string[];
    allowAuto?: boolean;
    description: string;
  }[];
}

export function describePlugin(plugin: AnyFactorizer, source: string): PluginDescription {
  return {
    name: plugin.meta.name,
    displayName: plugin.meta.displayName,
    version: plugin.meta.version,
    kind: plugin.kind,
    description: plugin.meta.description,
    source,
    options: Object.entries(plugin.options as Record<string, OptionSpec>).map(([key, spec]) => ({
      key,
      flag: `--${toKebabCase(key)}`,
      type: spec.type,
      default: spec.default,
      ...(spec.type === 'number' || spec.type === 'integer'
        ? {
            ...(spec.min !== undefined ? { min: spec.min } : {}),
            ...(spec.max !== undefined ? { max: spec.max } : {}),
            ...(spec.allowAuto ? { allowAuto: true } : {}),
          }
        : {}),
      ...(spec.type === 'enum' ? { values: spec.values } : {}),
      description: spec.description,
    })),
  };
}

/** `lowrank plugins`: built-in and loaded factorizers with their kind and options. */
export async function listPlugins(argv: readonly string[], io: CliIO): Promise<PluginDescription[]> {
  const loaded = await loadPlugins(argv, io);
  return loaded.registry.list().map((p) => describePlugin(p, loaded.loaded.get(p.meta.name) ?? 'built-in'));
}

export const pluginsCommand: Command = {
  name: 'plugins',
  summary: 'List built-in and loaded factorizers (--plugin MODULE) with their kind and options.',
  run: (argv, io) =>
    guarded(io, async () => {
      const args = parseArgs(argv, FLAGS, 'plugins');
      if (getBoolean(args, 'help')) {
        io.stdout.write(
          commandHelp({
            usage: 'lowrank plugins [--plugin MODULE]... [--json]',
            description:
              'Lists every factorizer the CLI knows: the built-in ones and those loaded with --plugin.',
            flags: FLAGS,
          }),
        );
        return EXIT_OK;
      }
      if (args.positionals.length > 0) {
        throw new InvalidInputError(
          `lowrank plugins takes no arguments (got "${args.positionals[0]}"); to load one, write --plugin ${args.positionals[0]}.`,
        );
      }
      const plugins = await listPlugins(argv, io);
      if (getBoolean(args, 'json')) {
        printJson(io, { plugins });
        return EXIT_OK;
      }
      for (const p of plugins) {
        io.stdout.write(
          `${p.name}  (${p.kind}, ${p.source === 'built-in' ? 'built-in' : `from ${p.source}`}, v${p.version})\n  ${p.displayName}: ${p.description}\n`,
        );
        for (const o of p.options) {
          const range = [
            o.min !== undefined ? `min ${o.min}` : '',
            o.max !== undefined ? `max ${o.max}` : '',
            o.values ? o.values.join('|') : '',
          ]
            .filter(Boolean)
            .join(', ');
          io.stdout.write(
            `    ${o.flag.padEnd(22)} ${o.type}${range ? ` [${range}]` : ''}, default ${JSON.stringify(o.default)}: ${o.description}\n`,
          );
        }
        io.stdout.write('\n');
      }
      return EXIT_OK;
    }),
};
