// The staffing planner on the manager console: start a run, follow its progress, show the
// windows to open hour by hour (or a what-if against another hall config).

import { barChart } from "./chart.js";
import { el } from "./words.js";

const $ = (id) => document.getElementById(id);
const POLL_MS = 400;
const KINDS = { general: "综合", domain: "专业" };

let polling = null;

function number(id) {
  return Number($(id).value);
}

async function body() {
  const source = document.querySelector('input[name="plan-source"]:checked').value;
  const out = {
    target_minutes: number("plan-minutes"),
    target_share: number("plan-share") / 100,
    replications: number("plan-replications"),
    seed: number("plan-seed"),
  };
  if (source === "profile") out.profile = $("plan-profile").value;
  else Object.assign(out, { from: $("plan-from").value || null, to: $("plan-to").value || null });
  const file = $("plan-compare").files?.[0];
  if (file) out.compare = await file.text();
  return out;
}

function poolName(app, pool) {
  const first = pool.windows[0];
  const last = pool.windows.at(-1);
  const windows = pool.windows.length > 1 ? `${first}-${last}号` : `${first}号`;
  return `${KINDS[pool.kind] ?? pool.kind} ${windows}`;
}

function serviceNames(app, ids) {
  return ids.map((id) => app.state.services.get(id)?.name ?? id).join("、");
}

function percent(share) {
  return `${Math.round(share * 100)}%`;
}

// What a hall manager reads instead of "P90": the wait nine in ten citizens stay within.
const NINE_IN_TEN = "九成群众等候不超过";
// An hour in which nobody took a ticket has no waits: not "100% within the target".
const NO_TICKETS = "—";

// Every hour a pool misses the target with all its windows open, one pool at a time: a busy
// hall has many such hours, and "综合 1-4号 9、10、11时" reads at a glance where a list of
// hour-and-pool pairs does not.
function shortHours(app, pools, unmet) {
  const hours = new Map();
  for (const { hour, pool } of unmet) hours.set(pool, [...(hours.get(pool) ?? []), hour]);
  return [...hours].map(([id, list]) => `${poolName(app, pools.find((p) => p.id === id))} ${list.join("、")}时`).join("，");
}

// One hour's waits: dashes, and "无人取号" for the target, when nobody took a ticket then.
function hourCells(hour) {
  const { count, mean, p90, within } = hour.waits;
  if (count === 0 && hour.met) {
    return [el("td", "", NO_TICKETS), el("td", "", NO_TICKETS), el("td", "", NO_TICKETS), el("td", "no-tickets", "无人取号")];
  }
  return [el("td", "", mean.toFixed(1)), el("td", "", p90.toFixed(1)), el("td", "", percent(within)), el("td", hour.met ? "met" : "not-met", hour.met ? "是" : "否")];
}

function showRecommendation(app, result) {
  const pools = result.pools;
  const head = el("tr");
  head.append(
    el("th", "", "时段"),
    ...pools.map((p) => el("th", "", poolName(app, p))),
    el("th", "wait-head", "平均等候（分钟）"),
    el("th", "wait-head", `${NINE_IN_TEN}（分钟）`),
    el("th", "wait-head", `${result.target.minutes}分钟内叫号的比例`),
    el("th", "", "达标"),
  );
  $("plan-table").tHead.replaceChildren(head);
  $("plan-table").tBodies[0].replaceChildren(
    ...result.hours.map((h) => {
      const row = el("tr", h.met ? "" : "unmet");
      row.dataset.hour = String(h.hour);
      row.append(
        el("td", "", `${String(h.hour).padStart(2, "0")}:00`),
        ...pools.map((p) => el("td", "", `${h.windows[p.id]} / ${p.windows.length}`)),
        ...hourCells(h),
      );
      return row;
    }),
  );
  const overall = result.result.overall;
  const short = result.unmet.length ? `；全部窗口开放仍不达标的时段：${shortHours(app, pools, result.unmet)}` : "";
  $("plan-summary").textContent =
    `目标：${percent(result.target.share)} 的办事群众等候不超过 ${result.target.minutes} 分钟。` +
    `建议共 ${result.window_hours} 窗口·小时（一个窗口开放一小时计 1；排队公式初估 ${result.erlang_window_hours}），` +
    `模拟平均等候 ${overall.mean.toFixed(1)} 分钟，${NINE_IN_TEN} ${overall.p90.toFixed(1)} 分钟，` +
    `${percent(overall.within)} 在目标内；共模拟 ${result.simulations} 次${short}。`;
  $("plan-pools").textContent = pools
    .map((p) => `${poolName(app, p)}：${serviceNames(app, p.services)}${p.overflow.length ? `；空闲时兼办 ${serviceNames(app, p.overflow)}` : ""}`)
    .join("　");
  barChart($("plan-chart"), {
    title: "建议窗口数与等候",
    labels: result.hours.map((h) => `${h.hour}时`),
    series: [
      { name: "建议开放窗口", values: result.hours.map((h) => pools.reduce((n, p) => n + h.windows[p.id], 0)), className: "series-c" },
      { name: `${NINE_IN_TEN}(分钟)`, values: result.hours.map((h) => (h.waits.count === 0 ? null : h.waits.p90)), className: "series-a", axis: "right" },
    ],
  });
}

