import { readImage } from '@lowrank/io';
import { randomizedSvd } from '@lowrank/algorithms-svd';
const m = (await readImage('/tmp/bp/photo-6000x4000.jpg', {dtype:'float32'})).matrix;
let total = 0; for (const v of m.data) total += v * v;
for (const q of [7, 4, 3, 2]) {
  const t = performance.now();
  const f = randomizedSvd(m, 50, { powerIterations: q });
  const sec = (performance.now() - t) / 1000;
  let head = 0; for (const s of f.s) head += s * s;
  console.log(JSON.stringify({ q, seconds: +sec.toFixed(2), relativeError: Math.sqrt((total - head) / total) }));
}
process.exit(0);
