/**
 * A small hand-written SVG line chart (no plotting dependency): numeric x,
 * y linear or log10, ticks and labels on both axes, a legend. Used by
 * bench/proxy.ts for latency against offered load.
 */

export interface Series {
  label: string;
  color: string;
  dashed?: boolean;
  /** [x, y], or [x, y, true] for a point drawn hollow (flagged, e.g. rate not achieved). */
  points: Array<[number, number, boolean?]>;
}

export interface Chart {
  title: string;
  subtitle?: string;
  xLabel: string;
  yLabel: string;
  series: Series[];
  /** Legend rows: a colour swatch per group, plus line-style rows. */
  legend: Array<{ label: string; color: string; dashed?: boolean; hollow?: boolean }>;
  yScale?: 'linear' | 'log';
}

const W = 900;
const H = 460;
const M = { left: 70, right: 290, top: 60, bottom: 56 };

export function lineChart(chart: Chart): string {
  const pts = chart.series.flatMap((s) => s.points).filter(([x, y]) => Number.isFinite(x) && Number.isFinite(y));
  const xs = pts.map(([x]) => x);
  const ys = pts.map(([, y]) => y);
  const log = chart.yScale === 'log' && Math.min(...ys) > 0;
  const xTicks = linearTicks(0, Math.max(...xs, 1));
  const yTicks = log ? logTicks(Math.min(...ys), Math.max(...ys)) : linearTicks(0, Math.max(...ys, 1));
  const [x0, x1] = [xTicks[0]!, xTicks[xTicks.length - 1]!];
  const [y0, y1] = [yTicks[0]!, yTicks[yTicks.length - 1]!];
  const plotW = W - M.left - M.right;
  const plotH = H - M.top - M.bottom;
  const px = (x: number) => M.left + ((x - x0) / (x1 - x0)) * plotW;
  const ty = (y: number) => (log ? Math.log10(y) : y);
  const py = (y: number) => M.top + plotH - ((ty(y) - ty(y0)) / (ty(y1) - ty(y0))) * plotH;

  const out: string[] = [];
  out.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="12">`);
  out.push(`<rect width="${W}" height="${H}" fill="white"/>`);
  out.push(text(M.left, 24, chart.title, { size: 16, weight: 'bold' }));
  if (chart.subtitle) out.push(text(M.left, 42, chart.subtitle, { size: 11, fill: '#555' }));

  // Grid, ticks and tick labels.
  for (const t of xTicks) {
    const x = px(t);
    out.push(line(x, M.top, x, M.top + plotH, '#eee'));
    out.push(line(x, M.top + plotH, x, M.top + plotH + 5, '#333'));
    out.push(text(x, M.top + plotH + 18, fmt(t), { anchor: 'middle' }));
  }
  for (const t of yTicks) {
    const y = py(t);
    out.push(line(M.left, y, M.left + plotW, y, '#eee'));
    out.push(line(M.left - 5, y, M.left, y, '#333'));
    out.push(text(M.left - 8, y + 4, fmt(t), { anchor: 'end' }));
  }
  // Axes and their labels.
  out.push(line(M.left, M.top, M.left, M.top + plotH, '#333'));
  out.push(line(M.left, M.top + plotH, M.left + plotW, M.top + plotH, '#333'));
  out.push(text(M.left + plotW / 2, H - 14, chart.xLabel, { anchor: 'middle' }));
  const yMid = M.top + plotH / 2;
  out.push(`<text x="18" y="${yMid}" text-anchor="middle" transform="rotate(-90 18 ${yMid})">${esc(chart.yLabel + (log ? ' (log scale)' : ''))}</text>`);

  // The series: a polyline and a dot per point.
  for (const s of chart.series) {
    const points = s.points.filter(([x, y]) => Number.isFinite(x) && Number.isFinite(y) && (!log || y > 0));
    if (points.length === 0) continue;
    const d = points.map(([x, y]) => `${px(x).toFixed(1)},${py(y).toFixed(1)}`).join(' ');
    out.push(
      `<polyline points="${d}" fill="none" stroke="${s.color}" stroke-width="2"${s.dashed ? ' stroke-dasharray="6 4"' : ''}><title>${esc(s.label)}</title></polyline>`,
    );
    for (const [x, y, hollow] of points) {
      out.push(`${dot(px(x), py(y), s.color, hollow)}<title>${esc(`${s.label}: ${fmt(y)} at ${fmt(x)}`)}</title></circle>`);
    }
  }

  // Legend, right of the plot.
  const lx = M.left + plotW + 20;
  chart.legend.forEach((entry, i) => {
    const y = M.top + 10 + i * 20;
    if (entry.hollow) out.push(`${dot(lx + 14, y, entry.color, true)}</circle>`);
    else {
      out.push(
        `<line x1="${lx}" y1="${y}" x2="${lx + 28}" y2="${y}" stroke="${entry.color}" stroke-width="2"${entry.dashed ? ' stroke-dasharray="6 4"' : ''}/>`,
      );
    }
    out.push(text(lx + 36, y + 4, entry.label));
  });
  out.push('</svg>');
  return out.join('\n') + '\n';
}

/** 0-based ticks with a 1/2/5 step, covering [min, max]. */
export function linearTicks(min: number, max: number, target = 6): number[] {
  const raw = (max - min) / target;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * mag).find((s) => s >= raw) ?? 10 * mag;
  const ticks: number[] = [];
  for (let t = Math.floor(min / step) * step; t < max + step; t += step) {
    ticks.push(Number(t.toPrecision(12)));
    if (t >= max) break;
  }
  return ticks;
}

/** 1/2/5 × 10^k ticks from below `min` to above `max` (both > 0). */
export function logTicks(min: number, max: number): number[] {
  const ticks: number[] = [];
  for (let k = Math.floor(Math.log10(min)); ; k++) {
    for (const m of [1, 2, 5]) {
      const t = Number((m * 10 ** k).toPrecision(12));
      if (t <= min) ticks.splice(0, ticks.length, t);
      else ticks.push(t);
      if (t >= max) return ticks;
    }
  }
}

function fmt(v: number): string {
  if (Math.abs(v) >= 100) return Math.round(v).toLocaleString('en-US');
  if (Math.abs(v) >= 10) return String(Number(v.toFixed(1)));
  return String(Number(v.toPrecision(2)));
}

/** An open <circle> tag (the caller closes it, optionally after a <title>). */
function dot(x: number, y: number, color: string, hollow?: boolean): string {
  const fill = hollow ? 'white' : color;
  return `<circle cx="${x.toFixed(1)}" cy="${y.toFixed(1)}" r="${hollow ? 4 : 3}" fill="${fill}" stroke="${color}" stroke-width="${hollow ? 2 : 1}">`;
}

function line(x1: number, y1: number, x2: number, y2: number, stroke: string): string {
  return `<line x1="${x1.toFixed(1)}" y1="${y1.toFixed(1)}" x2="${x2.toFixed(1)}" y2="${y2.toFixed(1)}" stroke="${stroke}"/>`;
}

function text(
  x: number,
  y: number,
  content: string,
  o: { anchor?: 'start' | 'middle' | 'end'; size?: number; weight?: string; fill?: string } = {},
): string {
  const attrs = [
    `x="${x.toFixed(1)}"`,
    `y="${y.toFixed(1)}"`,
    o.anchor && o.anchor !== 'start' ? `text-anchor="${o.anchor}"` : '',
    o.size ? `font-size="${o.size}"` : '',
    o.weight ? `font-weight="${o.weight}"` : '',
    o.fill ? `fill="${o.fill}"` : '',
  ].filter(Boolean);
  return `<text ${attrs.join(' ')}>${esc(content)}</text>`;
}

function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}
