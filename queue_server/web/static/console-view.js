// Draws the clerk console from its state; owns no state and sends nothing.

import { serverNow } from "./api.js";
import { renderFigures, renderRating } from "./console-figures.js";
import { PRIORITIES, ROLES, WINDOW_KINDS, WINDOW_STATES, el, elapsed, windowName } from "./words.js";

const $ = (id) => document.getElementById(id);

const TICKET_LINES = {
  called: "已叫号，等待市民到场",
  serving: "正在办理",
};

/** The words for an action the server did. */
export function doneText(state, action, answer, body) {
  const ticket = answer?.ticket;
  const number = ticket?.number ?? "";
  switch (action) {
    case "call-next":
      return `已叫号 ${number}`;
    case "recall":
      return `已重呼 ${number}（第 ${ticket?.recalls ?? "?"} 次）`;
    case "start":
      return `开始办理 ${number}`;
    case "finish":
      return ticket?.state === "waiting"
        ? `${number} 本步办结，已转入下一步：${serviceName(state, ticket.service)}`
        : `${number} 已办结`;
    case "no-show":
      return `${number} 已标记过号（${body.reason}）`;
    case "hold":
      return `${number} 已挂起`;
    case "resume-held":
      return `已恢复办理 ${number}`;
    case "call-back":
      return `已回呼 ${number}`;
    case "transfer":
      return `${number} 已转到 ${body.window ? windowName(body.window) : serviceName(state, body.service)}`;
    case "pause":
      return `已暂停服务（${body.reason}）`;
    case "resume":
      return "已恢复服务";
    case "close":
      return "已签退";
    case "ask-rating":
      return `已请市民评价 ${answer?.window?.rating?.number ?? ""}`.trim();
    default:
      return "已完成";
  }
}

/** Why `action` cannot be done at the window now, or null when it can. */
export function whyNot(action, win, recallCap) {
  if (action === "green") return null; // a guide issues without a window of their own
  if (!win || win.state === "closed") return "请先在窗口签到";
  // Asking for a rating of the service just finished is no service: a pause does not stop it.
  if (win.state === "paused" && !["resume", "close", "ask-rating"].includes(action)) {
    return "窗口暂停服务中，请先恢复服务";
  }
  const ticket = win.ticket;
  switch (action) {
    case "recall":
    case "start":
    case "no-show":
      if (!ticket) return "当前没有号";
      if (ticket.state !== "called") return `${ticket.number} 已在办理中`;
      if (action === "recall" && (ticket.recalls ?? 0) >= recallCap) {
        return `${ticket.number}已重呼${ticket.recalls}次, 请标记过号`;
      }
      return null;
    case "resume-held":
      return ticket ? "请先办结或挂起当前的号再恢复" : null;
    case "finish":
    case "hold":
    case "transfer":
      return ticket ? null : "当前没有号";
    case "pause":
      // Asked before the reason dialog rather than after it; the server says the same.
      return ticket ? "请先办结或挂起当前的号再暂停" : null;
    case "close":
      return ticket ? "请先办结或挂起当前的号再签退" : null;
    case "resume":
      return win.state === "paused" ? null : "窗口没有暂停";
    default:
      return null;
  }
}

export function showView(name) {
  for (const view of ["loading", "login-view", "choose-view", "station-view"]) {
    $(view).hidden = view !== name;
  }
}

export function renderHeader(state) {
  if (state.hallName) $("hall-name").textContent = state.hallName;
  const me = state.me;
  $("who").textContent = me ? `${me.display_name || me.name}${ROLES[me.role] ? `（${ROLES[me.role]}）` : ""}` : "";
  $("logout").hidden = !me;
  $("offline").hidden = state.online;
}

function serviceName(state, id) {
  return state.services.get(id)?.name ?? id;
}

