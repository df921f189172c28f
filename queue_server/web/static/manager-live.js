// The live hall of the manager console: windows per floor, queues coloured by their longest
// wait, today's figures, open alerts and device health.

import { serverNow } from "./api.js";
import { WINDOW_STATES, el, elapsed } from "./words.js";

// Used until the hall's own thresholds (GET /api/v1/hall `alerts`, staff view) are known.
export const DEFAULT_WAIT_LEVELS = { yellow: 15, red: 30 };

/** The hall's wait thresholds from the staff view of GET /api/v1/hall. */
export function waitLevels(alerts) {
  if (!alerts) return DEFAULT_WAIT_LEVELS;
  return { yellow: alerts.wait_yellow_minutes, red: alerts.wait_red_minutes };
}

export const ALERT_KINDS = {
  bad_rating: "差评",
  case_overdue: "工单超期",
  wait_yellow: "等候超时（黄）",
  wait_red: "等候超时（红）",
  queue_long: "排队过长",
  unstaffed: "窗口缺岗",
  pause_long: "暂停过长",
  service_long: "办理超时",
  device_fault: "设备故障",
};

const CONDITIONS = { ok: "正常", paper_low: "纸将用完", paper_out: "缺纸", offline: "离线", error: "故障", cover_open: "纸仓打开", jam: "卡纸", off: "时间不准" };
// What the agents report: the kiosk its card_reader and clock, the station its keypad, key_pad and clock.
const COMPONENTS = { printer: "打印机", scanner: "扫描器", id_reader: "身份证阅读器", card_reader: "身份证阅读器", screen: "屏幕", network: "网络", audio: "音响", keypad: "呼叫器", key_pad: "评价按键", pad: "评价器", clock: "时钟" };

const $ = (id) => document.getElementById(id);

/** "green", "yellow" or "red" for a wait in minutes, by the hall's thresholds. */
export function waitLevel(minutes, levels = DEFAULT_WAIT_LEVELS) {
  if (minutes >= levels.red) return "red";
  if (minutes >= levels.yellow) return "yellow";
  return "green";
}

/** "09:12" of an ISO time. */
export function clock(iso) {
  return iso ? iso.slice(11, 16) : "—";
}

export function staffName(actor) {
  return (actor ?? "").replace(/^(user|device):/, "");
}

export function longestWait(state, service) {
  const today = state.today;
  const minutes = today?.longest_wait?.[service];
  if (minutes == null || !state.waiting[service]) return null;
  return minutes + (Date.now() - today.fetchedAt) / 60000;
}

function windowCard(win, services) {
  const card = el("article", `window-card state-${win.state}`);
  card.dataset.window = win.id;
  const head = el("div", "window-head");
  head.append(el("span", "window-label", win.label ?? `${win.id}号窗口`), el("span", "window-state", WINDOW_STATES[win.state] ?? win.state));
  card.append(head);
  const ticket = win.ticket;
  card.append(el("p", "window-ticket", ticket ? `${ticket.number} ${services.get(ticket.service)?.name ?? ""}` : win.state === "paused" ? win.pause_reason ?? "" : "—"));
  const clerk = win.clerk;
  const who = clerk ? `${clerk.name ?? win.clerk_username ?? ""}${clerk.staff_no ? ` 工号 ${clerk.staff_no}` : ""}` : win.clerk_username ?? "无人签到";
  card.append(el("p", "window-clerk", who));
  const since = win.since && win.state !== "closed" ? elapsed(serverNow() - Date.parse(win.since)) : "";
  card.append(el("p", "window-since", since ? `本状态 ${since}` : ""));
  return card;
}

function renderFloors(state) {
  const floors = $("floors");
  const parts = [];
  const known = new Set();
  for (const floor of state.hall.floors) {
    const windows = [...state.windows.values()].filter((w) => w.floor === floor.id);
    windows.forEach((w) => known.add(w.id));
    if (!windows.length) continue;
    parts.push(floorBlock(floor.label, windows, state.services));
  }
  const rest = [...state.windows.values()].filter((w) => !known.has(w.id));
  if (rest.length) parts.push(floorBlock("其他", rest, state.services));
  floors.replaceChildren(...parts);
}

