import { compressImageFile } from '@lowrank/pipelines';

const t0 = performance.now();
let last = t0;
const log = (s) => {
  const now = performance.now();
  console.log(`${((now - last) / 1000).toFixed(2)}s -> ${s}`);
  last = now;
};
const job = await compressImageFile(process.argv[2], { rank: { kind: 'rank', value: 50 } }, { onStage: log });
log('factorized');
const r = job.reconstruct(50);
log('reconstruct');
const q = job.quality(50);
log('quality ' + JSON.stringify(q));
console.log('rss', process.memoryUsage().rss / 2 ** 20, 'max', process.resourceUsage().maxRSS / 1024);
process.exit(0);
