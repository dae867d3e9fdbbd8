import { type AnyFactorizer, API_VERSION } from './factorizer.js';
import { checkOptionsSpec } from './options.js';

const NAME_PATTERN = /^[a-z][a-z0-9]*(-[a-z0-9]+)*$/;

/** Problems that make an object unusable as a plugin (empty when it is valid). */
export function checkFactorizerShape(candidate: unknown): string[] {
  if (typeof candidate !== 'object' || candidate === null) return ['a plugin must be an object'];
  const p = candidate as Partial<AnyFactorizer> & { factorize?: unknown; open?: unknown };
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
  if (p.kind === 'streaming') {
    if (typeof p.open !== 'function') problems.push('open(frame, options, run) is missing');
  } else if (p.kind === 'low-rank' || p.kind === 'low-rank-plus-sparse') {
    if (typeof p.factorize !== 'function') problems.push('factorize(matrix, options, run) is missing');
  } else {
    problems.push(
      `kind must be 'low-rank', 'low-rank-plus-sparse' or 'streaming' (got ${JSON.stringify(p.kind)})`,
    );
  }
  const estimate = (p as { estimateWorkingBytes?: unknown }).estimateWorkingBytes;
  if (estimate !== undefined && typeof estimate !== 'function')
    problems.push('estimateWorkingBytes, when given, must be a function');
  for (const problem of checkOptionsSpec(p.options)) problems.push(`options: ${problem}`);
  return problems;
}