function floorBlock(label, windows, services) {
  const block = el("section", "floor");
  const open = windows.filter((w) => w.state !== "closed").length;
  block.append(el("h3", "floor-title", `${label}（开放 ${open}/${windows.length}）`));
  const grid = el("div", "window-grid");
  grid.append(...windows.map((w) => windowCard(w, services)));
  block.append(grid);
  return block;
}

function renderQueues(state) {
  const rows = [];
  for (const service of state.services.values()) {
    const row = el("tr");
    row.dataset.service = service.id;
    const name = el("td", "", service.name);
    if (service.issuing_paused) name.append(el("span", "tag tag-warn", "暂停取号"));
    const minutes = longestWait(state, service.id);
    const longest = el("td", "longest", minutes == null ? "—" : `${Math.floor(minutes)} 分钟`);
    if (minutes != null) longest.classList.add(`wait-${waitLevel(minutes, state.alertLevels)}`);
    const eta = state.eta[service.id];
    row.append(
      name,
      el("td", "waiting", String(state.waiting[service.id] ?? 0)),
      longest,
      el("td", "", eta == null ? "—" : `约 ${Math.round(eta)} 分钟`),
      el("td", "issued", service.issued_today == null ? "—" : String(service.issued_today)),
    );
    rows.push(row);
  }
  $("queues").tBodies[0].replaceChildren(...rows);
}

export function alertItem(alert, { history = false } = {}) {
  const item = el("li", `alert alert-${alert.kind}${alert.cleared_at ? " alert-cleared" : ""}`);
  item.dataset.alert = alert.id;
  const text = el("div", "alert-text");
  text.append(el("span", "tag", ALERT_KINDS[alert.kind] ?? alert.kind), el("span", "alert-message", alert.message));
  const when = [`${clock(alert.raised_at)} 发生`];
  if (alert.cleared_at) when.push(`${clock(alert.cleared_at)} 已恢复`);
  if (history && alert.acknowledged_at) when.push(`${clock(alert.acknowledged_at)} 由 ${staffName(alert.acknowledged_by)} 确认`);
  text.append(el("span", "muted alert-when", when.join(" · ")));
  item.append(text);
  if (!alert.acknowledged_at) {
    const ack = el("button", "button button-small", "确认");
    ack.type = "button";
    ack.dataset.ack = alert.id;
    item.append(ack);
  }
  return item;
}

function renderAlerts(state) {
  const alerts = [...state.alerts.values()].sort((a, b) => (a.raised_at < b.raised_at ? 1 : -1));
  $("alerts").replaceChildren(...alerts.map((a) => alertItem(a)));
  $("alerts-empty").hidden = alerts.length > 0;
}

function renderDevices(state) {
  const devices = [...state.devices.values()].sort((a, b) => (a.condition === "ok") - (b.condition === "ok") || a.device.localeCompare(b.device));
  $("devices").replaceChildren(
    ...devices.map((d) => {
      const item = el("li", `device ${d.condition === "ok" ? "device-ok" : "device-fault"}`);
      item.dataset.device = `${d.device}|${d.component}`;
      item.append(
        el("span", "device-name", `${staffName(d.device)} · ${COMPONENTS[d.component] ?? d.component}`),
        el("span", "device-condition", `${CONDITIONS[d.condition] ?? d.condition}${d.detail ? `（${d.detail}）` : ""}`),
        el("span", "muted", clock(d.since)),
      );
      return item;
    }),
  );
  $("devices-empty").hidden = devices.length > 0;
}

function renderLegend(levels) {
  $("legend-green").textContent = `${levels.yellow}分钟内`;
  $("legend-yellow").textContent = `${levels.yellow}-${levels.red}分钟`;
  $("legend-red").textContent = `超过${levels.red}分钟`;
}

export function renderLive(state) {
  if (!state.hall) return;
  renderLegend(state.alertLevels);
  const today = state.today;
  $("today-issued").textContent = today ? String(today.issued) : "—";
  $("today-served").textContent = today ? String(today.served) : "—";
  const waiting = Object.values(state.waiting).reduce((sum, n) => sum + n, 0);
  $("today-waiting").textContent = String(waiting);
  const windows = [...state.windows.values()];
  $("today-open").textContent = `${windows.filter((w) => w.state !== "closed").length} / ${windows.length}`;
  $("today-alerts").textContent = String(state.alerts.size);
  renderFloors(state);
  renderQueues(state);
  renderAlerts(state);
  renderDevices(state);
}
