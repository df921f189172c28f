// The period report's table on the manager console: a row per service, window, clerk or hour
// and the 合计 last, in the columns of the CSV and Excel files. Columns that belong together
// stand under one heading, so that the table fits an office screen: the waits (等候), and
// where the tickets issued went (取号去向), whose five columns add up to 取号.

import { el } from "./words.js";

const KEY_HEADERS = { service: "业务", window: "窗口", clerk: "人员", hour: "时段" };
const WAITS = "等候(分)";
const ISSUED_BY_STATE = "取号去向";

/**
 * A rate of four places (0.9805, as the files hold it: 98.05%) in per cent to one place,
 * rounded half up (四舍五入) as the staff and Excel round: 98.1%. Counted in whole hundredths of
 * a per cent first, as 0.9805 * 100 is 98.04999… in floating point and would show 98.0%.
 */
function percent(rate) {
  const hundredths = Math.round(rate * 10000);
  return `${(Math.round(hundredths / 10) / 10).toFixed(1)}%`;
}

/** A column: its heading, the value of a report row, the heading it stands under (if any),
 * and what an empty value shows. */
function column(name, get, { group = null, absent = "—" } = {}) {
  return { name, get, group, absent };
}

/** 取号去向: null by window and by clerk, whose cells stay empty (tickets are not issued to them). */
function issuedWent(name, state) {
  return column(name, (r) => r.issued_by_state?.[state], { group: ISSUED_BY_STATE, absent: "" });
}

const COLUMNS = [
  column("取号", (r) => r.issued),
  column("首次叫号", (r) => r.called),
  column("办结", (r) => r.served),
  column("过号", (r) => r.missed),
  column("挂起", (r) => r.held),
  column("转办", (r) => r.transferred),
  column("平均", (r) => r.wait_minutes?.mean, { group: WAITS }),
  column("P90", (r) => r.wait_minutes?.p90, { group: WAITS }),
  column("最长", (r) => r.wait_minutes?.max, { group: WAITS }),
  column("平均办理(分)", (r) => r.handling_minutes?.mean),
  column("暂停(分)", (r) => r.pause_minutes),
  issuedWent("办结", "done"),
  issuedWent("过号", "no_show"),
  issuedWent("作废", "cancelled"),
  issuedWent("清号", "abandoned"),
  issuedWent("未结", "open"),
  column("评价", (r) => r.ratings),
  column("好评", (r) => r.good),
  column("差评", (r) => r.bad),
  column("好评率", (r) => (r.good_rate == null ? null : percent(r.good_rate))),
];

function shown(value, absent) {
  if (value == null) return absent;
  return typeof value === "number" && !Number.isInteger(value) ? value.toFixed(1) : String(value);
}

/** The class that marks a column of a group, and the group's first and last columns. */
function groupClass(index) {
  const { group } = COLUMNS[index];
  if (group == null) return "";
  const edges = [
    COLUMNS[index - 1]?.group !== group ? "group-first" : "",
    COLUMNS[index + 1]?.group !== group ? "group-last" : "",
  ];
  return ["in-group", ...edges].filter(Boolean).join(" ");
}

/** Two heading rows: a grouped column's heading under its group's, the others across both. */
function headings(by) {
  const top = el("tr");
  const under = el("tr");
  const whole = (name) => {
    const th = el("th", "", name);
    th.rowSpan = 2;
    return th;
  };
  top.append(whole(KEY_HEADERS[by]));
  COLUMNS.forEach(({ name, group }, index) => {
    if (group == null) {
      top.append(whole(name));
      return;
    }
    if (COLUMNS[index - 1]?.group !== group) {
      const th = el("th", "group-head", group);
      th.colSpan = COLUMNS.filter((c) => c.group === group).length;
      th.scope = "colgroup";
      top.append(th);
    }
    under.append(el("th", groupClass(index), name));
  });
  return [top, under];
}

function row(r, total) {
  const tr = el("tr", total ? "total-row" : "");
  tr.dataset.key = total ? "total" : r.key;
  tr.append(
    el("td", "", total ? "合计" : r.label),
    ...COLUMNS.map(({ get, absent }, index) => el("td", groupClass(index), shown(get(r), absent))),
  );
  return tr;
}

/** Fills `table` with `report` (GET /api/v1/reports). */
export function renderReportTable(table, report) {
  table.tHead.replaceChildren(...headings(report.by));
  table.tBodies[0].replaceChildren(...report.rows.map((r) => row(r, false)), row(report.total, true));
}
