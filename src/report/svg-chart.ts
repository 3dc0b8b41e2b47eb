import { escapeMarkup as esc, px, type MarkerShape } from './markup.js';

/** One line of a line chart; `null` values leave a gap. */
export interface LineSeries {
  label: string;
  color: string;
  /** Dashed lines with hollow markers (p95) against solid with filled markers (p50): not colour alone. */
  dashed: boolean;
  marker: MarkerShape;
  values: (number | null)[];
}

/** A line chart over categories (weeks). Values are minutes; the axis switches to hours past 3 h. */
export interface LineChart {
  id: string;
  title: string;
  description: string;
  categories: string[];
  xAxisLabel: string;
  /** Completed with the unit: "… (minutes)" or "… (hours)". */
  yAxisLabel: string;
  series: LineSeries[];
}

/** A horizontal bar chart (worst applications). */
export interface BarChart {
  id: string;
  title: string;
  description: string;
  bars: { label: string; value: number }[];
  valueAxisLabel: string;
  categoryAxisLabel: string;
  color: string;
}

const WIDTH = 760;
const PLOT = { left: 78, right: 24, top: 44, height: 230 };
const LEGEND_ITEM_WIDTH = 236;
const LEGEND_ROW_HEIGHT = 22;

/** Renders a line chart as inline SVG with <title>, <desc>, axis labels and a legend. Pure. */
export function renderLineChart(chart: LineChart): string {
  const all = chart.series.flatMap((s) => s.values.filter((v): v is number => v !== null));
  const inHours = Math.max(0, ...all) > 180;
  const scale = inHours ? 1 / 60 : 1;
  const ticks = niceTicks(Math.min(0, ...all) * scale, Math.max(0, ...all) * scale);
  const plotWidth = WIDTH - PLOT.left - PLOT.right;
  const bottom = PLOT.top + PLOT.height;
  const band = plotWidth / Math.max(1, chart.categories.length);
  const x = (i: number): number => PLOT.left + band * (i + 0.5);
  const [low = 0, high = low + 1] = [ticks[0], ticks.at(-1)];
  const y = (minutes: number): number => bottom - ((minutes * scale - low) / (high - low)) * PLOT.height;
  const perRow = Math.floor((WIDTH - PLOT.left) / LEGEND_ITEM_WIDTH);
  const legendTop = bottom + 62;
  const height = legendTop + Math.ceil(chart.series.length / perRow) * LEGEND_ROW_HEIGHT + 8;
  const labelEvery = Math.ceil(chart.categories.length / 9);
  const markerEvery = Math.ceil(chart.categories.length / 26);

  const parts: string[] = [open(chart.id, chart.title, chart.description, height), heading(chart.title)];
  for (const tick of ticks) {
    const ty = bottom - ((tick - low) / (high - low)) * PLOT.height;
    parts.push(`<line class="grid" x1="${PLOT.left}" x2="${WIDTH - PLOT.right}" y1="${px(ty)}" y2="${px(ty)}"/>`);
    parts.push(`<text class="tick" x="${PLOT.left - 6}" y="${px(ty + 4)}" text-anchor="end">${esc(formatTick(tick))}</text>`);
  }
  chart.categories.forEach((category, i) => {
    if (i % labelEvery !== 0) return;
    parts.push(`<text class="tick" x="${px(x(i))}" y="${bottom + 18}" text-anchor="middle">${esc(category)}</text>`);
  });
  parts.push(axes(bottom), axisLabels(chart.xAxisLabel, `${chart.yAxisLabel} (${inHours ? 'hours' : 'minutes'})`, bottom));

  for (const series of chart.series) {
    const dash = series.dashed ? ' stroke-dasharray="7 4"' : '';
    parts.push(
      `<path class="series" d="${linePath(series.values.map((v, i) => (v === null ? null : [x(i), y(v)])))}" stroke="${series.color}"${dash}/>`,
    );
    series.values.forEach((value, i) => {
      // A year of weeks would bury the lines under markers: keep at most about 26 per series.
      if (value === null || i % markerEvery !== 0) return;
      const label = `${series.label}, ${chart.categories[i]}: ${value.toFixed(1)} min`;
      parts.push(`<g><title>${esc(label)}</title>${marker(series.marker, x(i), y(value), series.color, series.dashed)}</g>`);
    });
  }
  chart.series.forEach((series, i) => {
    const lx = PLOT.left + (i % perRow) * LEGEND_ITEM_WIDTH;
    const ly = legendTop + Math.floor(i / perRow) * LEGEND_ROW_HEIGHT;
    const dash = series.dashed ? ' stroke-dasharray="7 4"' : '';
    parts.push(`<line class="series" x1="${lx}" x2="${lx + 30}" y1="${ly}" y2="${ly}" stroke="${series.color}"${dash}/>`);
    parts.push(marker(series.marker, lx + 15, ly, series.color, series.dashed));
    parts.push(`<text class="legend" x="${lx + 38}" y="${ly + 4}">${esc(series.label)}</text>`);
  });
  parts.push('</svg>');
  return parts.join('\n');
}