function showComparison(app, result) {
  const sides = [result.first, result.second];
  const lines = [
    ["窗口数", (s) => s.windows],
    ["日均取号", (s) => s.result.issued_per_day.toFixed(0)],
    ["平均等候（分钟）", (s) => s.result.overall.mean.toFixed(1)],
    [`${NINE_IN_TEN}（分钟）`, (s) => s.result.overall.p90.toFixed(1)],
    [`${result.first.result.target_minutes}分钟内叫号的比例`, (s) => percent(s.result.overall.within)],
    ["日均未办完（人）", (s) => s.result.unserved_per_day.toFixed(1)],
    ["下班后延时办理（分钟）", (s) => s.result.overtime_minutes.toFixed(0)],
  ];
  const head = el("tr");
  // Two configs of one hall often share its name: number them as well.
  const title = (s, i) => `方案${i ? "二" : "一"}：${s.name}`;
  head.append(el("th", "", "方案对比"), ...sides.map((s, i) => el("th", `side-${i ? "b" : "a"}`, title(s, i))));
  $("plan-table").tHead.replaceChildren(head);
  $("plan-table").tBodies[0].replaceChildren(
    ...lines.map(([name, get]) => {
      const row = el("tr");
      row.append(el("td", "", name), ...sides.map((s, i) => el("td", `side-${i ? "b" : "a"}`, String(get(s)))));
      return row;
    }),
  );
  $("plan-summary").textContent = "两种配置在同样的办事群众下、所有窗口开放时的模拟结果。";
  $("plan-pools").textContent = "";
  const services = [...new Set(sides.flatMap((s) => Object.keys(s.result.by_service)))];
  barChart($("plan-chart"), {
    title: "各业务平均等候",
    labels: services.map((id) => app.state.services.get(id)?.name ?? id),
    series: sides.map((s, i) => ({ name: `${title(s, i)} 平均等候(分钟)`, values: services.map((id) => s.result.by_service[id]?.mean), className: i ? "series-b" : "series-a" })),
  });
}

// Why a run failed, as the server words it (the planner's reasons are English), in Chinese.
const FAILURES = [
  [/^no tickets issued from (\S+) to (\S+) in the journal$/, (from, to) => `${from} 至 ${to} 本大厅没有取号记录，请换一段日期或选择典型负荷`],
  [/^(.+) has no service (.+)$/, (hall, services) => `另一份大厅配置（${hall}）没有业务 ${services}`],
];

function failureText(reason) {
  for (const [pattern, say] of FAILURES) {
    const found = pattern.exec(reason ?? "");
    if (found) return say(...found.slice(1));
  }
  return /[\u4e00-\u9fff]/.test(reason ?? "") ? reason : "测算条件无法使用";
}

/** The server's own words, in small print, where they were not said in Chinese. */
function failureDetail(reason) {
  return failureText(reason) === "测算条件无法使用" ? reason ?? "" : "";
}

function showJob(app, job) {
  $("plan-bar").value = job.progress;
  const label = { running: "正在测算", done: "测算完成", failed: "测算失败" }[job.state];
  $("plan-progress-text").textContent = `${label} ${Math.round(job.progress * 100)}%`;
  $("plan-progress").dataset.state = job.state;
  if (job.notes?.length) {
    $("plan-notes").textContent = `需求说明（${job.demand ?? ""}）：${job.notes.join("；")}`;
    $("plan-notes").hidden = false;
  }
  if (job.state === "failed") app.showError(`测算失败：${failureText(job.error)}`, { detail: failureDetail(job.error) });
  if (job.state !== "done") return;
  $("plan-result").hidden = false;
  $("plan-result").dataset.kind = job.kind;
  $("plan-result-title").textContent = job.kind === "compare" ? "方案对比（同样的办事群众）" : "建议开放窗口（按小时）";
  if (job.kind === "compare") showComparison(app, job.result);
  else showRecommendation(app, job.result);
}

async function poll(app, id) {
  let job;
  try {
    job = await app.call("GET", `/api/v1/planner/jobs/${encodeURIComponent(id)}`);
  } catch {
    $("plan-run").disabled = false;
    return;
  }
  showJob(app, job);
  if (job.state === "running") {
    polling = setTimeout(() => poll(app, id), POLL_MS);
  } else {
    $("plan-run").disabled = false;
  }
}

async function run(app, event) {
  event.preventDefault();
  clearTimeout(polling);
  $("plan-run").disabled = true;
  $("plan-result").hidden = true;
  $("plan-notes").hidden = true;
  try {
    const answer = await app.call("POST", "/api/v1/planner/run", await body());
    $("plan-progress").hidden = false;
    showJob(app, { state: "running", progress: 0 });
    poll(app, answer.job);
  } catch {
    $("plan-run").disabled = false;
  }
}

export function bindPlanner(app) {
  $("plan-form").addEventListener("submit", (event) => run(app, event));
}
