import { InvalidOptionError } from './errors.js';

/**
 * One declarative spec per plugin: it validates options (here, in one place), generates CLI flags
 * and draws the webview's controls. Parameters are plain data, as in scikit-learn.
 */
interface OptionBase {
  /** One line of help text, shown by `lowrank plugins`, `--help` and the webview. */
  readonly description: string;
  /** Shown in UIs instead of the key. */
  readonly label?: string;
}

export interface NumberOptionSpec extends OptionBase {
  readonly type: 'number' | 'integer';
  readonly default: number | 'auto';
  readonly min?: number;
  /** A number, or 'min-dimension' for min(rows, cols) of the input (ranks). */
  readonly max?: number | 'min-dimension';
  /** When true, the string 'auto' is accepted and means "let the algorithm choose". */
  readonly allowAuto?: boolean;
}

export interface BooleanOptionSpec extends OptionBase {
  readonly type: 'boolean';
  readonly default: boolean;
}

export interface EnumOptionSpec extends OptionBase {
  readonly type: 'enum';
  readonly values: readonly string[];
  readonly default: string;
}

export interface StringOptionSpec extends OptionBase {
  readonly type: 'string';
  readonly default: string;
}

export type OptionSpec = NumberOptionSpec | BooleanOptionSpec | EnumOptionSpec | StringOptionSpec;

/** The spec of an options object O: one entry per key. */
export type OptionsSpec<O> = { readonly [K in keyof O]-?: OptionSpec };

/** The input's shape, to resolve bounds such as 'min-dimension'. */
export interface ShapeContext {
  readonly rows: number;
  readonly cols: number;
}

/** camelCase option key -> kebab-case CLI flag name (`powerIterations` -> `power-iterations`). */
export function toKebabCase(key: string): string {
  return key.replace(/([a-z0-9])([A-Z])/g, '$1-$2').toLowerCase();
}

export function resolveMax(spec: NumberOptionSpec, shape?: ShapeContext): number | undefined {
  if (spec.max === 'min-dimension') return shape ? Math.min(shape.rows, shape.cols) : undefined;
  return spec.max;
}

function describeRange(spec: NumberOptionSpec, shape?: ShapeContext): string {
  const max = resolveMax(spec, shape);
  const maxText = max ?? (spec.max === 'min-dimension' ? 'min(rows, cols)' : undefined);
  const kind = spec.type === 'integer' ? 'an integer' : 'a number';
  if (spec.min !== undefined && maxText !== undefined) return `${kind} from ${spec.min} to ${maxText}`;
  if (spec.min !== undefined) return `${kind} >= ${spec.min}`;
  if (maxText !== undefined) return `${kind} <= ${maxText}`;
  return kind;
}

/** Checks one value against its spec; returns the value to use or throws naming the option. */
export function validateOptionValue(
  key: string,
  spec: OptionSpec,
  value: unknown,
  shape?: ShapeContext,
): unknown {
  switch (spec.type) {
    case 'number':
    case 'integer': {
      if (value === 'auto' && spec.allowAuto) return 'auto';
      const range = describeRange(spec, shape);
      const expected = spec.allowAuto ? `${range}, or "auto"` : range;
      if (typeof value !== 'number' || Number.isNaN(value)) {
        throw new InvalidOptionError(key, `expected ${expected}, got ${JSON.stringify(value)}.`);
      }
      if (!Number.isFinite(value)) throw new InvalidOptionError(key, `expected ${expected}, got ${value}.`);
      if (spec.type === 'integer' && !Number.isInteger(value)) {
        throw new InvalidOptionError(key, `expected ${expected}, got ${value}.`);
      }
      const max = resolveMax(spec, shape);
      if ((spec.min !== undefined && value < spec.min) || (max !== undefined && value > max)) {
        throw new InvalidOptionError(key, `${value} is out of range: expected ${expected}.`);
      }
      return value;
    }
    case 'boolean':
      if (typeof value !== 'boolean') {
        throw new InvalidOptionError(key, `expected true or false, got ${JSON.stringify(value)}.`);
      }
      return value;
    case 'enum':
      if (typeof value !== 'string' || !spec.values.includes(value)) {
        throw new InvalidOptionError(
          key,
          `expected one of ${spec.values.join(', ')}, got ${JSON.stringify(value)}.`,
        );
      }
      return value;
    case 'string':
      if (typeof value !== 'string')
        throw new InvalidOptionError(key, `expected a string, got ${JSON.stringify(value)}.`);
      return value;
    default:
      throw new InvalidOptionError(key, `has an unknown type in its spec.`);
  }
}

