// Tuning on the manager console: open and close windows, the services a window takes,
// quotas, issuing paused, pinning a waiting ticket, and the change history with undo.

import { clock, staffName, waitLevel } from "./manager-live.js";
import { PRIORITIES, WINDOW_STATES, el } from "./words.js";

const $ = (id) => document.getElementById(id);
let editing = null; // the window whose services the dialog edits

const QUOTA_NAMES = { daily_quota: "每日限号", session_quota: "每场限号" };
const QUOTA_MAX = 999; // the server's bound

function names(state, ids) {
  return ids?.length ? ids.map((id) => state.services.get(id)?.name ?? id).join("、") : "—";
}

function button(text, data, className = "button button-small") {
  const b = el("button", className, text);
  b.type = "button";
  Object.assign(b.dataset, data);
  return b;
}

function windowRow(state, win) {
  const row = el("tr");
  row.dataset.window = win.id;
  const actions = el("td", "row-actions");
  if (win.state === "closed") actions.append(button("开窗", { tune: "open", window: win.id }));
  else actions.append(button("关窗", { tune: "close", window: win.id }));
  actions.append(button("调整业务", { tune: "services", window: win.id }));
  row.append(
    el("td", "", win.label ?? win.id),
    el("td", "", WINDOW_STATES[win.state] ?? win.state),
    el("td", "primary-services", names(state, win.services)),
    el("td", "overflow-services", names(state, win.overflow)),
    actions,
  );
  return row;
}

function quotaInput(service, field, label) {
  const input = el("input", "quota-input");
  input.type = "number";
  input.min = "0";
  input.max = String(QUOTA_MAX);
  input.step = "1";
  input.placeholder = "不限";
  input.defaultValue = service[field] == null ? "" : String(service[field]);
  input.dataset.field = field;
  input.setAttribute("aria-label", `${service.name}${label}`);
  return input;
}

/** Said in the row when a quota is used up: kiosks refuse the service until it is raised. */
function usedUp(service) {
  if (service.left_today === 0) return el("span", "tag tag-warn", "今日已取完");
  if (service.left_in_session === 0) return el("span", "tag tag-warn", "本场已取完");
  return "";
}

function serviceRow(service) {
  const row = el("tr");
  row.dataset.service = service.id;
  const daily = el("td");
  daily.append(quotaInput(service, "daily_quota", "每日限号"));
  const session = el("td");
  session.append(quotaInput(service, "session_quota", "每场限号"));
  const issuing = el("td");
  const actions = el("td", "row-actions");
  actions.append(button("保存限号", { tune: "quota", service: service.id }));
  if (service.issuing_paused) {
    issuing.append(el("span", "tag tag-warn", `已暂停：${service.issuing_paused}`));
    actions.append(button("恢复取号", { tune: "resume-issuing", service: service.id }));
  } else {
    const reason = el("input", "reason-input");
    reason.maxLength = 100;
    reason.placeholder = "暂停原因";
    reason.dataset.field = "reason";
    reason.setAttribute("aria-label", `${service.name}暂停原因`);
    issuing.append(el("span", "", "正常 "), usedUp(service), reason);
    actions.append(button("暂停取号", { tune: "pause-issuing", service: service.id }));
  }
  row.append(el("td", "", service.name), el("td", "issued", String(service.issued_today ?? "—")), daily, session, issuing, actions);
  return row;
}

function describe(state, change, side) {
  const values = change[side] ?? {};
  if (change.kind === "window_services") {
    const overflow = values.overflow?.length ? `；兼办 ${names(state, values.overflow)}` : "";
    return `${names(state, values.services)}${overflow}`;
  }
  if (change.kind === "quota") {
    const show = (n) => (n == null ? "不限" : String(n));
    return `每日 ${show(values.daily_quota)}，每场 ${show(values.session_quota)}`;
  }
  if (change.kind === "issuing") return values.paused ? `暂停（${values.reason ?? ""}）` : "正常取号";
  if (change.kind === "window_open") return values.open ? "开放" : "关闭";
  if (change.kind === "pin") return values.pinned ? "置顶" : "未置顶";
  return JSON.stringify(values);
}

const SUBJECTS = { window_services: "受理业务", quota: "限号", issuing: "取号", window_open: "开窗/关窗", pin: "置顶" };

function target(state, change) {
  if (change.kind === "window_services" || change.kind === "window_open") return state.windows.get(change.target)?.label ?? `${change.target}号窗口`;
  // A pin names the ticket by the number the citizen holds (kept in the change itself).
  if (change.kind === "pin") return `${change.after?.number ?? change.before?.number ?? ""}号`;
  return state.services.get(change.target)?.name ?? change.target;
}

function subject(state, change) {
  return `${target(state, change)} ${SUBJECTS[change.kind] ?? change.kind}${change.undoes ? "（撤销）" : ""}`;
}

