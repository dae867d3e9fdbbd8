import { figure, fmt, reportPage } from './report-page.js';
import { barChart, escapeXml, lineChart } from './svg-charts.js';

/** Everything the demo measured; the report is a pure function of it (easy to test). */
export interface DemoReportData {
  readonly generatedAt: string;
  readonly machine: { readonly node: string; readonly cpus: number; readonly load: readonly number[] };
  readonly image: {
    readonly name: string;
    readonly width: number;
    readonly height: number;
    /** data:image/png;base64,... */
    readonly original: string;
    readonly method: string;
    readonly ranks: readonly {
      readonly rank: number;
      readonly compressionRatio: number;
      readonly psnr: number;
      readonly ssim: number;
      readonly picture: string;
    }[];
    readonly singularValues: readonly number[];
    readonly rateDistortion: readonly RateDistortionRow[];
  };
  readonly video?: {
    readonly name: string;
    readonly frames: number;
    readonly width: number;
    readonly height: number;
    readonly matrixPicture: string;
    readonly runs: readonly VideoRun[];
  };
  readonly timings: readonly { readonly step: string; readonly seconds: number }[];
  readonly notes?: readonly string[];
}

export interface RateDistortionRow {
  readonly rank: number;
  /** SVD factors stored as 8-bit numbers would take about storedNumbers bytes; we report numbers. */
  readonly storedNumbers: number;
  readonly svdPsnr: number;
  readonly jpegBytes?: number;
  readonly jpegPsnr?: number;
  readonly webpBytes?: number;
  readonly webpPsnr?: number;
}

export interface VideoRun {
  readonly method: string;
  readonly rank: number;
  readonly iterations: number;
  readonly converged: boolean;
  readonly residual: number;
  readonly seconds: number;
  readonly history?: readonly number[];
  readonly frames: readonly {
    readonly index: number;
    readonly original: string;
    readonly background: string;
    readonly foreground: string;
    readonly mask?: string;
  }[];
}

