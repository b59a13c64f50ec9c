// Charts drawn as inline SVG: axes with ticks and labels, marks with a <title> each (the hover tooltip).
import { h, s } from './ui.js';

/** Round tick values covering [min, max]: steps of 1, 2 or 5 times a power of ten. */
export function niceTicks(min, max, count = 5, minStep = 0) {
  if (max <= min) max = min + 1;
  const raw = (max - min) / count;
  const power = 10 ** Math.floor(Math.log10(raw));
  // Counts get whole ticks: a step of 0.5 would print 0, 1, 1 once rounded.
  const step = Math.max(
    minStep,
    [1, 2, 5, 10].map((m) => m * power).find((candidate) => candidate >= raw),
  );
  const ticks = [];
  for (let v = Math.floor(min / step) * step; v <= max + step * 1e-9; v += step)
    ticks.push(Number(v.toPrecision(12)));
  if (ticks[ticks.length - 1] < max) ticks.push(Number((ticks[ticks.length - 1] + step).toPrecision(12)));
  return ticks;
}

const PALETTE = ['series-a', 'series-b', 'series-c', 'series-d'];

function legend(series) {
  if (series.length < 2) return null;
  return h(
    'ul',
    { class: 'legend' },
    series.map((serie, i) =>
      h('li', {}, h('span', { class: `swatch ${serie.className || PALETTE[i]}` }), serie.name),
    ),
  );
}

/** Plot area and axes shared by the cartesian charts; returns the frame and the y scale. */
function frame({ width, height, margin, yMax, yFormat, xLabel, yLabel, integer }) {
  const ticks = niceTicks(0, yMax || 1, 5, integer ? 1 : 0);
  const top = ticks[ticks.length - 1];
  const plotW = width - margin.left - margin.right;
  const plotH = height - margin.top - margin.bottom;
  const y = (v) => margin.top + plotH - (v / top) * plotH;
  const svg = s('svg', {
    class: 'chart',
    viewBox: `0 0 ${width} ${height}`,
    role: 'img',
    'aria-label': `${yLabel} by ${xLabel}`,
  });
  const yAxis = s('g', { class: 'axis axis-y' });
  for (const t of ticks) {
    yAxis.append(
      s('line', { class: 'grid', x1: margin.left, x2: width - margin.right, y1: y(t), y2: y(t) }),
      s('text', { x: margin.left - 8, y: y(t) + 4, 'text-anchor': 'end' }, yFormat(t)),
    );
  }
  svg.append(
    yAxis,
    s('line', { class: 'axis-line', x1: margin.left, x2: width - margin.right, y1: y(0), y2: y(0) }),
    s(
      'text',
      {
        class: 'axis-title axis-title-y',
        transform: `translate(14 ${margin.top + plotH / 2}) rotate(-90)`,
        'text-anchor': 'middle',
      },
      yLabel,
    ),
    s(
      'text',
      {
        class: 'axis-title axis-title-x',
        x: margin.left + plotW / 2,
        y: height - 6,
        'text-anchor': 'middle',
      },
      xLabel,
    ),
  );
  return { svg, y, plotW, plotH };
}

function xAxisLabels(svg, categories, xCenter, baseline, every = 1) {
  const g = s('g', { class: 'axis axis-x' });
  categories.forEach((label, i) => {
    if (i % every === 0)
      g.append(s('text', { x: xCenter(i), y: baseline + 18, 'text-anchor': 'middle' }, label));
  });
  svg.append(g);
}

/**
 * Vertical bars, grouped when there are several series.
 * series: [{name, values, className?}]; values[i] belongs to categories[i].
 */
