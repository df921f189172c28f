// Reports on the manager console: the period's table by service, window, clerk or hour, the
// hourly load against windows open, and the CSV and Excel files.

import { refusal } from "./api.js";
import { barChart } from "./chart.js";
import { renderReportTable } from "./manager-report-table.js";
import { el } from "./words.js";

const $ = (id) => document.getElementById(id);

// Whether the manager chose the day in 日期: until then the reports are of the hall's day,
// which moves on at midnight on a page left open.
let dayChosen = false;

function query() {
  return new URLSearchParams({ period: $("report-period").value, date: $("report-date").value, by: $("report-by").value });
}

function renderTable(report) {
  renderReportTable($("report"), report);
  const p = report.period;
  $("report-period-label").textContent = p.first === p.last ? `统计日期：${p.first}` : `统计期间：${p.first} 至 ${p.last}`;
}

function renderLoad(load) {
  $("load-date").textContent = load.period.first;
  const rows = load.rows;
  if (!rows.length) {
    $("load-chart").replaceChildren(el("p", "muted", "这一天没有业务"));
    return;
  }
  barChart($("load-chart"), {
    title: "时段负荷",
    labels: rows.map((r) => `${r.hour}时`),
    series: [
      { name: "取号数", values: rows.map((r) => r.issued), className: "series-a" },
      { name: "办结数", values: rows.map((r) => r.served), className: "series-b" },
      { name: "平均开放窗口", values: rows.map((r) => r.open_windows), className: "series-c", axis: "right" },
    ],
  });
}

export async function loadReports(app) {
  if (!dayChosen || !$("report-date").value) $("report-date").value = app.state.day;
  try {
    const q = query();
    const [report, load] = await Promise.all([
      app.call("GET", `/api/v1/reports?${q}`),
      app.call("GET", `/api/v1/reports/load?date=${q.get("date")}`),
    ]);
    renderTable(report);
    renderLoad(load);
  } catch {
    // shown by call()
  }
}

/** Fetches a file with the manager's token and hands it to the browser as a download. */
async function download(app, path) {
  let response;
  try {
    response = await fetch(path, { headers: { Authorization: `Bearer ${app.state.token}` }, cache: "no-store" });
  } catch {
    app.showError("无法连接服务器，请检查网络后重试");
    return;
  }
  if (!response.ok) {
    app.handleError(refusal(response.status, await response.json().catch(() => null)));
    return;
  }
  const name = /filename="([^"]+)"/.exec(response.headers.get("Content-Disposition") ?? "")?.[1] ?? "report";
  const url = URL.createObjectURL(await response.blob());
  const link = el("a");
  link.href = url;
  link.download = name;
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 60000);
  app.showInfo(`已导出 ${name}`);
}

export function bindReports(app) {
  $("report-date").addEventListener("change", () => {
    dayChosen = true;
  });
  $("report-form").addEventListener("submit", (event) => {
    event.preventDefault();
    loadReports(app);
  });
  for (const id of ["export-csv", "export-xlsx"]) {
    $(id).addEventListener("click", () => download(app, `/api/v1/reports.${$(id).dataset.format}?${query()}`));
  }
  $("export-assessment").addEventListener("click", () => {
    const month = ($("report-date").value || app.state.day).slice(0, 7);
    download(app, `/api/v1/reports/assessment.xlsx?month=${month}`);
  });
}
