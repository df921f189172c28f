// The console's 好差评 and workload corner: the clerk's own figures for today, the window's
// open rating with its countdown, and the rating just given. Draws only; owns no state.
// Nothing here is ever shown to the citizen: it must not press anyone to rate.

import { serverNow } from "./api.js";
import { el } from "./words.js";

const $ = (id) => document.getElementById(id);

export const RESULT_MS = 12000; // how long the rating just given stays in sight

function minutes(value) {
  return value === null || value === undefined ? "—" : `${Number(value).toFixed(1)} 分`;
}

/** The figures of GET /api/v1/windows/{w} `today`, or dashes when there are none. */
export function renderFigures(today) {
  const figures = {
    served: today?.served,
    missed: today?.missed,
    transferred: today?.transferred,
    held: today?.held,
    "mean-service": today ? minutes(today.mean_service_minutes) : undefined,
    "mean-wait": today ? minutes(today.mean_wait_minutes) : undefined,
    ratings: today?.ratings,
    good: today?.good,
    bad: today?.bad,
  };
  for (const [name, value] of Object.entries(figures)) {
    const cell = $(`today-${name}`);
    cell.textContent = value === undefined || value === null ? "—" : String(value);
    if (name === "bad") cell.classList.toggle("is-bad", Number(value) > 0);
  }
}

/** Seconds left until `iso`, never below zero. */
function secondsLeft(iso) {
  return Math.max(0, Math.ceil((Date.parse(iso) - serverNow()) / 1000));
}

/**
 * The rating line of the current card: the rating just given (for a while), else the open
 * rating and how long the citizen may still rate, else nothing.
 */
export function renderRating(win, result) {
  const line = $("rating-line");
  if (result && Date.now() - result.shownAt < RESULT_MS && result.rating) {
    const rating = result.rating;
    const bad = rating.level <= 2; // 不满意 and 非常不满意 are a 差评
    const parts = [el("strong", "", `${rating.number} 评价：${rating.level_name}`)];
    if (bad && rating.tag_names.length) {
      parts.push(el("span", "rating-tags", rating.tag_names.join("、")));
    }
    line.className = `rating-line ${bad ? "is-bad" : "is-good"}`;
    line.replaceChildren(...parts);
    line.hidden = false;
    return;
  }
  const open = win?.rating;
  if (open && secondsLeft(open.touch_until) > 0) {
    line.className = "rating-line is-open";
    const left = el("span", "rating-left", `剩余 ${secondsLeft(open.touch_until)} 秒`);
    left.id = "rating-left";
    line.replaceChildren(el("strong", "", `评价中：${open.number}`), el("span", "muted", open.service_name ?? ""), left);
    line.hidden = false;
    return;
  }
  line.hidden = true;
  line.replaceChildren();
}