function servicesText(state, win) {
  const main = win.services.map((s) => serviceName(state, s)).join("、");
  const overflow = (win.overflow ?? []).map((s) => serviceName(state, s)).join("、");
  return overflow ? `${main}（兼办：${overflow}）` : main;
}

function stateBadge(windowState) {
  return el("span", `state-badge state-${windowState}`, WINDOW_STATES[windowState] ?? windowState);
}

/** Rebuilds a list in place without losing the keyboard focus on one of its buttons. */
function rebuild(list, fill) {
  const active = document.activeElement;
  const focused = list.contains(active) ? active.getAttribute("aria-label") : null;
  list.replaceChildren();
  fill();
  if (focused) {
    [...list.querySelectorAll("button")].find((b) => b.getAttribute("aria-label") === focused)?.focus();
  }
}

export function renderChooser(state) {
  const list = $("window-list");
  rebuild(list, () => fillChooser(state, list));
}

function fillChooser(state, list) {
  for (const win of state.windows.values()) {
    const mine = win.state !== "closed" && win.clerk_username === state.me?.name;
    // Open with nobody signed in (opened from the manager page or by its station): free.
    const taken = win.state !== "closed" && !mine && Boolean(win.clerk_username);
    const item = el("li", `window-card${mine ? " is-mine" : ""}${taken ? " is-taken" : ""}`);
    const head = el("div", "window-card-head");
    head.append(el("span", "window-label", win.label), stateBadge(win.state));
    item.append(head);
    item.append(el("p", "window-services", `${WINDOW_KINDS[win.kind] ?? ""} · ${servicesText(state, win)}`));
    item.append(el("p", "window-clerk", taken || mine ? `签到人员：${win.clerk?.name ?? win.clerk_username}` : "无人签到"));
    const words = mine ? "进入工作台" : taken ? "替岗" : "在此签到";
    const button = el("button", `button ${taken ? "button-takeover" : "button-primary"}`, words);
    button.type = "button";
    button.dataset.window = win.id;
    if (taken) {  // 替岗: the clerk there leaves, the current ticket stays
      button.dataset.handOver = "1";
      button.title = "接手该窗口：原签到人员离开，当前的号留在窗口";
    }
    button.setAttribute("aria-label", `${win.label}：${button.textContent}`);
    item.append(button);
    list.append(item);
  }
}

export function renderStation(state) {
  const win = state.windows.get(state.windowId);
  if (!win) return;
  $("station-title").textContent = win.label;
  const badge = $("window-state");
  badge.className = `state-badge state-${win.state}`;
  badge.textContent = WINDOW_STATES[win.state] ?? win.state;

  const ticket = win.ticket;
  const paused = win.state === "paused";
  forgetCaseNoOfAnotherTicket(ticket);
  $("current-ticket").hidden = !ticket;
  $("current-empty").hidden = Boolean(ticket) || paused;
  $("current-paused").hidden = !paused;
  $("paused-reason").textContent = win.pause_reason ? `原因：${win.pause_reason}` : "";
  if (ticket) {
    $("ticket-number").textContent = ticket.number;
    $("ticket-service").textContent = serviceName(state, ticket.service);
    $("ticket-state").textContent = TICKET_LINES[ticket.state] ?? ticket.state;
    $("ticket-state").className = `ticket-state ticket-state-${ticket.state}`;
    const tags = [PRIORITIES[ticket.priority], ticket.transferred ? "转办" : "", ticket.pinned ? "置顶" : ""];
    $("ticket-tags").replaceChildren(...tags.filter(Boolean).map((t) => el("span", "tag", t)));
    $("ticket-recalls").textContent = `${ticket.recalls ?? 0} / ${state.recallCap}`;
  }

  for (const button of document.querySelectorAll(".actions [data-action]")) {
    const action = button.dataset.action;
    if (action === "pause") button.hidden = paused;
    if (action === "resume") button.hidden = !paused;
    const reason = whyNot(action, win, state.recallCap);
    button.disabled = reason !== null;
    button.title = reason ?? "";
    button.setAttribute("aria-busy", String(state.busy));
  }
  renderWaiting(state, win);
  renderFigures(state.today);
  renderTicketList(state, "held", state.held, "恢复", "resume-held", win);
  renderTicketList(state, "missed", state.missed.slice(-3).reverse(), "回呼", "call-back", win);
  updateTimers(state);
}

