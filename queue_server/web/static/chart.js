// Small charts drawn as inline SVG by our own code (the pages' CSP allows no outside script):
// grouped bars, one group per label, each series on its own scale when asked.

const SVG = "http://www.w3.org/2000/svg";
const PLOT_HEIGHT = 184;
const PAD = { top: 16, right: 48, bottom: 40, left: 44 };
// About how wide one character of a label is drawn (CJK at 12px), to tell when labels crowd.
const CHAR_WIDTH = 12;
const MAX_SLANTED_CHARS = 10;

function node(tag, attributes = {}, text = "") {
  const element = document.createElementNS(SVG, tag);
  for (const [name, value] of Object.entries(attributes)) element.setAttribute(name, String(value));
  if (text) element.textContent = text;
  return element;
}

const TICKS = 4; // gaps between the axis labels, 0 at the bottom

/**
 * The scale of an axis for `values`: a step of 1, 2, 2.5 or 5 times a power of ten (whole
 * numbers only for counts), the top TICKS steps up, and the decimals the step needs, so the
 * labels are distinct and short whatever the size (0, 0.02, 0.04 … for a small average).
 */
export function niceScale(values) {
  const finite = values.filter((v) => Number.isFinite(v));
  const counts = finite.every((v) => Number.isInteger(v));
  const largest = Math.max(0, ...finite);
  const raw = largest > 0 ? largest / TICKS : counts ? 1 : 1 / TICKS;
  const power = 10 ** Math.floor(Math.log10(raw));
  const whole = (m) => !counts || Number.isInteger(m * power); // 25 tickets, not 2.5
  const mantissa = [1, 2, 2.5, 5, 10].find((m) => whole(m) && raw <= m * power * (1 + 1e-9)) ?? 10;
  const step = counts ? Math.max(1, mantissa * power) : mantissa * power;
  const decimals = Math.max(0, -Math.floor(Math.log10(step) + 1e-9)) + (mantissa === 2.5 && step < 10 ? 1 : 0);
  return { top: step * TICKS, step, decimals };
}

/** An axis label: as many decimals as the step has, none trailing ("0.1", not "0.10"). */
function tick(scale, i) {
  return String(Number((scale.step * i).toFixed(scale.decimals)));
}

/**
 * Draws a grouped bar chart into `container` (replacing what was there).
 * `series`: [{name, values, className, axis: "left"|"right"}]; a right-axis series gets its
 * own scale on the right (e.g. windows against tickets). `labels` name the groups.
 */
export function barChart(container, { labels, series, title = "" }) {
  container.replaceChildren();
  const width = Math.max(container.clientWidth || 640, 320);
  const group = (width - PAD.left - PAD.right) / Math.max(labels.length, 1);
  // Long labels in narrow groups would run into each other: slant them, and make room below.
  const longest = Math.min(Math.max(0, ...labels.map((l) => String(l).length)), MAX_SLANTED_CHARS);
  const slanted = longest * CHAR_WIDTH > group;
  const bottom = slanted ? PAD.bottom + longest * CHAR_WIDTH * 0.6 : PAD.bottom;
  const height = PAD.top + PLOT_HEIGHT + bottom;
  const svg = node("svg", {
    viewBox: `0 0 ${width} ${height}`,
    width: "100%",
    height,
    role: "img",
    "aria-label": title,
    class: "bar-chart",
  });
  const plotW = width - PAD.left - PAD.right;
  const plotH = PLOT_HEIGHT;
  const scales = {};
  for (const axis of ["left", "right"]) {
    const values = series.filter((s) => (s.axis ?? "left") === axis).flatMap((s) => s.values);
    scales[axis] = niceScale(values);
  }
  for (let i = 0; i <= TICKS; i += 1) {
    const y = PAD.top + plotH - (plotH * i) / TICKS;
    svg.append(node("line", { x1: PAD.left, x2: PAD.left + plotW, y1: y, y2: y, class: "grid-line" }));
    svg.append(node("text", { x: PAD.left - 6, y: y + 4, class: "axis-text axis-left", "text-anchor": "end" }, tick(scales.left, i)));
    if (series.some((s) => s.axis === "right")) {
      svg.append(node("text", { x: PAD.left + plotW + 6, y: y + 4, class: "axis-text axis-right" }, tick(scales.right, i)));
    }
  }
  const bar = Math.max(2, (group * 0.8) / Math.max(series.length, 1));
  labels.forEach((label, index) => {
    const x0 = PAD.left + group * index + group * 0.1;
    series.forEach((s, k) => {
      const value = s.values[index];
      if (!Number.isFinite(value)) return;
      const h = (plotH * value) / scales[s.axis ?? "left"].top;
      const rect = node("rect", {
        x: x0 + bar * k,
        y: PAD.top + plotH - h,
        width: Math.max(bar - 1, 1),
        height: Math.max(h, 0),
        class: `bar ${s.className ?? ""}`,
      });
      rect.append(node("title", {}, `${label} ${s.name}: ${fmt(value)}`));
      svg.append(rect);
    });
    const x = x0 + group * 0.4;
    const y = PAD.top + plotH + 16;
    const shown = slanted && String(label).length > MAX_SLANTED_CHARS ? `${String(label).slice(0, MAX_SLANTED_CHARS - 1)}…` : label;
    const text = slanted
      ? node("text", { x, y, class: "axis-text", "text-anchor": "end", transform: `rotate(-35 ${x} ${y})` }, shown)
      : node("text", { x, y, class: "axis-text", "text-anchor": "middle" }, label);
    if (shown !== label) text.append(node("title", {}, label));
    svg.append(text);
  });
  const legend = document.createElement("p");
  legend.className = "chart-legend";
  for (const s of series) {
    const key = document.createElement("span");
    key.className = `legend-key ${s.className ?? ""}`;
    const name = document.createElement("span");
    name.textContent = `${s.name}${s.axis === "right" ? "（右轴）" : ""}`;
    legend.append(key, name);
  }
  container.append(svg, legend);
}

/** A value in a bar's tooltip: one decimal, two significant digits under 1 (0.031). */
function fmt(value) {
  if (Number.isInteger(value)) return String(value);
  return String(Number(Math.abs(value) >= 1 ? value.toFixed(1) : value.toPrecision(2)));
}
