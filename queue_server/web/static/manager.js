// The manager console: log in (manager or admin), then the live hall, tuning, alerts and
// cases, reports and the planner, kept live by the event stream.

import { Stream, api } from "./api.js";
import { DEFAULT_WAIT_LEVELS, renderLive, staffName, waitLevels } from "./manager-live.js";
import { bindTuning, expireChangesBefore, loadWaiting, renderTuning } from "./manager-tuning.js";
import { bindCases, loadAlertHistory, loadCases } from "./manager-cases.js";
import { bindReports, loadReports } from "./manager-reports.js";
import { bindPlanner } from "./manager-planner.js";
import { bindAudit, loadAudit } from "./manager-audit.js";
import { fieldRefusal } from "./manager-fields.js";
import { logIn, logOut, sessionOwner, showError, showInfo } from "./staff-page.js";
import { ROLES } from "./words.js";

const TOKEN_KEY = "hallq.manager.token";
const TODAY_DELAY_MS = 300;
const TODAY_EVERY_MS = 30000;
const HALL_DELAY_MS = 200;
const WAITING_DELAY_MS = 300;
const SUPERVISORS = new Set(["manager", "admin"]);

const $ = (id) => document.getElementById(id);

const state = {
  token: sessionStorage.getItem(TOKEN_KEY),
  me: null,
  hall: null, // GET /api/v1/hall `hall`
  day: null, // the hall's day, YYYY-MM-DD: the date of its `now`, then of each `day.started`
  alertLevels: DEFAULT_WAIT_LEVELS, // the hall's wait thresholds (minutes) for the colours
  services: new Map(),
  windows: new Map(),
  waiting: {},
  eta: {},
  today: null, // GET /api/v1/hall/today, with `fetchedAt`
  devices: new Map(), // "device|component" -> health
  alerts: new Map(), // open (unacknowledged) alerts by id
  waitingTickets: [], // GET /api/v1/tickets?state=waiting: every waiting ticket, in call order
  changes: [], // tuning changes, newest first
  tab: "live",
  online: true,
};

let stream = null;
let todayTimer = null;
let hallTimer = null;
let waitingTimer = null;
let drawPending = false;
// A button is being pressed: the views are not drawn again until it is released, as a button
// replaced between the press and the release (the live hall every second, the pin list after
// every ticket) gets no click, and 确认 or 置顶 would do nothing.
let pressing = false;

// -- messages ---------------------------------------------------------------------------

/** Why a call failed: a value of a form the server refused is said in Chinese. */
function showFailure(error) {
  const refused = fieldRefusal(error);
  if (refused) showError(refused.text, { detail: refused.detail });
  else showError(error.message);
}

/** The server no longer takes our token (its session ended, or it was revoked). */
function endSession() {
  forgetSession();
  render();
  showError("登录已失效，请重新登录");
}

function handleError(error) {
  if (error.status === 401) {
    endSession();
    return;
  }
  showFailure(error);
}

/** Calls the API with the manager's token; failures are shown and rethrown. */
async function call(method, path, body) {
  try {
    return await api(method, path, { token: state.token, body });
  } catch (error) {
    handleError(error);
    throw error;
  }
}

const app = {
  state,
  call,
  readLatest,
  showInfo,
  showError,
  handleError,
  draw: () => draw(),
  reloadHall: () => scheduleHall(),
};

// -- drawing ------------------------------------------------------------------------------

function showView(id) {
  for (const view of ["loading", "login-view", "live-view", "tuning-view", "cases-view", "reports-view", "planner-view", "audit-view"]) {
    $(view).hidden = view !== id;
  }
}

function renderHeader() {
  $("offline").hidden = state.online || !state.me;
  $("logout").hidden = !state.token;
  $("tabs").hidden = !state.me;
  $("who").textContent = state.me ? `${state.me.display_name ?? state.me.name}（${ROLES[state.me.role] ?? state.me.role}）` : "";
  if (state.hall) $("hall-name").textContent = state.hall.name;
  for (const tab of document.querySelectorAll("#tabs [data-tab]")) {
    if (tab.dataset.tab === state.tab) tab.setAttribute("aria-current", "page");
    else tab.removeAttribute("aria-current");
  }
  const open = state.alerts.size;
  $("alert-badge").hidden = open === 0;
  $("alert-badge").textContent = String(open);
}

function render() {
  renderHeader();
  if (!state.token) return showView("login-view");
  if (!state.me || !state.hall) return showView("loading");
  showView(`${state.tab}-view`);
  if (pressing) return; // drawn on release
  if (state.tab === "live") renderLive(state);
  if (state.tab === "tuning") renderTuning(app);
}

/** Draws on the next frame: a burst of stream messages costs one drawing. */
function draw() {
  if (drawPending) return;
  drawPending = true;
  requestAnimationFrame(() => {
    drawPending = false;
    render();
  });
}