/** Renders a horizontal bar chart as inline SVG with <title>, <desc>, axis labels and value labels. Pure. */
export function renderBarChart(chart: BarChart): string {
  const left = 230;
  const right = 48;
  const barHeight = 20;
  const gap = 8;
  const top = PLOT.top;
  const plotHeight = Math.max(1, chart.bars.length) * (barHeight + gap);
  const bottom = top + plotHeight;
  const height = bottom + 54;
  const ticks = niceTicks(0, Math.max(1, ...chart.bars.map((b) => b.value)), true);
  const max = ticks.at(-1) ?? 1;
  const w = (value: number): number => (value / max) * (WIDTH - left - right);
  const parts: string[] = [open(chart.id, chart.title, chart.description, height), heading(chart.title)];
  for (const tick of ticks) {
    parts.push(`<line class="grid" x1="${px(left + w(tick))}" x2="${px(left + w(tick))}" y1="${top}" y2="${bottom}"/>`);
    parts.push(`<text class="tick" x="${px(left + w(tick))}" y="${bottom + 16}" text-anchor="middle">${esc(formatTick(tick))}</text>`);
  }
  chart.bars.forEach((bar, i) => {
    const by = top + i * (barHeight + gap) + gap / 2;
    const shown = bar.label.length > 32 ? `${bar.label.slice(0, 31)}…` : bar.label;
    parts.push(`<text class="tick" x="${left - 8}" y="${px(by + barHeight / 2 + 4)}" text-anchor="end">${esc(shown)}</text>`);
    parts.push(
      `<g><title>${esc(`${bar.label}: ${bar.value}`)}</title><rect class="bar" x="${left}" y="${px(by)}" width="${px(Math.max(1, w(bar.value)))}" height="${barHeight}" fill="${chart.color}"/></g>`,
    );
    parts.push(`<text class="value" x="${px(left + w(bar.value) + 6)}" y="${px(by + barHeight / 2 + 4)}">${bar.value}</text>`);
  });
  parts.push(
    `<line class="axis" x1="${left}" x2="${left}" y1="${top}" y2="${bottom}"/><line class="axis" x1="${left}" x2="${WIDTH - right}" y1="${bottom}" y2="${bottom}"/>`,
  );
  parts.push(
    `<text class="axis-label" x="${px(left + (WIDTH - left - right) / 2)}" y="${bottom + 40}" text-anchor="middle">${esc(chart.valueAxisLabel)}</text>`,
  );
  parts.push(
    `<text class="axis-label" x="16" y="${px(top + plotHeight / 2)}" text-anchor="middle" transform="rotate(-90 16 ${px(top + plotHeight / 2)})">${esc(chart.categoryAxisLabel)}</text>`,
  );
  parts.push('</svg>');
  return parts.join('\n');
}