export function barChart({
  categories,
  series,
  xLabel,
  yLabel,
  yFormat = String,
  valueFormat = yFormat,
  height = 300,
  integer = true,
}) {
  const width = 760;
  const margin = { top: 16, right: 16, bottom: 48, left: 72 };
  const yMax = Math.max(0, ...series.flatMap((serie) => serie.values));
  const { svg, y, plotW } = frame({ width, height, margin, yMax, yFormat, xLabel, yLabel, integer });
  const band = plotW / categories.length;
  const barW = (band * 0.75) / series.length;
  const marks = s('g', { class: 'marks' });
  series.forEach((serie, si) => {
    serie.values.forEach((v, i) => {
      const x = margin.left + i * band + band * 0.125 + si * barW;
      marks.append(
        s(
          'rect',
          {
            class: `mark bar ${serie.className || PALETTE[si]}`,
            x,
            y: y(v),
            width: Math.max(barW - 1, 1),
            height: Math.max(y(0) - y(v), 0),
            'data-value': v,
          },
          s('title', {}, `${categories[i]}: ${valueFormat(v)}${series.length > 1 ? ` (${serie.name})` : ''}`),
        ),
      );
    });
  });
  svg.append(marks);
  xAxisLabels(
    svg,
    categories,
    (i) => margin.left + i * band + band / 2,
    y(0),
    Math.ceil(categories.length / 24),
  );
  return h('figure', { class: 'figure' }, svg, legend(series));
}

/** Lines with a point per category; series: [{name, values, className?}]. */
export function lineChart({
  categories,
  series,
  xLabel,
  yLabel,
  yFormat = String,
  valueFormat = yFormat,
  height = 320,
}) {
  const width = 760;
  const margin = { top: 16, right: 24, bottom: 48, left: 72 };
  const yMax = Math.max(0, ...series.flatMap((serie) => serie.values));
  const { svg, y, plotW } = frame({ width, height, margin, yMax, yFormat, xLabel, yLabel });
  const step = plotW / categories.length;
  const x = (i) => margin.left + step * (i + 0.5);
  series.forEach((serie, si) => {
    const cls = serie.className || PALETTE[si];
    const path = serie.values
      .map((v, i) => `${i === 0 ? 'M' : 'L'}${x(i).toFixed(1)},${y(v).toFixed(1)}`)
      .join(' ');
    const g = s('g', { class: `series ${cls}`, 'data-series': serie.name });
    g.append(s('path', { class: `line ${serie.dashed ? 'dashed' : ''}`, d: path }));
    serie.values.forEach((v, i) =>
      g.append(
        s(
          'circle',
          { class: 'mark point', cx: x(i), cy: y(v), r: 5, 'data-value': v },
          s('title', {}, `${categories[i]}: ${valueFormat(v)} (${serie.name})`),
        ),
      ),
    );
    svg.append(g);
  });
  xAxisLabels(svg, categories, x, y(0));
  return h('figure', { class: 'figure' }, svg, legend(series));
}

/** Horizontal bars with the category on the left and the value at the bar's end. */
export function hbarChart({
  categories,
  values,
  notes = [],
  xLabel,
  valueFormat = String,
  className = 'series-a',
  width = 760,
}) {
  const rowH = 30;
  // Narrow charts (two side by side) keep their text legible by giving the bars less room, not the labels.
  const side = width > 600 ? 170 : 125;
  const margin = { top: 8, right: side, bottom: 40, left: side };
  const height = margin.top + margin.bottom + rowH * categories.length;
  const max = Math.max(1, ...values);
  const plotW = width - margin.left - margin.right;
  const svg = s('svg', {
    class: 'chart',
    viewBox: `0 0 ${width} ${height}`,
    role: 'img',
    'aria-label': xLabel,
  });
  const ticks = niceTicks(0, max, 4, 1);
  const top = ticks[ticks.length - 1];
  const x = (v) => margin.left + (v / top) * plotW;
  const axis = s('g', { class: 'axis axis-x' });
  for (const t of ticks) {
    axis.append(
      s('line', { class: 'grid', x1: x(t), x2: x(t), y1: margin.top, y2: height - margin.bottom }),
      s('text', { x: x(t), y: height - margin.bottom + 16, 'text-anchor': 'middle' }, valueFormat(t)),
    );
  }
  svg.append(
    axis,
    s(
      'text',
      { class: 'axis-title', x: margin.left + plotW / 2, y: height - 6, 'text-anchor': 'middle' },
      xLabel,
    ),
  );
  const marks = s('g', { class: 'marks' });
  categories.forEach((label, i) => {
    const yTop = margin.top + i * rowH + 5;
    marks.append(
      s('text', { class: 'category', x: margin.left - 10, y: yTop + 15, 'text-anchor': 'end' }, label),
      s(
        'rect',
        {
          class: `mark bar ${className}`,
          x: margin.left,
          y: yTop,
          width: Math.max(x(values[i]) - margin.left, 0),
          height: rowH - 10,
          'data-value': values[i],
        },
        s('title', {}, `${label}: ${valueFormat(values[i])}`),
      ),
      s(
        'text',
        { class: 'value', x: x(values[i]) + 6, y: yTop + 15 },
        [valueFormat(values[i]), notes[i]].filter(Boolean).join('  ·  '),
      ),
    );
  });
  svg.append(marks);
  return h('figure', { class: 'figure' }, svg);
}