function openTab(tab) {
  state.tab = tab;
  render();
  if (tab === "cases") {
    loadCases(app);
    loadAlertHistory(app);
  }
  if (tab === "reports") loadReports(app);
  if (tab === "tuning") loadWaiting(app);
  if (tab === "audit") loadAudit(app);
}

/** The pin list follows the queues while the tuning tab shows it; a burst costs one load. */
function scheduleWaiting() {
  if (state.tab !== "tuning") return;
  clearTimeout(waitingTimer);
  waitingTimer = setTimeout(() => loadWaiting(app), WAITING_DELAY_MS);
}

// -- loading ------------------------------------------------------------------------------

// Of each kind of read under way, the latest one's list of the stream news that came since
// it was asked for; onMessage adds every message to each list.
const readsUnderWay = new Map();

/**
 * Reads with `read()`, then hands the answer to `apply` and each stream message that came
 * meanwhile to `catchUp`: the answer may have been read before that news. Answers overtake
 * each other now and then (a slow one, another connection): a read overtaken by a later one
 * of the same `kind` is dropped, as the later answer is newer. Read failures are thrown.
 */
async function readLatest(kind, read, apply, catchUp = () => {}) {
  const news = [];
  readsUnderWay.set(kind, news);
  try {
    const answer = await read();
    if (readsUnderWay.get(kind) !== news) return;
    apply(answer);
    news.forEach(catchUp);
  } finally {
    if (readsUnderWay.get(kind) === news) readsUnderWay.delete(kind);
  }
}

async function loadHall() {
  await readLatest(
    "hall",
    () => api("GET", "/api/v1/hall", { token: state.token }),
    (info) => {
      state.hall = info.hall;
      state.day = info.now.slice(0, 10); // `now` is in the hall's time zone
      state.alertLevels = waitLevels(info.alerts);
      state.services = new Map(info.services.map((s) => [s.id, s]));
      state.windows = new Map(info.windows.map((w) => [w.id, w]));
      state.waiting = Object.fromEntries(info.services.map((s) => [s.id, s.waiting]));
      state.eta = Object.fromEntries(info.services.map((s) => [s.id, s.eta_minutes]));
      document.title = `大厅管理 · ${info.hall.name}`;
    },
    applyQueueNews,
  );
}

// A snapshot replaces the windows and queues; any other message updates what it carries.
function applyQueueNews(message) {
  if (message.type === "snapshot") {
    const snapshot = message.state;
    state.windows = new Map(snapshot.windows.map((w) => [w.id, w]));
    state.waiting = { ...snapshot.waiting };
    state.eta = { ...snapshot.eta };
    return;
  }
  if (message.window) state.windows.set(message.window.id, message.window);
  if (message.waiting) state.waiting = { ...message.waiting };
  if (message.eta) state.eta = { ...message.eta };
}

function scheduleHall() {
  clearTimeout(hallTimer);
  hallTimer = setTimeout(async () => {
    try {
      await loadHall();
      draw();
    } catch (error) {
      handleError(error);
    }
  }, HALL_DELAY_MS);
}

async function loadToday() {
  try {
    await readLatest(
      "today",
      () => api("GET", "/api/v1/hall/today", { token: state.token }),
      (today) => {
        state.today = { ...today, fetchedAt: Date.now() };
        draw();
      },
    );
  } catch (error) {
    if (error.status === 401) handleError(error);
  }
}

function scheduleToday() {
  clearTimeout(todayTimer);
  todayTimer = setTimeout(loadToday, TODAY_DELAY_MS);
}

async function loadSupervision() {
  await readLatest(
    "supervision",
    () =>
      Promise.all([
        api("GET", "/api/v1/devices", { token: state.token }),
        api("GET", "/api/v1/alerts?open=1", { token: state.token }),
        api("GET", "/api/v1/tuning", { token: state.token }).catch(() => ({ changes: [] })),
      ]),
    ([devices, alerts, changes]) => {
      state.devices = new Map(devices.devices.map((d) => [`${d.device}|${d.component}`, d]));
      state.alerts = new Map(alerts.alerts.map((a) => [a.id, a]));
      state.changes = changes.changes;
    },
    applySupervisionNews,
  );
}

// Applying the same news twice leaves the same lists.
function applySupervisionNews(message) {
  if (message.type === "device.changed") {
    const { device, component, condition, detail, at } = message;
    state.devices.set(`${device}|${component}`, { device, component, condition, detail, since: at });
  }
  if (message.alert) {
    const alert = message.alert;
    if (alert.acknowledged_at) state.alerts.delete(alert.id);
    else state.alerts.set(alert.id, alert);
  }
  if (message.type === "tuning.changed" && message.change) {
    state.changes = [message.change, ...state.changes.filter((c) => c.id !== message.change.id)];
    const undone = message.change.undoes && state.changes.find((c) => c.id === message.change.undoes);
    if (undone) undone.undone_by = message.change.id;
  }
  // Midnight: the day before's changes stay in 调度记录, as a record no longer undone.
  if (message.type === "day.started") expireChangesBefore(state, message.day);
}

