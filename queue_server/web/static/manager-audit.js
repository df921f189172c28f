// The audit trail on the manager console: logins and lock-outs, or every change of the hall.

import { el } from "./words.js";

const $ = (id) => document.getElementById(id);

// What each record says happened: the access log's kinds, then the journal's.
const KIND_NAMES = {
  "login.succeeded": "登录",
  "login.failed": "登录失败",
  "login.refused": "锁定中拒绝登录",
  "login.locked": "账户锁定",
  logout: "退出登录",
  "user.added": "新增人员",
  "user.unlocked": "解除锁定",
  "user.password_set": "重设密码",
  "user.disabled": "停用人员",
  "user.enabled": "启用人员",
  "device.added": "新增设备",
  "device.revoked": "吊销设备",
  "ticket.issued": "取号",
  "ticket.called": "叫号",
  "ticket.recalled": "重呼",
  "ticket.started": "开始办理",
  "ticket.finished": "办结",
  "ticket.no_show": "过号",
  "ticket.held": "挂起",
  "ticket.resumed": "恢复办理",
  "ticket.transferred": "转办",
  "ticket.cancelled": "作废",
  "ticket.pinned": "置顶",
  "ticket.unpinned": "取消置顶",
  "queue.cleared": "清号",
  "window.opened": "窗口签到",
  "window.paused": "窗口暂停",
  "window.resumed": "窗口恢复",
  "window.closed": "窗口关闭",
  "window.handed_over": "替岗",
  "appointment.booked": "预约",
  "rating.opened": "请求评价",
  "rating.recorded": "评价",
  "case.opened": "生成差评工单",
  "case.advanced": "处理工单",
  "case.overdue": "工单超期",
  "alert.raised": "告警",
  "alert.cleared": "告警恢复",
  "alert.acknowledged": "确认告警",
  "tuning.changed": "窗口调度",
  "device.reported": "设备状态",
  "day.started": "新的一天",
};
const PAGE = 100;

let after = 0; // the seq the next page starts after

/** The kind in Chinese, over the kind itself: what the 类型 box takes to list only these. */
function kindCell(kind) {
  const cell = el("td");
  cell.append(el("span", "audit-kind-name", KIND_NAMES[kind] ?? kind), el("span", "muted audit-kind", kind));
  return cell;
}

/**
 * Who did it. A window action (a call, a finish, a pause ...) comes with `signed_in`, the
 * clerk signed in at its window then, whom the server names as its actor unless someone
 * else did it (a manager closing the window): her name and 工号 over her login, as the
 * reports name a clerk; nobody signed in there (its station acted) is said, not left blank,
 * and so is what the hall did by itself.
 */
function actorCell(entry) {
  const cell = el("td");
  const clerk = entry.signed_in;
  if (clerk && clerk.username === entry.actor) {
    const name = clerk.name ?? clerk.username;
    cell.append(
      el("span", "audit-actor-name", clerk.staff_no ? `${name}（${clerk.staff_no}）` : name),
      el("span", "muted audit-actor", clerk.username),
    );
  } else if (entry.actor == null && clerk === null) {
    cell.append(el("span", "audit-actor-name", "无人签到"));
  } else if (entry.actor == null && entry.data && clerk === undefined) {
    // The hall's own doing: a clearing, the day's start, an alert, a deadline passed.
    cell.append(el("span", "audit-actor-name muted", "系统"));
  } else {
    cell.append(el("span", "audit-actor-name", entry.actor ?? ""));
  }
  return cell;
}

function row(entry) {
  const tr = el("tr");
  const at = new Date(entry.at).toLocaleString("zh-CN", { hour12: false });
  const detail = entry.data ? JSON.stringify(entry.data) : [entry.subject, entry.client].filter(Boolean).join(" · ");
  tr.append(
    el("td", "", String(entry.seq)),
    el("td", "", at),
    kindCell(entry.kind),
    actorCell(entry),
    el("td", "audit-detail", detail),
  );
  return tr;
}

function query() {
  const params = new URLSearchParams({ log: $("audit-log").value, limit: String(PAGE), after_seq: String(after) });
  for (const [name, id] of [["from", "audit-from"], ["to", "audit-to"], ["actor", "audit-actor"], ["kind", "audit-kind"]]) {
    const value = $(id).value.trim();
    if (value) params.set(name, value);
  }
  return `/api/v1/audit?${params}`;
}

/** Loads the first page (or, with `more`, the next one) of the chosen log. */
export async function loadAudit(app, { more = false } = {}) {
  if (!more) after = 0;
  try {
    const answer = await app.call("GET", query());
    const rows = answer.entries.map(row);
    if (more) $("audit").tBodies[0].append(...rows);
    else $("audit").tBodies[0].replaceChildren(...rows);
    after = answer.next_after_seq ?? after;
    $("audit-more").hidden = answer.next_after_seq === null;
    $("audit-empty").hidden = $("audit").tBodies[0].rows.length > 0;
  } catch {
    // shown by call()
  }
}

export function bindAudit(app) {
  $("audit-form").addEventListener("submit", (event) => {
    event.preventDefault();
    loadAudit(app);
  });
  $("audit-more").addEventListener("click", () => loadAudit(app, { more: true }));
}