/** Colour of a share in [0, 1] on a light-to-dark blue ramp. */
function heat(v) {
  const t = Math.sqrt(Math.min(Math.max(v, 0), 1));
  const from = [239, 246, 255];
  const to = [29, 78, 216];
  const c = from.map((f, i) => Math.round(f + (to[i] - f) * t));
  return `rgb(${c.join(',')})`;
}

/**
 * A heat map: rows × columns of shares in [0, 1]; null cells (not observable yet) stay blank.
 */
export function heatmap({ rows, columns, values, xLabel, yLabel, valueFormat, rowNotes = [] }) {
  const cell = Math.max(14, Math.min(34, Math.floor(600 / columns.length)));
  const margin = { top: 28, right: 16, bottom: 44, left: 150 };
  const width = margin.left + margin.right + cell * columns.length;
  const height = margin.top + margin.bottom + cell * rows.length;
  const svg = s('svg', {
    class: 'chart heatmap',
    viewBox: `0 0 ${width} ${height}`,
    role: 'img',
    'aria-label': `${yLabel} by ${xLabel}`,
  });
  const every = Math.ceil(columns.length / 24);
  const xAxis = s('g', { class: 'axis axis-x' });
  columns.forEach((label, j) => {
    if (j % every === 0)
      xAxis.append(
        s(
          'text',
          { x: margin.left + j * cell + cell / 2, y: margin.top - 8, 'text-anchor': 'middle' },
          label,
        ),
      );
  });
  const yAxis = s('g', { class: 'axis axis-y' });
  rows.forEach((label, i) => {
    yAxis.append(
      s(
        'text',
        { x: margin.left - 8, y: margin.top + i * cell + cell / 2 + 4, 'text-anchor': 'end' },
        rowNotes[i] ? `${label} (${rowNotes[i]})` : label,
      ),
    );
  });
  const marks = s('g', { class: 'marks' });
  values.forEach((row, i) =>
    row.forEach((v, j) => {
      if (v === null || v === undefined) return;
      marks.append(
        s(
          'rect',
          {
            class: 'mark cell',
            x: margin.left + j * cell,
            y: margin.top + i * cell,
            width: cell - 1,
            height: cell - 1,
            fill: heat(v),
            'data-value': v,
          },
          s('title', {}, `${rows[i]}, ${columns[j]}: ${valueFormat(v)}`),
        ),
      );
      if (cell >= 30) {
        marks.append(
          s(
            'text',
            {
              class: `cell-label ${v > 0.35 ? 'on-dark' : ''}`,
              x: margin.left + j * cell + cell / 2,
              y: margin.top + i * cell + cell / 2 + 4,
              'text-anchor': 'middle',
            },
            Math.round(v * 100),
          ),
        );
      }
    }),
  );
  svg.append(
    xAxis,
    yAxis,
    marks,
    s(
      'text',
      {
        class: 'axis-title',
        x: margin.left + (cell * columns.length) / 2,
        y: height - 12,
        'text-anchor': 'middle',
      },
      xLabel,
    ),
    s('text', { class: 'axis-title', x: 8, y: 16 }, yLabel),
  );
  const scale = h(
    'div',
    { class: 'heat-scale' },
    h('span', {}, '0%'),
    s(
      'svg',
      { viewBox: '0 0 200 12', class: 'heat-ramp' },
      [0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9].map((v, k) =>
        s('rect', { x: k * 20, y: 0, width: 20, height: 12, fill: heat(v + 0.05) }),
      ),
    ),
    h('span', {}, '100% of the cohort active'),
  );
  return h('figure', { class: 'figure figure-scroll' }, svg, scale);
}
