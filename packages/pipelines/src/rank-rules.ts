import { InvalidOptionError, rankForCompressionRatio } from '@lowrank/core';

/** How the rank of a compression is chosen. */
export type RankRule =
  | { readonly kind: 'rank'; readonly value: number }
  | { readonly kind: 'energy'; readonly value: number }
  | { readonly kind: 'target-psnr'; readonly value: number }
  | { readonly kind: 'target-ratio'; readonly value: number };

/** Rank used when nothing chooses one and the method's own default rank is 'auto': the classic k = 50. */
export const DEFAULT_COMPRESSION_RANK = 50;

/** Checks a rule's value; `option` names it in messages. */
export function checkRankRule(rule: RankRule, option = `rank.${rule.kind}`): void {
  const v = rule.value;
  const ok =
    typeof v === 'number' &&
    Number.isFinite(v) &&
    (rule.kind === 'rank' ? Number.isInteger(v) && v >= 1 : rule.kind === 'energy' ? v > 0 && v <= 1 : v > 0);
  if (!ok) {
    const expected =
      rule.kind === 'rank'
        ? 'an integer >= 1'
        : rule.kind === 'energy'
          ? 'a fraction in (0, 1]'
          : 'a number > 0';
    throw new InvalidOptionError(option, `expected ${expected}, got ${JSON.stringify(v)}.`);
  }
}

/** The rank a rule fixes before factorizing (rank, target-ratio), or undefined when it needs the spectrum. */
export function rankBeforeFactorizing(rule: RankRule, rows: number, cols: number): number | undefined {
  if (rule.kind === 'rank') return rule.value;
  if (rule.kind === 'target-ratio') return rankForCompressionRatio(rows, cols, rule.value);
  return undefined;
}

/**
 * The smallest rank that meets an energy or PSNR rule from the channels' singular values: energy
 * pooled over channels against the image's own squared norm `total` (so a truncated spectrum
 * never overstates it), PSNR from the pooled tail by Eckart-Young.
 */
export function rankFromSpectra(
  rule: RankRule,
  spectra: readonly Float64Array[],
  total: number,
  pixels: number,
): number {
  const n = Math.min(...spectra.map((s) => s.length));
  let head = 0;
  for (let k = 1; k <= n; k++) {
    for (const s of spectra) head += s[k - 1]! ** 2;
    if (rule.kind === 'energy' && head >= rule.value * total * (1 - 1e-12)) return k;
    if (rule.kind === 'target-psnr') {
      const mse = Math.max(0, total - head) / (pixels * spectra.length);
      const db = mse === 0 ? Number.POSITIVE_INFINITY : 10 * Math.log10(1 / mse);
      if (db >= rule.value) return k;
    }
  }
  return n;
}

/** How a rank was chosen, in words (CLI output, panel status). */
export function describeRankRule(rule: RankRule | undefined, rank: number): string {
  if (!rule) return `default rank ${rank}`;
  if (rule.kind === 'rank') return `rank ${rule.value}`;
  return `${rule.kind} ${rule.value} -> rank ${rank}`;
}
