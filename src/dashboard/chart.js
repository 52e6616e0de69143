// A line chart as inline SVG, drawn by the page itself: no charting library to vendor
// into both hosts, and nothing loaded from elsewhere. One chart per unit of the
// history's series (items today; items/s once sets count what goes in and out).

const SVG = 'http://www.w3.org/2000/svg';

const svg = (name, attributes = {}, text) => {
  const node = document.createElementNS(SVG, name);
  for (const [key, value] of Object.entries(attributes)) node.setAttribute(key, String(value));
  if (text !== undefined) node.textContent = text;
  return node;
};

/** Round figures for the top of the axis: 1, 2, 5, 10, 20, 50 … */
function niceMax(value) {
  if (value <= 0) return 1;
  const power = 10 ** Math.floor(Math.log10(value));
  return [1, 2, 5, 10].map((m) => m * power).find((step) => step >= value);
}

/**
 * Draws `series` ({ name, values }) over `times` (ms) as an SVG: a line per series,
 * colour and dash pattern by its class (`series-<name>`, set in app.css), a gap where a
 * value is null, over the last `spanMs` or since the first point if later. `label`
 * names it for screen readers; `compact` draws no axis text.
 */
export function lineChart({ times, series, spanMs, now, label, compact = false }) {
  const width = compact ? 240 : 720;
  const height = compact ? 56 : 220;
  const pad = compact ? { left: 2, right: 2, top: 4, bottom: 4 } : { left: 44, right: 12, top: 12, bottom: 28 };
  const plotWidth = width - pad.left - pad.right;
  const plotHeight = height - pad.top - pad.bottom;
  const top = niceMax(Math.max(0, ...series.flatMap((s) => s.values.filter((v) => v !== null))));
  // The span kept, or less while the host has been up for less: at least a minute.
  const from = Math.max(now - spanMs, Math.min(times[0] ?? now, now - 60000));
  const x = (t) => pad.left + ((t - from) / (now - from)) * plotWidth;
  const y = (v) => pad.top + plotHeight - (v / top) * plotHeight;

  const root = svg('svg', { viewBox: `0 0 ${width} ${height}`, class: compact ? 'chart compact' : 'chart', role: 'img', 'aria-label': label });
  root.append(svg('title', {}, label));
  root.append(svg('line', { class: 'axis', x1: pad.left, y1: pad.top + plotHeight, x2: width - pad.right, y2: pad.top + plotHeight }));
  if (!compact) {
    root.append(svg('line', { class: 'grid', x1: pad.left, y1: pad.top, x2: width - pad.right, y2: pad.top }));
    root.append(svg('text', { class: 'tick', x: pad.left - 6, y: pad.top + 4, 'text-anchor': 'end' }, String(top)));
    root.append(svg('text', { class: 'tick', x: pad.left - 6, y: pad.top + plotHeight + 4, 'text-anchor': 'end' }, '0'));
    const minutes = Math.round((now - from) / 60000);
    root.append(svg('text', { class: 'tick', x: pad.left, y: height - 8 }, `${minutes} min ago`));
    root.append(svg('text', { class: 'tick', x: width - pad.right, y: height - 8, 'text-anchor': 'end' }, 'now'));
  }
  for (const { name, values } of series) {
    // A path per run of values without a gap, and the latest value as a dot (so that a
    // series of one point is seen too).
    let d = '';
    let open = false;
    let last = null;
    values.forEach((v, i) => {
      if (v === null || times[i] < from) {
        open = false;
        return;
      }
      last = [x(times[i]).toFixed(1), y(v).toFixed(1)];
      d += `${open ? 'L' : 'M'}${last.join(',')}`;
      open = true;
    });
    if (last === null) continue;
    root.append(svg('path', { class: `line series-${name}`, d }));
    root.append(svg('circle', { class: `dot series-${name}`, cx: last[0], cy: last[1], r: compact ? 2 : 3 }));
  }
  return root;
}
