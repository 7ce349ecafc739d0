// A small SVG line chart for loss curves: several series overlaid, axes with a few labelled ticks,
// a legend. Redrawn whole on every change: a training run has a few thousand points at most.

import { h, svg } from './dom.js';

// Dark enough on white to read as text and as thin lines (each at least 4.5:1).
export const PALETTE = ['#1f4fa8', '#b4420b', '#16723a', '#7a2ca8', '#a3202a', '#0b6a7d', '#7a5a00', '#3f3fa0'];

const WIDTH = 640;
const HEIGHT = 300;
const MARGIN = { top: 14, right: 18, bottom: 44, left: 62 };

/**
 * Draws series into container (replacing what was there).
 * series: [{ name, color, points: [{ x, y }], line = true, markers = false, dashed = false }]
 * options: { xLabel, yLabel, title, emptyText }
 */
export function drawLineChart(container, series, { xLabel = 'step', yLabel = 'loss', title = 'Loss', emptyText = 'No points yet.' } = {}) {
  const drawable = series.map((s, i) => ({
    line: true,
    markers: false,
    dashed: false,
    color: PALETTE[i % PALETTE.length],
    ...s,
    points: (s.points ?? []).filter((p) => Number.isFinite(p.x) && Number.isFinite(p.y)),
  }));
  const all = drawable.flatMap((s) => s.points);
  if (all.length === 0) {
    container.replaceChildren(h('p', { class: 'chart-empty' }, emptyText));
    return;
  }

  const xAxis = niceScale(Math.min(...all.map((p) => p.x)), Math.max(...all.map((p) => p.x)));
  const yAxis = niceScale(Math.min(...all.map((p) => p.y)), Math.max(...all.map((p) => p.y)));
  const plotWidth = WIDTH - MARGIN.left - MARGIN.right;
  const plotHeight = HEIGHT - MARGIN.top - MARGIN.bottom;
  const toX = (x) => MARGIN.left + ((x - xAxis.min) / (xAxis.max - xAxis.min)) * plotWidth;
  const toY = (y) => MARGIN.top + plotHeight - ((y - yAxis.min) / (yAxis.max - yAxis.min)) * plotHeight;

  const chart = svg('svg', {
    viewBox: `0 0 ${WIDTH} ${HEIGHT}`,
    class: 'chart',
    role: 'img',
    'aria-label': `${title}: ${describe(drawable)}`,
  },
  svg('title', {}, title),
  grid(xAxis, yAxis, toX, toY),
  axes(xAxis, yAxis, toX, toY, xLabel, yLabel),
  drawable.map((s) => seriesShapes(s, toX, toY)));

  container.replaceChildren(chart, legend(drawable));
}

/** A loss read from metrics.json: NaN (never 0) for the null a diverged step was read as, so it is left off the chart. */
export function lossValue(value) {
  return value === null || value === undefined || value === '' ? Number.NaN : Number(value);
}

/** Round tick values covering [min, max]: steps of 1, 2 or 5 times a power of ten, about five ticks. */
export function niceScale(min, max, count = 5) {
  if (min === max) {
    const pad = Math.abs(min) * 0.1 || 1;
    min -= pad;
    max += pad;
  }
  const rough = (max - min) / count;
  const magnitude = 10 ** Math.floor(Math.log10(rough));
  const step = [1, 2, 5, 10].map((m) => m * magnitude).find((candidate) => candidate >= rough);
  const niceMin = Math.floor(min / step) * step;
  const niceMax = Math.ceil(max / step) * step;
  const ticks = [];
  for (let value = niceMin; value <= niceMax + step / 2; value += step) {
    // Rounding keeps 0.30000000000000004 off the axis.
    ticks.push(Number(value.toPrecision(12)));
  }
  return { min: niceMin, max: niceMax, step, ticks };
}

function grid(xAxis, yAxis, toX, toY) {
  return svg('g', { class: 'chart-grid', 'aria-hidden': 'true' },
    yAxis.ticks.map((y) => svg('line', { x1: toX(xAxis.min), x2: toX(xAxis.max), y1: toY(y), y2: toY(y) })),
    xAxis.ticks.map((x) => svg('line', { x1: toX(x), x2: toX(x), y1: toY(yAxis.min), y2: toY(yAxis.max) })));
}

function axes(xAxis, yAxis, toX, toY, xLabel, yLabel) {
  const bottom = toY(yAxis.min);
  const left = toX(xAxis.min);
  return svg('g', { class: 'chart-axes', 'aria-hidden': 'true' },
    svg('line', { x1: left, x2: toX(xAxis.max), y1: bottom, y2: bottom }),
    svg('line', { x1: left, x2: left, y1: toY(yAxis.max), y2: bottom }),
    xAxis.ticks.map((x) => svg('text', { x: toX(x), y: bottom + 16, 'text-anchor': 'middle' }, tickLabel(x))),
    yAxis.ticks.map((y) => svg('text', { x: left - 6, y: toY(y) + 4, 'text-anchor': 'end' }, tickLabel(y))),
    svg('text', { x: left + (toX(xAxis.max) - left) / 2, y: HEIGHT - 6, 'text-anchor': 'middle', class: 'chart-label' }, xLabel),
    svg('text', {
      x: 14, y: MARGIN.top + (bottom - MARGIN.top) / 2, 'text-anchor': 'middle', class: 'chart-label',
      transform: `rotate(-90 14 ${MARGIN.top + (bottom - MARGIN.top) / 2})`,
    }, yLabel));
}

function seriesShapes(series, toX, toY) {
  const group = svg('g', { class: 'chart-series' });
  const sorted = [...series.points].sort((a, b) => a.x - b.x);
  if (series.line && sorted.length > 1) {
    group.append(svg('polyline', {
      points: sorted.map((p) => `${toX(p.x).toFixed(1)},${toY(p.y).toFixed(1)}`).join(' '),
      fill: 'none',
      stroke: series.color,
      'stroke-width': 2,
      'stroke-dasharray': series.dashed ? '6 4' : null,
    }));
  }
  if (series.markers || sorted.length === 1) {
    for (const p of sorted) {
      group.append(svg('circle', { cx: toX(p.x), cy: toY(p.y), r: 3.5, fill: '#fff', stroke: series.color, 'stroke-width': 2 },
        svg('title', {}, `${series.name}: step ${p.x}, ${tickLabel(p.y)}`)));
    }
  }
  return group;
}

function legend(series) {
  return h('ul', { class: 'chart-legend' },
    series.map((s) => h('li', {},
      h('span', {
        class: `swatch${s.dashed ? ' dashed' : ''}${s.markers && !s.line ? ' dot' : ''}`,
        style: `--swatch: ${s.color}`,
        'aria-hidden': 'true',
      }),
      `${s.name} (${s.points.length} ${s.points.length === 1 ? 'point' : 'points'})`)));
}

function tickLabel(value) {
  return Math.abs(value) >= 1000 ? value.toLocaleString('en-US') : String(Number(value.toPrecision(4)));
}

/** A sentence for screen readers: each series' first and last value. */
function describe(series) {
  return series.filter((s) => s.points.length > 0).map((s) => {
    const first = s.points[0];
    const last = s.points[s.points.length - 1];
    return `${s.name} from ${tickLabel(first.y)} at step ${first.x} to ${tickLabel(last.y)} at step ${last.x}`;
  }).join('; ');
}
