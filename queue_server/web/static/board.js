// The lobby board (综合屏, /board): the newest call large, the recent calls, waiting counts
// with the longest wait, every window's state. Public: the board topic, no token.
// Query: ?floor=2F (one floor's windows, calls and services), ?layout=portrait,
// ?notice=text (the scrolling line).

import { Stream, api, serverNow } from "./api.js";
import { WINDOW_STATES, el } from "./words.js";

const $ = (id) => document.getElementById(id);

const KEEP = 20; // recent calls kept (and listed; the layout shows as many as fit)
const RESYNC_MS = 30000; // at most this often, fetch a fresh snapshot for the longest wait
const RETRY_MS = 3000;
const DEFAULT_NOTICE =
  "请留意叫号信息，叫到您的号码时请及时到对应窗口办理；过号请咨询导办台。请保管好随身物品。";

const params = new URLSearchParams(location.search);
const floor = params.get("floor") || null;
const portrait = params.get("layout") === "portrait";

const state = {
  timezone: undefined,
  services: [], // [{id, name, floor}] shown on this board
  windows: new Map(), // id -> Window, in hall order
  waiting: {}, // service -> count
  since: {}, // service -> ISO of the oldest waiting ticket as of the snapshot, or null
  known: new Map(), // service -> Map(ticket id -> issued_at) of tickets seen issued since
  calls: [], // [{id, number, window, at}] oldest first
};

let stream = null;
let resyncTimer = null;

function onFloor(windowId) {
  if (!floor) return true;
  return state.windows.get(windowId)?.floor === floor;
}

function windowTitle(id) {
  return `${id}号窗口`;
}

// --- the longest wait -------------------------------------------------------------------

/** The oldest waiting ticket's issue time per service, from the snapshot and what we saw. */
function oldest(service) {
  if (!state.waiting[service]) return null;
  const known = [...(state.known.get(service)?.values() ?? [])].sort();
  if (known.length >= state.waiting[service]) return known[0] ?? null;
  return state.since[service] ?? known[0] ?? null;
}

function seeTicket(ticket) {
  if (!ticket?.service) return;
  if (!state.known.has(ticket.service)) state.known.set(ticket.service, new Map());
  const known = state.known.get(ticket.service);
  if (ticket.state === "waiting") {
    known.set(ticket.id, ticket.issued_at);
    return;
  }
  known.delete(ticket.id);
  // The snapshot's oldest ticket left the queue and we cannot tell the next oldest: ask
  // for a fresh snapshot (soon, once, not per call in a burst).
  const since = state.since[ticket.service];
  if (since && ticket.issued_at && ticket.issued_at <= since) {
    state.since[ticket.service] = null;
    if (state.waiting[ticket.service] > known.size) scheduleResync();
  }
}

function scheduleResync() {
  if (resyncTimer !== null) return;
  resyncTimer = setTimeout(() => {
    resyncTimer = null;
    stream?.resync();
  }, RESYNC_MS);
}

// --- messages ---------------------------------------------------------------------------

function addCall(ticket, windowId, at) {
  // A recall or a second call of the same ticket moves it to the top, once.
  state.calls = state.calls.filter((c) => c.id !== ticket.id);
  state.calls.push({ id: ticket.id, number: ticket.number, window: windowId, at });
  if (state.calls.length > KEEP * 2) state.calls.splice(0, state.calls.length - KEEP * 2);
}

function apply(message) {
  if (message.type === "snapshot") {
    const s = message.state;
    state.windows = new Map(s.windows.map((w) => [w.id, w]));
    state.waiting = { ...s.waiting };
    state.since = { ...s.waiting_since };
    state.known = new Map();
    state.calls = [];
    for (const call of s.calls) addCall(call.ticket, call.window, call.at);
    clearTimeout(resyncTimer);
    resyncTimer = null;
    render();
    return;
  }
  if (message.window?.id) state.windows.set(message.window.id, message.window);
  if (message.waiting) state.waiting = { ...state.waiting, ...message.waiting };
  if (message.finished) seeTicket(message.finished);
  if (message.ticket) seeTicket(message.ticket);
  if ((message.type === "ticket.called" || message.type === "ticket.recalled") && message.window) {
    addCall(message.ticket, message.window.id, message.at);
  }
  render();
}