/** What the last cell of a change's row offers: 撤销 only for a change of today not undone. */
function undoCell(change) {
  const cell = el("td");
  if (change.undone_by) cell.append(el("span", "muted", "已撤销"));
  else if (change.undoes) return cell;
  else if (change.expired) {
    // The day it was made is over: only today's changes are undone (the server refuses it).
    const expired = el("span", "tag tag-info", "已过期");
    expired.title = "只能撤销当天的调整；要改回，请重新调整";
    cell.append(expired);
  } else cell.append(button("撤销", { undo: change.id }));
  return cell;
}

function historyRow(state, change) {
  const row = el("tr", change.expired ? "earlier-day" : "");
  row.dataset.change = change.id;
  row.append(
    el("td", "", `${change.at?.slice(5, 10) ?? ""} ${clock(change.at)}`),
    el("td", "", staffName(change.by)),
    el("td", "", subject(state, change)),
    el("td", "", describe(state, change, "before")),
    el("td", "", describe(state, change, "after")),
    undoCell(change),
  );
  return row;
}

/** The history, newest first: today's changes, then those of earlier days under a line. */
function historyRows(state) {
  const rows = state.changes.filter((c) => !c.expired).map((c) => historyRow(state, c));
  const earlier = state.changes.filter((c) => c.expired);
  if (earlier.length) {
    const note = el("td", "muted", "以下为前几日的调整：只作记录，不能撤销");
    note.colSpan = 6;
    const line = el("tr", "earlier-days");
    line.append(note);
    rows.push(line, ...earlier.map((c) => historyRow(state, c)));
  }
  return rows;
}

/** At the day's start (`day.started`) the changes made before it are no longer undone. */
export function expireChangesBefore(state, day) {
  for (const change of state.changes) {
    if (change.at.slice(0, 10) < day) change.expired = true; // `at` is in the hall's time
  }
}

function pinItem(state, ticket, place) {
  const item = el("li", `pin-item${ticket.pinned ? " pinned" : ""}`);
  item.dataset.ticket = ticket.id;
  const tags = el("span", "pin-tags");
  if (ticket.pinned) tags.append(el("span", "tag", "已置顶"));
  if (PRIORITIES[ticket.priority]) tags.append(el("span", "tag tag-info", PRIORITIES[ticket.priority]));
  if (ticket.transferred) tags.append(el("span", "tag tag-info", "转办"));
  const wait = el("span", `pin-wait wait-${waitLevel(ticket.wait_minutes, state.alertLevels)}`, `已等 ${Math.floor(ticket.wait_minutes)} 分钟`);
  item.append(
    el("span", "pin-place muted", String(place)),
    el("span", "pin-number", ticket.number),
    el("span", "pin-service", state.services.get(ticket.service)?.name ?? ticket.service),
    el("span", "muted pin-issued", `${clock(ticket.issued_at)} 取号`),
    wait,
    tags,
  );
  if (ticket.pinned) item.append(button("取消置顶", { pin: ticket.id, pinned: "false" }));
  else item.append(button("置顶", { pin: ticket.id, pinned: "true" }));
  return item;
}

/** The waiting tickets in call order, from the server (GET /api/v1/tickets?state=waiting). */
export async function loadWaiting(app) {
  try {
    await app.readLatest(
      "waiting",
      () => app.call("GET", "/api/v1/tickets?state=waiting"),
      (answer) => {
        app.state.waitingTickets = answer.tickets;
        app.draw();
      },
    );
  } catch {
    // shown by call()
  }
}

/** Where a box of the services table sits: its service and its field. */
function draftKey(input) {
  return `${input.closest("tr").dataset.service}|${input.dataset.field}`;
}

/**
 * What the manager typed in the services table and has not saved: every ticket issued
 * redraws the table, which must not wipe a quota or a reason being written.
 */
function unsavedDrafts() {
  const drafts = new Map();
  for (const input of document.querySelectorAll("#tune-services input")) {
    if (input.value !== input.defaultValue) drafts.set(draftKey(input), input.value);
  }
  return drafts;
}

export function renderTuning(app) {
  const { state } = app;
  if (document.querySelector("#tuning-view input:focus")) return; // never under the typing hand
  $("tune-windows").tBodies[0].replaceChildren(...[...state.windows.values()].map((w) => windowRow(state, w)));
  const drafts = unsavedDrafts();
  $("tune-services").tBodies[0].replaceChildren(...[...state.services.values()].map((s) => serviceRow(s)));
  for (const input of document.querySelectorAll("#tune-services input")) {
    const draft = drafts.get(draftKey(input));
    if (draft !== undefined) input.value = draft;
  }
  const waiting = state.waitingTickets;
  $("pin-list").replaceChildren(...waiting.map((t, i) => pinItem(state, t, i + 1)));
  $("pin-empty").hidden = waiting.length > 0;
  $("history").tBodies[0].replaceChildren(...historyRows(state));
  $("history-empty").hidden = state.changes.length > 0;
}

async function tune(app, body, done, { sticky = false } = {}) {
  try {
    await app.call("POST", "/api/v1/tuning", body);
    app.showInfo(done, { sticky });
    app.reloadHall();
  } catch {
    // shown by call()
  }
}