/** Round tick values from `min` to at least `max` (about five steps); whole numbers only when `integers`. */
export function niceTicks(min: number, max: number, integers = false): number[] {
  const span = max - min || 1;
  const rough = span / 5;
  const magnitude = 10 ** Math.floor(Math.log10(rough));
  let step = [1, 2, 2.5, 5, 10].map((m) => m * magnitude).find((candidate) => candidate >= rough) ?? rough;
  if (integers) step = Math.max(1, Math.ceil(step));
  const start = Math.floor(min / step) * step;
  const ticks: number[] = [];
  for (let tick = start; tick < max + step * 0.999; tick += step) ticks.push(Math.round(tick * 1000) / 1000);
  return ticks.length > 1 ? ticks : [start, start + step];
}

function open(id: string, title: string, description: string, height: number): string {
  return `<svg id="${id}" class="chart" role="img" aria-labelledby="${id}-title ${id}-desc" viewBox="0 0 ${WIDTH} ${height}" width="${WIDTH}" height="${height}">
<title id="${id}-title">${esc(title)}</title>
<desc id="${id}-desc">${esc(description)}</desc>`;
}

function heading(title: string): string {
  return `<text class="chart-title" x="${PLOT.left}" y="22">${esc(title)}</text>`;
}

function axes(bottom: number): string {
  return `<line class="axis" x1="${PLOT.left}" x2="${PLOT.left}" y1="${PLOT.top}" y2="${bottom}"/><line class="axis" x1="${PLOT.left}" x2="${WIDTH - PLOT.right}" y1="${bottom}" y2="${bottom}"/>`;
}

function axisLabels(xLabel: string, yLabel: string, bottom: number): string {
  const midY = PLOT.top + PLOT.height / 2;
  return [
    `<text class="axis-label" x="${px(PLOT.left + (WIDTH - PLOT.left - PLOT.right) / 2)}" y="${bottom + 42}" text-anchor="middle">${esc(xLabel)}</text>`,
    `<text class="axis-label" x="18" y="${px(midY)}" text-anchor="middle" transform="rotate(-90 18 ${px(midY)})">${esc(yLabel)}</text>`,
  ].join('');
}

// Consecutive points are joined; a null starts a new segment (a week without a figure is a gap, not zero).
function linePath(points: ([number, number] | null)[]): string {
  let d = '';
  let pen = false;
  for (const point of points) {
    if (!point) {
      pen = false;
      continue;
    }
    d += `${pen ? 'L' : 'M'}${px(point[0])},${px(point[1])} `;
    pen = true;
  }
  return d.trim() || 'M0,0';
}

function marker(shape: MarkerShape, cx: number, cy: number, color: string, hollow: boolean): string {
  const paint = hollow ? `fill="#ffffff" stroke="${color}" stroke-width="2"` : `fill="${color}" stroke="${color}"`;
  const [x, y] = [px(cx), px(cy)];
  switch (shape) {
    case 'circle':
      return `<circle cx="${x}" cy="${y}" r="4.5" ${paint}/>`;
    case 'square':
      return `<rect x="${px(cx - 4)}" y="${px(cy - 4)}" width="8" height="8" ${paint}/>`;
    case 'triangle':
      return `<path d="M${x},${px(cy - 5.5)} L${px(cx + 5.5)},${px(cy + 4.5)} L${px(cx - 5.5)},${px(cy + 4.5)} Z" ${paint}/>`;
    case 'diamond':
      return `<path d="M${x},${px(cy - 6)} L${px(cx + 6)},${y} L${x},${px(cy + 6)} L${px(cx - 6)},${y} Z" ${paint}/>`;
    case 'cross':
      return `<path d="M${px(cx - 5)},${px(cy - 5)} L${px(cx + 5)},${px(cy + 5)} M${px(cx - 5)},${px(cy + 5)} L${px(cx + 5)},${px(cy - 5)}" stroke="${color}" stroke-width="2.5" fill="none"/>`;
  }
}

function formatTick(value: number): string {
  return Number.isInteger(value) ? String(value) : value.toFixed(1);
}
