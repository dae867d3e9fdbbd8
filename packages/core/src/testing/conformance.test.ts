import { describe, expect, it } from 'vitest';
import {
  assertConformance,
  type ConformanceCheckName,
  checkFactorizer,
  conformanceCheckNames,
} from './index.js';
import { type Defects, svdSplitPlugin, truncatedSvdPlugin } from './plugins.fixture.js';

async function failedChecks(defects: Defects) {
  const report = await checkFactorizer(truncatedSvdPlugin(defects));
  return report.results.filter((r) => r.status === 'failed');
}

describe('conformance kit', () => {
  it('passes a correct low-rank plugin and a correct low-rank-plus-sparse plugin', async () => {
    const report = await assertConformance(truncatedSvdPlugin({ slowIterations: 3 }));
    expect(report.passed).toBe(true);
    expect(report.results.map((r) => r.status)).toEqual(Array(8).fill('passed'));
    const split = await assertConformance(svdSplitPlugin());
    expect(split.passed).toBe(true);
  });

  const cases: [string, Defects, ConformanceCheckName, RegExp][] = [
    [
      'mutates its input',
      { mutatesInput: true },
      'does-not-mutate-input',
      /wrote into its input \(first change at row 0, column 0\)/,
    ],
    [
      'ignores an aborted signal',
      { ignoresAbort: true },
      'honours-abort',
      /resolved although its signal was already aborted/,
    ],
    [
      'gives different seeded runs',
      { unseededNoise: true },
      'seeded-runs-repeat',
      /two runs with seed 7 gave different results/,
    ],
    [
      'reconstructs full rank wrongly',
      { dropsLastComponent: true },
      'full-rank-reconstruction',
      /reconstruct\(\) at full rank is off by relative error/,
    ],
    [
      'has an error that grows with rank',
      { errorGrowsWithRank: true },
      'error-non-increasing-in-rank',
      /the error grew with the rank/,
    ],
    [
      'declares factors that do not match reconstruct()',
      { wrongFactors: true },
      'declared-factors-match',
      /U diag\(s\) V\^T differs from reconstruct\(2\)/,
    ],
    [
      'accepts out-of-range options silently',
      { skipsValidation: true },
      'rejects-bad-options',
      /option "__unknownOption" set to an unknown key .* was accepted silently/,
    ],
  ];

  for (const [what, defects, check, message] of cases) {
    it(`catches a plugin that ${what}`, async () => {
      const failed = await failedChecks(defects);
      const hit = failed.find((r) => r.name === check);
      expect(hit, `expected ${check} to fail; failed: ${JSON.stringify(failed)}`).toBeDefined();
      expect(hit!.message).toMatch(message);
      await expect(assertConformance(truncatedSvdPlugin(defects))).rejects.toThrow(
        new RegExp(`fails the Lowrank conformance kit:[\\s\\S]*- ${check}: `),
      );
    });
  }

  it('catches a plugin that validates some options but not the range of one', async () => {
    const plugin = truncatedSvdPlugin();
    const lenient = {
      ...plugin,
      factorize: (
        m: Parameters<typeof plugin.factorize>[0],
        o?: Parameters<typeof plugin.factorize>[1],
        r?: Parameters<typeof plugin.factorize>[2],
      ) => plugin.factorize(m, o && o.seed !== undefined && o.seed < 0 ? { ...o, seed: 0 } : o, r),
    };
    const report = await checkFactorizer(lenient);
    const hit = report.results.find((r) => r.name === 'rejects-bad-options');
    expect(hit?.status).toBe('failed');
    expect(hit?.message).toMatch(/option "seed" set to below min 0 \(-1\) was accepted silently/);
  });

  it('stops a mid-run abort promptly and reports invalid plugins as contract failures', async () => {
    // 200 iterations of 5 ms: a run that ignored the abort would take a second.
    const others = conformanceCheckNames.filter((n) => n !== 'honours-abort');
    const slow = await checkFactorizer(truncatedSvdPlugin({ slowIterations: 200 }), {
      abortWithinMs: 300,
      skip: others,
    });
    expect(slow.results.find((r) => r.name === 'honours-abort')?.status).toBe('passed');
    const broken = await checkFactorizer({ meta: { name: 'Bad Name' } } as never);
    expect(broken.passed).toBe(false);
    expect(broken.results[0]?.message).toMatch(/kebab-case/);
    expect(broken.results[1]?.status).toBe('not-applicable');
  });

  it('lets authors skip a check explicitly', async () => {
    const report = await checkFactorizer(truncatedSvdPlugin({ mutatesInput: true }), {
      skip: ['does-not-mutate-input'],
    });
    expect(report.results.find((r) => r.name === 'does-not-mutate-input')?.status).toBe('skipped');
  });
});