// --- drawing ----------------------------------------------------------------------------

function render() {
  renderCalls();
  renderWindows();
  renderWaiting();
}

function renderCalls() {
  const calls = state.calls.filter((c) => onFloor(c.window)).slice(-KEEP).reverse();
  const newest = calls[0];
  $("now-number").textContent = newest ? newest.number : "—";
  $("now-window").textContent = newest ? windowTitle(newest.window) : "";
  $("now").classList.toggle("is-empty", !newest);
  const items = calls.map((c) => {
    const item = el("li", "board-recent-item");
    item.dataset.ticket = c.number;
    item.append(el("span", "board-recent-number", c.number), el("span", "board-recent-window", windowTitle(c.window)));
    return item;
  });
  $("recent").replaceChildren(...items);
}

function windowLine(w) {
  const item = el("li", `board-window is-${w.state}`);
  item.dataset.window = w.id;
  const head = el("p", "board-window-head");
  head.append(el("span", "board-window-name", windowTitle(w.id)), el("span", "board-window-state", WINDOW_STATES[w.state] ?? w.state));
  item.append(head);
  const busy = (w.state === "calling" || w.state === "serving") && w.ticket;
  item.append(el("p", "board-window-ticket", busy ? w.ticket.number : ""));
  const clerk = w.clerk ? [w.clerk.name, w.clerk.staff_no ? `工号 ${w.clerk.staff_no}` : ""].filter(Boolean).join(" · ") : "";
  item.append(el("p", "board-window-clerk", clerk));
  return item;
}

function renderWindows() {
  const shown = [...state.windows.values()].filter((w) => !floor || w.floor === floor);
  $("windows").replaceChildren(...shown.map(windowLine));
}

function minutesSince(iso) {
  if (!iso) return "—";
  const minutes = Math.max(0, Math.floor((serverNow() - Date.parse(iso)) / 60000));
  return `${minutes} 分钟`;
}

function renderWaiting() {
  const rows = state.services.map((s) => {
    const row = el("tr");
    row.dataset.service = s.id;
    const count = state.waiting[s.id] ?? 0;
    row.append(
      el("th", "board-service", s.name),
      el("td", "board-count", String(count)),
      el("td", "board-longest", count ? minutesSince(oldest(s.id)) : "—"),
    );
    return row;
  });
  $("waiting").replaceChildren(...rows);
}

function tick() {
  const now = new Date(serverNow());
  const zone = { timeZone: state.timezone };
  $("clock").textContent = now.toLocaleTimeString("zh-CN", { ...zone, hour: "2-digit", minute: "2-digit", hour12: false });
  $("clock").dateTime = now.toISOString();
  $("date").textContent = now.toLocaleDateString("zh-CN", { ...zone, year: "numeric", month: "long", day: "numeric", weekday: "long" });
}

function setOnline(online) {
  $("offline").hidden = online;
  document.body.classList.toggle("is-offline", !online);
}

// --- start ------------------------------------------------------------------------------

async function loadHall() {
  for (;;) {
    try {
      return await api("GET", "/api/v1/hall");
    } catch {
      setOnline(false);
      await new Promise((resolve) => setTimeout(resolve, RETRY_MS));
    }
  }
}

async function main() {
  document.body.classList.toggle("is-portrait", portrait);
  $("notice").textContent = params.get("notice") || DEFAULT_NOTICE;
  tick();
  setInterval(tick, 1000);
  const info = await loadHall();
  state.timezone = info.hall.timezone || undefined;
  $("hall-name").textContent = info.hall.name;
  document.title = `${info.hall.name} · 叫号`;
  if (floor) {
    const label = info.hall.floors?.find((f) => f.id === floor)?.label ?? floor;
    $("floor-name").textContent = label;
    $("floor-name").hidden = false;
  }
  state.services = info.services.filter((s) => !floor || s.floor === floor).map((s) => ({ id: s.id, name: s.name }));
  tick();
  stream = new Stream({
    topics: ["board"],
    onMessage: apply,
    onStatus: (status) => setOnline(status === "online"),
  });
  stream.start();
  // Minutes waited grow by themselves.
  setInterval(renderWaiting, 15000);
}

main();
