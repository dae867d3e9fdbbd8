import { InvalidOptionError } from '@lowrank/core';

/**
 * A small strict argument parser: `--name value`, `--name=value`, boolean `--flag` / `--no-flag`,
 * repeatable flags, positionals, and `--` to end flags. Unknown flags are errors (a typo must not
 * be silently ignored). Hand-written rather than node:util parseArgs because plugin flags are
 * only known after --plugin and --method have been read, and errors must name the flag.
 */
export interface FlagDef {
  /** Kebab-case name without the leading dashes. */
  readonly name: string;
  readonly kind: 'boolean' | 'value';
  /** Shown in help as `--name VALUE`. */
  readonly valueName?: string;
  readonly description: string;
  /** Shown in help as `(default: ...)`. */
  readonly defaultText?: string;
  /** Value flags only: may be given more than once (values collected in order). */
  readonly repeatable?: boolean;
  /** Set on flags generated from a plugin's options spec: the option key they fill. */
  readonly optionKey?: string;
}

export type FlagValue = string | boolean | string[];

export interface ParsedArgs {
  readonly flags: ReadonlyMap<string, FlagValue>;
  readonly positionals: readonly string[];
}

export function flagError(name: string, message: string, hint?: string): InvalidOptionError {
  return new InvalidOptionError(`--${name}`, message, hint === undefined ? undefined : { hint });
}

export function parseArgs(argv: readonly string[], defs: readonly FlagDef[], command: string): ParsedArgs {
  const byName = new Map(defs.map((d) => [d.name, d]));
  const flags = new Map<string, FlagValue>();
  const positionals: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const token = argv[i]!;
    if (token === '--') {
      positionals.push(...argv.slice(i + 1));
      break;
    }
    if (!token.startsWith('--') || token === '--') {
      if (token.startsWith('-') && token.length > 1 && !/^-\d/.test(token)) {
        throw new InvalidOptionError(token, `short flags are not supported by lowrank ${command}.`, {
          hint: `Use the long form (see lowrank ${command} --help).`,
        });
      }
      positionals.push(token);
      continue;
    }
    const eq = token.indexOf('=');
    let name = eq >= 0 ? token.slice(2, eq) : token.slice(2);
    let inline: string | undefined = eq >= 0 ? token.slice(eq + 1) : undefined;
    let def = byName.get(name);
    let negated = false;
    if (!def && name.startsWith('no-')) {
      const positive = byName.get(name.slice(3));
      if (positive?.kind === 'boolean') {
        def = positive;
        negated = true;
        name = positive.name;
      }
    }
    if (!def) {
      throw flagError(
        name,
        `is not a flag of lowrank ${command}.`,
        `See lowrank ${command} --help for the flags it takes.`,
      );
    }
    if (def.kind === 'boolean') {
      if (inline !== undefined) {
        if (negated || !['true', 'false'].includes(inline)) {
          throw flagError(name, `is a switch: write --${name} or --no-${name}, not ${token}.`);
        }
        flags.set(name, inline === 'true');
      } else {
        flags.set(name, !negated);
      }
      continue;
    }
    if (inline === undefined) {
      const next = argv[i + 1];
      if (next === undefined || (next.startsWith('--') && next !== '--')) {
        throw flagError(name, `needs a value (--${name} ${def.valueName ?? 'VALUE'}).`);
      }
      inline = next;
      i++;
    }
    if (def.repeatable) {
      const list = (flags.get(name) as string[] | undefined) ?? [];
      list.push(inline);
      flags.set(name, list);
    } else {
      if (flags.has(name)) throw flagError(name, 'was given more than once.');
      flags.set(name, inline);
    }
  }
  return { flags, positionals };
}

/** Values of a repeatable flag found by a quick scan, before the full flag set is known. */
export function scanFlagValues(argv: readonly string[], name: string): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const token = argv[i]!;
    if (token === '--') break;
    if (token === `--${name}`) {
      const next = argv[i + 1];
      if (next !== undefined && !next.startsWith('--')) {
        out.push(next);
        i++;
      }
    } else if (token.startsWith(`--${name}=`)) {
      out.push(token.slice(name.length + 3));
    }
  }
  return out;
}

export function hasFlag(argv: readonly string[], name: string): boolean {
  const end = argv.indexOf('--');
  return (end < 0 ? argv : argv.slice(0, end)).includes(`--${name}`);
}

export function getString(args: ParsedArgs, name: string): string | undefined {
  const v = args.flags.get(name);
  return typeof v === 'string' ? v : undefined;
}

export function getBoolean(args: ParsedArgs, name: string, fallback = false): boolean {
  const v = args.flags.get(name);
  return typeof v === 'boolean' ? v : fallback;
}

export function getList(args: ParsedArgs, name: string): string[] {
  const v = args.flags.get(name);
  return Array.isArray(v) ? v : typeof v === 'string' ? [v] : [];
}

/** A number flag; `integer` refuses fractions; bounds are inclusive. */
export function getNumber(
  args: ParsedArgs,
  name: string,
  rule: { integer?: boolean; min?: number; max?: number; exclusiveMin?: boolean } = {},
): number | undefined {
  const raw = getString(args, name);
  if (raw === undefined) return undefined;
  return parseNumberFlag(name, raw, rule);
}

export function parseNumberFlag(
  name: string,
  raw: string,
  rule: { integer?: boolean; min?: number; max?: number; exclusiveMin?: boolean } = {},
): number {
  const value = raw.trim() === '' ? Number.NaN : Number(raw);
  const what = rule.integer ? 'an integer' : 'a number';
  const range =
    rule.min !== undefined && rule.max !== undefined
      ? ` from ${rule.min} to ${rule.max}`
      : rule.min !== undefined
        ? rule.exclusiveMin
          ? ` above ${rule.min}`
          : ` >= ${rule.min}`
        : rule.max !== undefined
          ? ` <= ${rule.max}`
          : '';
  if (!Number.isFinite(value) || (rule.integer && !Number.isInteger(value))) {
    throw flagError(name, `expected ${what}${range}, got ${JSON.stringify(raw)}.`);
  }
  if (
    (rule.min !== undefined && (rule.exclusiveMin ? value <= rule.min : value < rule.min)) ||
    (rule.max !== undefined && value > rule.max)
  ) {
    throw flagError(name, `${value} is out of range: expected ${what}${range}.`);
  }
  return value;
}

/** Formats flags as aligned help lines. */
export function formatFlagHelp(defs: readonly FlagDef[]): string {
  const left = defs.map((d) => {
    const head =
      d.kind === 'boolean'
        ? `--${d.name}${d.optionKey ? ` / --no-${d.name}` : ''}`
        : `--${d.name} ${d.valueName ?? 'VALUE'}`;
    return `  ${head}`;
  });
  const width = Math.min(36, Math.max(...left.map((l) => l.length), 0) + 2);
  return defs
    .map((d, i) => {
      const l = left[i]!;
      const text = d.description + (d.defaultText !== undefined ? ` (default: ${d.defaultText})` : '');
      return l.length + 1 > width ? `${l}\n${' '.repeat(width)}${text}` : `${l.padEnd(width)}${text}`;
    })
    .join('\n');
}
