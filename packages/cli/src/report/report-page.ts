import { escapeXml } from './svg-charts.js';

/**
 * The pieces every self-contained HTML report of the CLI shares (the demo's, eval's): one style
 * sheet, number formatting, image figures and the page around the sections. No scripts and no
 * external assets: images are data: URIs and charts inline SVG, so a report opens offline.
 */
export const REPORT_STYLE = `
body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:0;color:#1d1d1f;background:#f6f6f7}
main{max-width:1180px;margin:0 auto;padding:24px}
h1{margin:0 0 4px;font-size:26px}h2{margin:32px 0 10px;font-size:20px;border-bottom:1px solid #ddd;padding-bottom:4px}
section{background:#fff;border-radius:8px;padding:16px 20px;margin:16px 0;box-shadow:0 1px 2px rgba(0,0,0,.06)}
.muted{color:#666;font-size:13px}
.grid{display:flex;flex-wrap:wrap;gap:14px}
figure{margin:0;text-align:center}
figure img{display:block;image-rendering:pixelated;border:1px solid #ccc;background:#000}
figure{max-width:min-content}figcaption{min-width:120px}
figure.matrix{max-width:none}figure.matrix img{width:100%;max-width:1100px;height:320px}
figcaption{font-size:12px;margin-top:4px;color:#333}
table{border-collapse:collapse;font-size:13px;margin:8px 0}th,td{border:1px solid #ddd;padding:4px 8px;text-align:right}
th{background:#f0f0f3}td:first-child,th:first-child{text-align:left}
.win{background:#e8f3e8}
.charts{display:flex;flex-wrap:wrap;gap:16px}
svg.chart{border:1px solid #e2e2e2;border-radius:4px;max-width:100%;height:auto}
`;

/** A number with fixed digits; '–' for missing or not finite, '∞' for +Infinity. */
export function fmt(value: number | undefined, digits = 2): string {
  if (value === undefined || !Number.isFinite(value)) return value === Number.POSITIVE_INFINITY ? '∞' : '–';
  return value.toFixed(digits);
}

/** An image with a caption below (src is a data: URI). */
export function figure(src: string, caption: string, width?: number): string {
  const size = width ? ` width="${width}"` : '';
  return `<figure><img src="${src}" alt="${escapeXml(caption)}"${size}><figcaption>${escapeXml(caption)}</figcaption></figure>`;
}

/** The page: title, an intro line (HTML), optional notes (text) and the sections (HTML). */
export function reportPage(page: {
  readonly title: string;
  readonly intro: string;
  readonly notes?: readonly string[];
  readonly sections: readonly string[];
}): string {
  const notes = (page.notes ?? []).map((n) => `<li>${escapeXml(n)}</li>`).join('');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeXml(page.title)}</title><style>${REPORT_STYLE}</style></head>
<body><main>
<h1>${escapeXml(page.title)}</h1>
<p class="muted">${page.intro}</p>
${notes ? `<ul class="muted">${notes}</ul>` : ''}
${page.sections.join('\n')}
</main></body></html>
`;
}