/** The 办件编号 typed belongs to the ticket it was typed for: when that ticket leaves the
 * window (finished, called past or taken over elsewhere), it must not go with the next. */
function forgetCaseNoOfAnotherTicket(ticket) {
  const input = $("case-no");
  const id = ticket?.id ?? "";
  if (input.dataset.ticket === id) return;
  input.dataset.ticket = id;
  input.value = "";
}

function renderWaiting(state, win) {
  const list = $("waiting-list");
  list.replaceChildren();
  let total = 0;
  const rows = [...win.services.map((s) => [s, false]), ...(win.overflow ?? []).map((s) => [s, true])];
  for (const [id, overflow] of rows) {
    const count = state.waiting[id] ?? 0;
    total += count;
    const item = el("li", overflow ? "is-overflow" : "");
    const name = el("span", "waiting-name", serviceName(state, id));
    const prefix = state.services.get(id)?.prefix;
    if (prefix) name.append(el("small", "prefix", prefix));
    if (overflow) name.append(el("small", "tag", "兼办"));
    const number = el("strong", "waiting-count", String(count));
    number.dataset.waiting = id;
    item.append(name, number);
    list.append(item);
  }
  $("waiting-total").textContent = `共 ${total} 人`;
}

function renderTicketList(state, name, tickets, verb, action, win) {
  const list = $(`${name}-list`);
  $(`${name}-empty`).hidden = tickets.length > 0;
  rebuild(list, () => fillTicketList(state, list, name, tickets, verb, action, win));
}

function fillTicketList(state, list, name, tickets, verb, action, win) {
  const reason = whyNot(action, win, state.recallCap);
  for (const ticket of tickets) {
    const item = el("li");
    const text = el("span", "ticket-line");
    text.append(el("strong", "", ticket.number), el("span", "muted", serviceName(state, ticket.service)));
    if (name === "missed" && ticket.finished_at) text.append(el("span", "muted", `${clockTime(ticket.finished_at, state.timezone)} 过号`));
    const button = el("button", "button button-small", verb);
    button.type = "button";
    button.dataset.action = action;
    button.dataset.ticket = ticket.id;
    button.dataset.number = ticket.number;
    button.setAttribute("aria-label", `${verb} ${ticket.number}`);
    button.disabled = reason !== null;
    button.title = reason ?? "";
    item.append(text, button);
    list.append(item);
  }
}

function clockTime(iso, timeZone) {
  const options = { hour: "2-digit", minute: "2-digit", hour12: false, timeZone };
  return new Date(iso).toLocaleTimeString("zh-CN", options);
}

function since(iso) {
  return iso ? elapsed(serverNow() - Date.parse(iso)) : "—";
}

/** Refreshes the running clocks; called every second. */
export function updateTimers(state) {
  const win = state.windows.get(state.windowId);
  if (!win) return;
  const ticket = win.ticket;
  const sinceText = { idle: "已空闲", paused: "已暂停" }[win.state];
  $("window-since").textContent = sinceText && win.since ? `${sinceText} ${since(win.since)}` : "";
  renderRating(win, state.ratingResult);
  if (ticket) {
    const waited = ticket.called_at && ticket.issued_at ? Date.parse(ticket.called_at) - Date.parse(ticket.issued_at) : null;
    $("ticket-waited").textContent = waited === null ? "—" : elapsed(waited);
    $("ticket-called-for").textContent = since(ticket.called_at);
    $("ticket-serving-for").textContent = ticket.state === "serving" ? since(ticket.started_at) : "—";
  }
}
