import {
  type AnyFactorizer,
  InvalidOptionError,
  type OptionSpec,
  type ShapeContext,
  toKebabCase,
  validateOptions,
} from '@lowrank/core';
import { type FlagDef, flagError, type ParsedArgs, parseNumberFlag } from './args.js';

/**
 * Flags generated from a plugin's options spec: `powerIterations` becomes `--power-iterations`,
 * numbers and integers take a value (or `auto` when the spec allows it), booleans are
 * `--flag` / `--no-flag`, enums list their values. Keys in `handledByCommand` are left out because
 * the command fills them from its own flags (for example --rank).
 */
export function pluginFlagDefs(
  plugin: AnyFactorizer,
  handledByCommand: ReadonlySet<string> = new Set(),
): FlagDef[] {
  const defs: FlagDef[] = [];
  for (const [key, spec] of Object.entries(plugin.options as Record<string, OptionSpec>)) {
    if (handledByCommand.has(key)) continue;
    defs.push(flagDefForOption(key, spec));
  }
  return defs;
}

export function flagDefForOption(key: string, spec: OptionSpec): FlagDef {
  const name = toKebabCase(key);
  switch (spec.type) {
    case 'boolean':
      return {
        name,
        kind: 'boolean',
        description: spec.description,
        defaultText: String(spec.default),
        optionKey: key,
      };
    case 'enum':
      return {
        name,
        kind: 'value',
        valueName: spec.values.join('|'),
        description: spec.description,
        defaultText: spec.default,
        optionKey: key,
      };
    case 'string':
      return {
        name,
        kind: 'value',
        valueName: 'TEXT',
        description: spec.description,
        defaultText: JSON.stringify(spec.default),
        optionKey: key,
      };
    default: {
      const bounds: string[] = [];
      if (spec.min !== undefined) bounds.push(`min ${spec.min}`);
      if (spec.max !== undefined)
        bounds.push(`max ${spec.max === 'min-dimension' ? 'min(rows, cols)' : spec.max}`);
      const valueName = (spec.type === 'integer' ? 'N' : 'X') + (spec.allowAuto ? '|auto' : '');
      return {
        name,
        kind: 'value',
        valueName,
        description: spec.description + (bounds.length ? ` [${bounds.join(', ')}]` : ''),
        defaultText: String(spec.default),
        optionKey: key,
      };
    }
  }
}

/** Turns the plugin flags present in `args` into an options object (raw strings converted by type). */
export function pluginOptionsFromArgs(
  plugin: AnyFactorizer,
  args: ParsedArgs,
  handledByCommand: ReadonlySet<string> = new Set(),
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, spec] of Object.entries(plugin.options as Record<string, OptionSpec>)) {
    if (handledByCommand.has(key)) continue;
    const name = toKebabCase(key);
    const raw = args.flags.get(name);
    if (raw === undefined) continue;
    out[key] = convertFlagValue(name, spec, raw);
  }
  return out;
}

function convertFlagValue(name: string, spec: OptionSpec, raw: string | boolean | string[]): unknown {
  if (spec.type === 'boolean') return raw;
  if (typeof raw !== 'string') throw flagError(name, 'takes one value.');
  if (spec.type === 'number' || spec.type === 'integer') {
    if (raw === 'auto') {
      if (spec.allowAuto) return 'auto';
      throw flagError(name, 'does not accept "auto" here; give a number.');
    }
    return parseNumberFlag(name, raw, spec.type === 'integer' ? { integer: true } : {});
  }
  return raw;
}

/**
 * Validates plugin options with core's validateOptions, re-labelling errors with the flag name
 * (`--power-iterations`) so that the user sees what they typed.
 */
export function validatePluginOptions(
  plugin: AnyFactorizer,
  options: Record<string, unknown>,
  shape?: ShapeContext,
): Record<string, unknown> {
  try {
    return validateOptions(plugin.options, options, shape) as Record<string, unknown>;
  } catch (error) {
    if (error instanceof InvalidOptionError && Object.hasOwn(plugin.options, error.option)) {
      const prefix = `Invalid option "${error.option}": `;
      const rest = error.message.startsWith(prefix) ? error.message.slice(prefix.length) : error.message;
      throw new InvalidOptionError(`--${toKebabCase(error.option)}`, rest, { cause: error });
    }
    throw error;
  }
}