/**
 * Validates user options against a spec and fills in defaults. Unknown keys are refused (a typo
 * must not be silently ignored); `undefined` values mean "use the default".
 * With `shape`, bounds such as 'min-dimension' are enforced too.
 */
export function validateOptions<O>(
  spec: OptionsSpec<O>,
  given: Partial<O> | undefined,
  shape?: ShapeContext,
): O {
  const out: Record<string, unknown> = {};
  const keys = Object.keys(spec);
  if (given !== undefined && (typeof given !== 'object' || given === null || Array.isArray(given))) {
    throw new InvalidOptionError('options', 'expected an object of option values.');
  }
  for (const key of Object.keys(given ?? {})) {
    if (!Object.hasOwn(spec, key)) {
      throw new InvalidOptionError(
        key,
        `is not an option here. Known options: ${keys.join(', ') || '(none)'}.`,
      );
    }
  }
  for (const key of keys) {
    const optionSpec = (spec as Record<string, OptionSpec>)[key]!;
    const value = (given as Record<string, unknown> | undefined)?.[key];
    if (value === undefined) {
      const fallback = optionSpec.default;
      // A 'min-dimension' bound also clamps a default that does not fit a small input.
      if ((optionSpec.type === 'integer' || optionSpec.type === 'number') && typeof fallback === 'number') {
        const max = resolveMax(optionSpec, shape);
        out[key] = max !== undefined && fallback > max ? max : fallback;
      } else {
        out[key] = fallback;
      }
    } else {
      out[key] = validateOptionValue(key, optionSpec, value, shape);
    }
  }
  return out as O;
}

/** Problems with a spec itself (empty list when it is valid). */
export function checkOptionsSpec(spec: unknown): string[] {
  const problems: string[] = [];
  if (typeof spec !== 'object' || spec === null || Array.isArray(spec))
    return ['options must be an object of option specs'];
  for (const [key, raw] of Object.entries(spec as Record<string, unknown>)) {
    const where = `option "${key}"`;
    if (!/^[a-z][a-zA-Z0-9]*$/.test(key)) problems.push(`${where}: keys are camelCase identifiers`);
    if (typeof raw !== 'object' || raw === null) {
      problems.push(`${where}: expected an object with type, default and description`);
      continue;
    }
    const s = raw as Partial<OptionSpec> & Record<string, unknown>;
    if (typeof s.description !== 'string' || s.description.trim() === '')
      problems.push(`${where}: needs a description`);
    if (!['number', 'integer', 'boolean', 'enum', 'string'].includes(s.type as string)) {
      problems.push(
        `${where}: type must be number, integer, boolean, enum or string (got ${JSON.stringify(s.type)})`,
      );
      continue;
    }
    if (s.type === 'number' || s.type === 'integer') {
      const n = s as NumberOptionSpec;
      if (n.min !== undefined && typeof n.min !== 'number') problems.push(`${where}: min must be a number`);
      if (n.max !== undefined && typeof n.max !== 'number' && n.max !== 'min-dimension') {
        problems.push(`${where}: max must be a number or 'min-dimension'`);
      }
      if (typeof n.min === 'number' && typeof n.max === 'number' && n.min > n.max)
        problems.push(`${where}: min > max`);
    }
    if (s.type === 'enum') {
      const e = s as EnumOptionSpec;
      if (!Array.isArray(e.values) || e.values.length === 0 || e.values.some((v) => typeof v !== 'string')) {
        problems.push(`${where}: enum needs a non-empty list of string values`);
        continue;
      }
    }
    try {
      // The default must pass its own spec (unbounded shape: 'min-dimension' is checked at run time).
      validateOptionValue(key, s as OptionSpec, s.default);
    } catch (error) {
      problems.push(`${where}: default is invalid (${(error as Error).message})`);
    }
  }
  return problems;
}