/** Renders the self-contained report: inline PNG data URIs and inline SVG, no external assets. */
export function renderDemoReport(data: DemoReportData): string {
  const { image } = data;
  const sv = image.singularValues;
  const total = sv.reduce((s, v) => s + v * v, 0);
  let head = 0;
  const energy = sv.map((v, i) => {
    head += v * v;
    return [i + 1, total > 0 ? head / total : 1] as const;
  });
  const displayWidth = Math.min(256, image.width);
  const spectrum = lineChart({
    title: `Singular values of ${image.name}`,
    xLabel: 'index k',
    yLabel: 'σ_k (log scale)',
    logY: true,
    series: [{ name: 'singular value', color: '#4477aa', points: sv.map((v, i) => [i + 1, v] as const) }],
  });
  const energyChart = lineChart({
    title: 'Energy kept by the first k singular values',
    xLabel: 'rank k',
    yLabel: 'energy kept',
    legend: 'bottom-right',
    series: [{ name: 'energy', color: '#228833', points: energy }],
    yMarks: [
      { value: 0.9, label: '90%' },
      { value: 0.99, label: '99%' },
    ],
  });
  const rd = image.rateDistortion;
  const rdChart = lineChart({
    title: 'Rate-distortion: PSNR against size',
    legend: 'bottom-right',
    xLabel: 'stored numbers (SVD) or bytes (JPEG/WebP), log scale',
    yLabel: 'PSNR (dB)',
    logX: true,
    series: [
      {
        name: `SVD rank k (${image.method}), numbers stored`,
        color: '#4477aa',
        markers: true,
        points: rd.map((r) => [r.storedNumbers, r.svdPsnr] as const),
      },
      {
        name: 'JPEG at about the same bytes',
        color: '#ee6677',
        markers: true,
        dashed: true,
        points: rd.filter((r) => r.jpegBytes !== undefined).map((r) => [r.jpegBytes!, r.jpegPsnr!] as const),
      },
      {
        name: 'WebP at about the same bytes',
        color: '#aa3377',
        markers: true,
        dashed: true,
        points: rd.filter((r) => r.webpBytes !== undefined).map((r) => [r.webpBytes!, r.webpPsnr!] as const),
      },
    ],
  });
  const rdRows = rd
    .map((r) => {
      const best = Math.max(r.svdPsnr, r.jpegPsnr ?? -Infinity, r.webpPsnr ?? -Infinity);
      const cls = (v: number | undefined) => (v !== undefined && v === best ? ' class="win"' : '');
      return `<tr><td>${r.rank}</td><td>${r.storedNumbers}</td><td${cls(r.svdPsnr)}>${fmt(r.svdPsnr)}</td><td>${r.jpegBytes ?? '–'}</td><td${cls(r.jpegPsnr)}>${fmt(r.jpegPsnr)}</td><td>${r.webpBytes ?? '–'}</td><td${cls(r.webpPsnr)}>${fmt(r.webpPsnr)}</td></tr>`;
    })
    .join('');
  const svdWins = rd
    .filter((r) => r.svdPsnr > Math.max(r.jpegPsnr ?? -Infinity, r.webpPsnr ?? -Infinity))
    .map((r) => r.rank);
  const verdict =
    svdWins.length === 0
      ? 'JPEG and WebP beat the truncated SVD at every size here: an SVD is a way to see low-rank structure, not a competitive image codec.'
      : `The SVD is ahead only at rank ${svdWins.join(', ')}; elsewhere JPEG/WebP win, as expected of codecs built for images.`;

  const sections: string[] = [];
  sections.push(`<section id="image"><h2>Image compression: ${escapeXml(image.name)} (${image.width}×${image.height})</h2>
<p class="muted">Truncated SVD at rank k stores k(m+n+1) numbers instead of m·n. PSNR in dB against the original (higher is better); SSIM from 0 to 1.</p>
<div class="grid">${figure(image.original, 'original', displayWidth)}${image.ranks
    .map((r) =>
      figure(
        r.picture,
        `rank ${r.rank}: ratio ${fmt(r.compressionRatio, 1)}×, PSNR ${fmt(r.psnr, 1)} dB, SSIM ${fmt(r.ssim, 3)}`,
        displayWidth,
      ),
    )
    .join('')}</div></section>`);
  sections.push(
    `<section id="spectrum"><h2>Singular value spectrum and energy</h2><div class="charts">${spectrum}${energyChart}</div></section>`,
  );
  sections.push(`<section id="rate-distortion"><h2>Rate-distortion against JPEG and WebP</h2>
<p>${escapeXml(verdict)} <span class="muted">SVD sizes are counts of stored numbers (each would need at least one byte once quantized), so the comparison flatters the SVD; JPEG/WebP sizes are real file bytes at the highest quality that fits in that count.</span></p>
<div class="charts">${rdChart}</div>
<table><thead><tr><th>rank</th><th>SVD numbers</th><th>SVD PSNR</th><th>JPEG bytes</th><th>JPEG PSNR</th><th>WebP bytes</th><th>WebP PSNR</th></tr></thead><tbody>${rdRows}</tbody></table></section>`);

  if (data.video) {
    const v = data.video;
    const frameWidth = Math.max(96, Math.min(200, v.width * 2));
    const runs = v.runs
      .map((run) => {
        const frames = run.frames
          .map(
            (f) =>
              `<div class="grid frame-row">${figure(f.original, `frame ${f.index + 1}: original`, frameWidth)}${figure(f.background, 'background (L)', frameWidth)}${figure(f.foreground, 'foreground |S|', frameWidth)}${f.mask ? figure(f.mask, 'mask', frameWidth) : ''}</div>`,
          )
          .join('');
        return `<h3>${escapeXml(run.method)}: rank ${run.rank}, ${run.iterations} iteration(s), ${run.converged ? 'converged' : 'not converged'}, residual ${run.residual.toExponential(2)}, ${fmt(run.seconds)} s</h3>${frames}`;
      })
      .join('');
    const withHistory = v.runs.filter((r) => r.history && r.history.length > 1);
    const convergence = withHistory.length
      ? lineChart({
          title: 'Robust PCA convergence',
          xLabel: 'iteration',
          yLabel: 'relative residual |M-L-S| / |M| (log scale)',
          logY: true,
          series: withHistory.map((r, i) => ({
            name: r.method,
            color: ['#cc3311', '#0077bb', '#009988'][i % 3]!,
            points: r.history!.map((h, k) => [k + 1, h] as const),
          })),
        })
      : '<p class="muted">No iteration history was reported.</p>';
    sections.push(`<section id="video"><h2>Video: ${escapeXml(v.name)} (${v.frames} frames, ${v.width}×${v.height})</h2>
<p class="muted">Each frame is one column of the (pixels × frames) matrix M. Background L is low-rank; foreground S = M − L is sparse.</p>
<h3>The video matrix</h3><figure class="matrix"><img src="${v.matrixPicture}" alt="video matrix"><figcaption>The video matrix, pixels down and frames across (pixel bands averaged): still background gives horizontal lines, moving cars the curves across them.</figcaption></figure>${runs}</section>`);
    sections.push(
      `<section id="convergence"><h2>Convergence of robust PCA</h2><div class="charts">${convergence}</div></section>`,
    );
  }
  sections.push(`<section id="timings"><h2>Timings</h2><div class="charts">${barChart(
    'Wall-clock seconds per step',
    data.timings.map((t) => ({ label: t.step, value: t.seconds })),
    's',
  )}</div>
<p class="muted">Node ${escapeXml(data.machine.node)}, ${data.machine.cpus} CPU(s), load average ${data.machine.load.map((l) => l.toFixed(2)).join(' / ')} when the demo ran (the machine may be shared).</p></section>`);
  return reportPage({
    title: 'Lowrank demo report',
    intro: `Generated ${escapeXml(data.generatedAt)} by <code>lowrank demo</code>. Everything on this page is inline: it opens offline.`,
    notes: data.notes ?? [],
    sections,
  });
}