// -- the stream ---------------------------------------------------------------------------

function startStream() {
  stream?.stop();
  stream = new Stream({ topics: ["board", "console"], token: state.token, onMessage, onStatus });
  stream.start();
}

function onStatus(status) {
  if (status === "revoked") {
    endSession(); // the stream has stopped: nothing to wait for
    return;
  }
  state.online = status === "online";
  draw();
}

function onMessage(message) {
  applyQueueNews(message);
  for (const news of readsUnderWay.values()) news.push(message);
  if (message.type === "snapshot") {
    // A fresh start (after an outage longer than the server replays): everything the
    // stream would have told is read again, the services' figures and paused issuing too.
    scheduleHall();
    scheduleToday();
    loadSupervision().then(draw, handleError);
    scheduleWaiting();
    draw();
    return;
  }
  if (message.type.startsWith("ticket.") || message.type === "queue.cleared") {
    scheduleToday();
    scheduleWaiting();
  }
  // Each service's tickets issued today (各业务等候, 窗口调度) come with the hall read only:
  // the stream says a ticket was issued, not the new count. A burst costs one read.
  if (message.type === "ticket.issued") scheduleHall();
  applySupervisionNews(message);
  if (message.alert && state.tab === "cases") loadAlertHistory(app);
  if (message.type === "tuning.changed" && message.change) scheduleHall();
  // Midnight: today's figures start from nothing, and the pauses and quotas set for the day
  // before have ended (a page left open overnight shows the new day).
  if (message.type === "day.started") {
    state.day = message.day;
    scheduleHall();
    scheduleToday();
  }
  if (message.case && state.tab === "cases") loadCases(app);
  draw();
}

// -- session ------------------------------------------------------------------------------

function forgetSession() {
  sessionStorage.removeItem(TOKEN_KEY);
  stream?.stop();
  stream = null;
  Object.assign(state, { token: null, me: null, online: true });
}

async function resumeSession() {
  render();
  const who = await sessionOwner(state.token, resumeSession);
  if (who === undefined) return;
  if (who === null) {
    forgetSession();
    render();
    return;
  }
  if (!SUPERVISORS.has(who.role)) {
    forgetSession();
    render();
    showError("大厅管理只对大厅管理员和系统管理员开放；窗口人员请使用窗口工作台（/console）");
    return;
  }
  state.me = who;
  try {
    await loadHall();
    await loadSupervision();
  } catch (error) {
    handleError(error);
  }
  startStream();
  loadToday();
  render();
}

async function login(event) {
  try {
    state.token = await logIn(event, TOKEN_KEY);
  } catch (error) {
    showFailure(error);
    return;
  }
  await resumeSession();
}

async function logout() {
  try {
    await logOut(state.token);
  } catch (error) {
    showFailure(error);
    return;
  }
  forgetSession();
  render();
  showInfo("已退出登录");
}

async function acknowledge(id) {
  try {
    const answer = await call("POST", `/api/v1/alerts/${encodeURIComponent(id)}/ack`);
    state.alerts.delete(id);
    // Two managers pressing 确认 at once: the second learns it was the other's acknowledgement.
    const by = answer.alert.acknowledged_by;
    if (by && by !== `${state.me.kind}:${state.me.name}`) showInfo(`该告警已由 ${staffName(by)} 确认：${answer.alert.message}`);
    else showInfo(`已确认告警：${answer.alert.message}`);
    if (state.tab === "cases") loadAlertHistory(app);
    draw();
  } catch {
    // shown by call()
  }
}

function bindUi() {
  $("login-form").addEventListener("submit", login);
  $("logout").addEventListener("click", logout);
  $("error-close").addEventListener("click", () => {
    $("error").hidden = true;
  });
  $("tabs").addEventListener("click", (event) => {
    const tab = event.target.closest("[data-tab]");
    if (tab) openTab(tab.dataset.tab);
  });
  document.addEventListener("click", (event) => {
    const ack = event.target.closest("button[data-ack]");
    if (ack) acknowledge(ack.dataset.ack);
  });
  bindTuning(app);
  bindCases(app);
  bindReports(app);
  bindPlanner(app);
  bindAudit(app);
  // The time each window has been in its state, and the longest waits, move on their own.
  setInterval(() => {
    if (state.tab === "live" && state.me && !pressing) renderLive(state);
  }, 1000);
  document.addEventListener("pointerdown", (event) => {
    pressing = Boolean(event.target.closest?.("main button"));
  });
  // Released anywhere (the pointer may have left the button): what came meanwhile is drawn
  // on the next frame, after the click this release makes.
  const released = () => {
    if (!pressing) return;
    pressing = false;
    draw();
  };
  document.addEventListener("pointerup", released);
  document.addEventListener("pointercancel", released);
  setInterval(() => {
    if (state.me) loadToday();
  }, TODAY_EVERY_MS);
}

async function boot() {
  if (state.token) {
    await resumeSession();
  } else {
    render();
    $("username").focus();
  }
}

bindUi();
boot();