/**
 * The quotas typed in a service's row: `{quotas}` (null where empty: no limit), or `{wrong,
 * input}` for the first that is not a whole number from 0 to 999, said before anything is
 * sent (2.5 would be cut to 2 silently, -3 refused in the server's English).
 */
function readQuotas(row) {
  const quotas = {};
  for (const field of Object.keys(QUOTA_NAMES)) {
    const input = row.querySelector(`input[data-field="${field}"]`);
    const text = input.value.trim();
    // A number input holds "" for what is no number at all ("--3"): that is no "no limit".
    if (text === "" && !input.validity.badInput) {
      quotas[field] = null;
      continue;
    }
    const value = Number(text || NaN);
    if (!(Number.isInteger(value) && value >= 0 && value <= QUOTA_MAX)) {
      return { wrong: `${QUOTA_NAMES[field]}须为 0 到 ${QUOTA_MAX} 的整数（留空为不限）`, input };
    }
    quotas[field] = value;
  }
  return { quotas };
}

/**
 * The word after a quota is saved: one that today's tickets already reach stops issuing, which
 * the manager must not miss (it stays until the next message).
 */
function quotaSaved(service, quotas) {
  const issued = service?.issued_today ?? 0;
  const reached = quotas.daily_quota != null && quotas.daily_quota <= issued;
  const said = `${service?.name ?? ""} 限号已保存`;
  return reached ? [`${said}；今日已取 ${issued} 号，已到每日限号，今日不再取号`, { sticky: true }] : [said];
}

async function onClick(app, event) {
  const { state } = app;
  const target = event.target.closest("button[data-tune], button[data-undo], button[data-pin]");
  if (!target) return;
  const { tune: action, window: windowId, service } = target.dataset;
  const name = state.services.get(service)?.name ?? service;
  try {
    if (target.dataset.undo) {
      await app.call("POST", `/api/v1/tuning/${encodeURIComponent(target.dataset.undo)}/undo`);
      app.showInfo("已撤销该调整");
      app.reloadHall();
    } else if (target.dataset.pin) {
      // Through tuning, so that the pin is in the history and can be undone.
      const pinned = target.dataset.pinned === "true";
      const number = state.waitingTickets.find((t) => t.id === target.dataset.pin)?.number ?? "";
      await tune(app, { kind: "pin", ticket: target.dataset.pin, pinned }, `${number} ${pinned ? "已置顶" : "已取消置顶"}`);
      loadWaiting(app);
    } else if (action === "open" || action === "close") {
      const label = state.windows.get(windowId)?.label ?? `${windowId}号窗口`;
      await tune(app, { kind: "window_open", window: windowId, open: action === "open" }, `${label} 已${action === "open" ? "开放" : "关闭"}`);
    } else if (action === "services") {
      openServices(state, windowId);
    } else if (action === "quota") {
      const { quotas, wrong, input } = readQuotas(target.closest("tr"));
      if (wrong) {
        app.showError(`${name}：${wrong}`);
        input.focus(); // kept as typed, to be corrected
        return;
      }
      await tune(app, { kind: "quota", service, ...quotas }, ...quotaSaved(state.services.get(service), quotas));
    } else if (action === "pause-issuing") {
      const reason = target.closest("tr").querySelector(".reason-input").value.trim() || "暂停取号";
      await tune(app, { kind: "issuing", service, paused: true, reason }, `${name} 已暂停取号`);
    } else if (action === "resume-issuing") {
      await tune(app, { kind: "issuing", service, paused: false }, `${name} 已恢复取号`);
    }
  } catch {
    // shown by call()
  }
  app.draw();
}

function checkboxes(state, container, chosen, group) {
  container.replaceChildren(
    ...[...state.services.values()].map((s) => {
      const label = el("label", "choice");
      const box = el("input");
      box.type = "checkbox";
      box.name = group;
      box.value = s.id;
      box.checked = chosen.includes(s.id);
      label.append(box, document.createTextNode(s.name));
      return label;
    }),
  );
}

function openServices(state, windowId) {
  const win = state.windows.get(windowId);
  editing = windowId;
  $("services-window").textContent = win.label ?? windowId;
  checkboxes(state, $("services-primary"), win.services ?? [], "primary");
  checkboxes(state, $("services-overflow"), win.overflow ?? [], "overflow");
  $("services-dialog").showModal();
}

async function saveServices(app) {
  const chosen = (group) => [...document.querySelectorAll(`#services-dialog input[name="${group}"]:checked`)].map((b) => b.value);
  const services = chosen("primary");
  if (!services.length) {
    app.showError("至少要选一项主办业务");
    return;
  }
  const overflow = chosen("overflow").filter((s) => !services.includes(s));
  const label = app.state.windows.get(editing)?.label ?? editing;
  await tune(app, { kind: "window_services", window: editing, services, overflow }, `${label} 受理业务已调整，下一次叫号时生效`);
}

export function bindTuning(app) {
  $("tuning-view").addEventListener("click", (event) => onClick(app, event));
  $("services-dialog").addEventListener("close", () => {
    if ($("services-dialog").returnValue === "confirm") saveServices(app);
  });
}
