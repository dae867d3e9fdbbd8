import { principalComponentPursuit } from '@lowrank/algorithms-rpca';
import { BlockKrylovThresholding } from '/work/main/packages/algorithms-rpca/dist/block-krylov-thresholding.js';
import { GramThresholding } from '/work/main/packages/algorithms-rpca/dist/singular-value-thresholding.js';
import { readVideoMatrix } from '@lowrank/io';
const scale = Number(process.argv[2] ?? 1);
const its = Number(process.argv[3] ?? 12);
const orig = BlockKrylovThresholding.prototype.apply;
BlockKrylovThresholding.prototype.apply = function (t, tau, out, start) {
  const t0 = performance.now();
  const r = orig.call(this, t, tau, out, start);
  console.log('krylov', (performance.now() - t0).toFixed(0), 'ms', r ? `rank ${r.rank} blocks ${r.blocks}` : 'miss', 'pred', start.predictedRank);
  return r;
};
const origG = GramThresholding.prototype.apply;
GramThresholding.prototype.apply = function (t, tau, out) {
  const t0 = performance.now();
  const g0 = { ...this.timings };
  const r = origG.call(this, t, tau, out);
  console.log('gram-route', (performance.now() - t0).toFixed(0), 'ms rank', r.rank, 'gram', (this.timings.gram - g0.gram).toFixed(0), 'eigen', (this.timings.eigen - g0.eigen).toFixed(0), 'rebuild', (this.timings.reconstruct - g0.reconstruct).toFixed(0));
  return r;
};
const v = await readVideoMatrix('/work/shared/data/video/highway-traffic-320x240.avi', { scale });
const m = v.matrix ?? v;
const t0 = performance.now();
const r = await principalComponentPursuit(m, { maxIterations: its }, { onProgress(p) { console.log('it', p.iteration, ((performance.now() - t0) / 1000).toFixed(2), 's'); } });
console.log(JSON.stringify(r.diagnostics.timings));
