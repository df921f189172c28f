// The plain clerk console: log in, sign in to a window, call and serve tickets, kept live
// by the event stream.

import { Stream, api } from "./api.js";
import { doneText, renderChooser, renderHeader, renderStation, showView, updateTimers, whyNot } from "./console-view.js";
import { askHandOver, askNoShow, askPause, askTransfer, bindDialogs, closeStationDialogs } from "./console-dialogs.js";
import { askGreen, bindGreen } from "./console-green.js";
import { clearMessages, logIn, logOut, sessionOwner, showError, showInfo, withdrawError } from "./staff-page.js";
import { windowName } from "./words.js";

const TOKEN_KEY = "hallq.console.token";
const DETAIL_DELAY_MS = 150;
const SESSION_CHECK_MS = 10000;
const RETRY_MS = 3000;
// 叫号's key right after 叫号 (nothing else done between) within this is the same press: the
// second tap of a double tap comes after the first one's answer, and would finish the
// citizen just called and call the next.
const CALL_GUARD_MS = 800;

const $ = (id) => document.getElementById(id);

const state = {
  token: sessionStorage.getItem(TOKEN_KEY),
  me: null,
  hallName: "",
  timezone: undefined,
  recallCap: 5,
  services: new Map(),
  windows: new Map(),
  waiting: {},
  windowId: null,
  held: [],
  missed: [],
  today: null, // the clerk's own figures for today (GET /api/v1/windows/{w} `today`)
  ratingResult: null, // {rating, shownAt}: the rating just given at this window
  busy: false,
  online: true,
  // Stream messages about the signed-in window (and snapshots): when one overtook an answer
  // or a re-read, the window is read again. Other windows' traffic, steady in a busy hall,
  // never does.
  version: 0,
  // Stream messages that brought waiting counts: a window's detail asked for before one of
  // them arrived carries older counts, which must not replace the stream's.
  waitingVersion: 0,
};

let stream = null;
let detailTimer = null;
let lastSessionCheck = 0;
let unreachableSaid = null; // the words shown when the server could not be reached
let lastAction = { action: null, at: -Infinity }; // the last action taken up, and when

// Shortcuts by physical key, so that they work whatever the input method is doing.
const KEYS = {
  F1: "call-next",
  Space: "call-next",
  KeyR: "recall",
  KeyS: "start",
  KeyF: "finish",
  KeyN: "no-show",
  KeyH: "hold",
  KeyT: "transfer",
  KeyP: "pause-or-resume",
  KeyE: "ask-rating",
  KeyG: "green",
};
// Actions that change the held or missed lists, which the stream does not carry.
const LIST_ACTIONS = new Set(["no-show", "hold", "resume-held", "call-back"]);
// What the clerk reads for actions a dialog asked about one ticket.
const ASKED_VERBS = { "no-show": "过号", transfer: "转办" };

// -- messages ---------------------------------------------------------------------------

const HAS_CHINESE = /[\u4e00-\u9fff]/;

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
  if (error.status === 0) {
    unreachableSaid = error.message; // true until the stream is back
    showError(error.message);
  } else if (!error.said || HAS_CHINESE.test(error.said)) {
    showError(error.message);
  } else if (error.status === 403 && state.windowId) {
    showError(`您已不在${windowName(state.windowId)}签到，操作未执行`, { detail: error.said });
  } else {
    // The server's English words go in small print, under the Chinese.
    showError(error.message.replace(`：${error.said}`, ""), { detail: error.said });
  }
}

// -- state ------------------------------------------------------------------------------

function render() {
  renderHeader(state);
  if (!state.token) {
    showView("login-view");
  } else if (!state.me) {
    showView("loading");
  } else if (state.windowId) {
    showView("station-view");
    renderStation(state);
  } else {
    showView("choose-view");
    renderChooser(state);
  }
}

function myOpenWindow() {
  for (const win of state.windows.values()) {
    if (win.state !== "closed" && win.clerk_username === state.me?.name) return win.id;
  }
  return null;
}

/**
 * Leaves the station when the window was closed (by us or by a manager elsewhere) or taken
 * over by another clerk (替岗), and says which.
 */
function checkStillSignedIn() {
  const win = state.windows.get(state.windowId);
  if (!win || (win.state !== "closed" && win.clerk_username === state.me?.name)) return;
  if (win.state === "closed") {
    showInfo(`${windowName(state.windowId)}已签退`);
  } else {
    const who = win.clerk?.name ?? win.clerk_username ?? "工作站";
    const staffNo = win.clerk?.staff_no ? `（工号 ${win.clerk.staff_no}）` : "";
    showInfo(`${who}${staffNo}已替岗接手${windowName(state.windowId)}，您已不在该窗口签到`, { sticky: true });
  }
  leaveStation();
}

function leaveStation() {
  Object.assign(state, { windowId: null, held: [], missed: [], today: null, ratingResult: null });
  closeStationDialogs();
}

async function loadHall() {
  const info = await api("GET", "/api/v1/hall", { token: state.token });
  state.hallName = info.hall.name;
  state.timezone = info.hall.timezone;
  state.recallCap = info.hall.recall_cap;
  state.services = new Map(info.services.map((s) => [s.id, s]));
  state.windows = new Map(info.windows.map((w) => [w.id, w]));
  state.waiting = Object.fromEntries(info.services.map((s) => [s.id, s.waiting]));
  document.title = `窗口工作台 · ${info.hall.name}`;
}

async function refreshDetail() {
  const id = state.windowId;
  if (!id || !state.token) return;
  const version = state.version;
  const waitingVersion = state.waitingVersion;
  try {
    const detail = await api("GET", `/api/v1/windows/${encodeURIComponent(id)}`, { token: state.token });
    if (state.windowId !== id) return;
    state.windows.set(detail.window.id, detail.window);
    state.held = detail.held;
    state.missed = detail.missed;
    state.today = detail.today ?? null;
    if (state.waitingVersion === waitingVersion) Object.assign(state.waiting, detail.waiting);
    checkStillSignedIn();
  } catch (error) {
    handleError(error);
  }
  // The stream moved on while we asked: read again, so the newer state wins.
  if (state.version !== version) scheduleDetail();
  render();
}

function scheduleDetail() {
  clearTimeout(detailTimer);
  detailTimer = setTimeout(refreshDetail, DETAIL_DELAY_MS);
}

// -- the stream -------------------------------------------------------------------------

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
  renderHeader(state);
  if (state.online) {
    withdrawError(unreachableSaid);
    scheduleDetail();
  } else {
    checkSession();
  }
}

/** While the stream is down, find out whether it is the network or our session. */
async function checkSession() {
  if (!state.token || Date.now() - lastSessionCheck < SESSION_CHECK_MS) return;
  lastSessionCheck = Date.now();
  try {
    await api("GET", "/api/v1/session", { token: state.token });
  } catch (error) {
    if (error.status === 401) handleError(error);
  }
}

function onMessage(message) {
  if (message.type === "snapshot") {
    const snapshot = message.state;
    state.windows = new Map(snapshot.windows.map((w) => [w.id, w]));
    state.waiting = { ...snapshot.waiting };
    state.waitingVersion += 1;
    state.version += 1;
    scheduleDetail();
  } else {
    if (message.window) state.windows.set(message.window.id, message.window);
    if (message.waiting) {
      state.waiting = { ...message.waiting };
      state.waitingVersion += 1;
    }
    const mine = state.windowId;
    const retuned = windowRetuned(message);
    if (mine && retuned === mine) {
      state.version += 1;
      scheduleDetail();
    }
    if (mine && message.type === "rating.recorded" && message.window?.id === mine && message.rating) {
      state.ratingResult = { rating: message.rating, shownAt: Date.now() };
    }
    // A new day (midnight) starts the clerk's figures of today again.
    const news = message.type === "queue.cleared" || message.type === "day.started";
    if (mine && (message.window?.id === mine || message.ticket?.window === mine || news)) {
      state.version += 1;
      scheduleDetail();
    }
  }
  checkStillSignedIn();
  render();
}

/**
 * A manager's change of a window's services (窗口调度 → 调整业务, or its undo) carries no
 * window, only the change: applies it to that window (its waiting panel and the chooser show
 * the new services at once) and returns the window's id, else null.
 */
function windowRetuned(message) {
  const change = message.type === "tuning.changed" ? message.change : null;
  if (change?.kind !== "window_services" || !change.after) return null;
  const win = state.windows.get(change.target);
  if (!win) return null;
  const { services = win.services, overflow = [] } = change.after;
  state.windows.set(win.id, { ...win, services, overflow });
  return win.id;
}

// -- session ----------------------------------------------------------------------------

function forgetSession() {
  sessionStorage.removeItem(TOKEN_KEY);
  stream?.stop();
  stream = null;
  leaveStation();
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
  if (who.role !== "clerk") {
    forgetSession();
    render();
    showError("窗口工作台只对窗口人员开放；大厅管理员请使用大厅管理（/manager）");
    return;
  }
  state.me = who;
  startStream();
  const id = who.window ?? myOpenWindow();
  if (id) {
    await enterWindow(id);
  } else {
    render();
  }
}

async function login(event) {
  try {
    state.token = await logIn(event, TOKEN_KEY);
  } catch (error) {
    showError(error.message);
    return;
  }
  await resumeSession();
}

async function logout() {
  const leftOpen = state.windowId;
  try {
    await logOut(state.token);
  } catch (error) {
    showError(error.message);
    return;
  }
  forgetSession();
  render();
  showInfo(leftOpen ? `已退出登录。${windowName(leftOpen)}仍在签到状态，离开前请签退。` : "已退出登录");
  $("username").focus();
}

async function enterWindow(id) {
  state.windowId = id;
  render();
  await refreshDetail();
}

async function signIn(id) {
  if (myOpenWindow() === id) {
    await enterWindow(id);
    return;
  }
  try {
    const answer = await api("POST", `/api/v1/windows/${encodeURIComponent(id)}/open`, { token: state.token });
    state.windows.set(answer.window.id, answer.window);
    showInfo(`已在${windowName(id)}签到`);
    await enterWindow(id);
  } catch (error) {
    handleError(error);
  }
}

/** 替岗: takes over a window where another clerk is signed in; its current ticket stays. */
async function handOver(id, reason) {
  try {
    const answer = await api("POST", `/api/v1/windows/${encodeURIComponent(id)}/hand-over`, {
      token: state.token,
      body: { reason },
    });
    state.windows.set(answer.window.id, answer.window);
    showInfo(`已替岗接手${windowName(id)}（${reason}）`);
    await enterWindow(id);
  } catch (error) {
    handleError(error);
  }
}

// -- window actions ---------------------------------------------------------------------

/** The 办件编号 typed for the current ticket goes with the actions that finish it;
 * null when it is typed wrong (the clerk corrects it, nothing is sent). */
function withCaseNo(action, body) {
  const input = $("case-no");
  const caseNo = input.value.trim();
  const finishing = ["finish", "call-next", "call-back"].includes(action);
  if (!finishing || !caseNo || !state.windows.get(state.windowId)?.ticket) return body;
  if (!input.checkValidity()) return null;
  return { ...body, case_no: caseNo };
}

/** Does `action`; `asked`, the ticket a dialog asked about, must still be the current one. */
async function act(action, body, asked = null) {
  if (state.busy || !state.windowId) return;
  if (asked && state.windows.get(state.windowId)?.ticket?.id !== asked.id) {
    showError(`${asked.number}已不是当前的号，${ASKED_VERBS[action]}未执行`);
    return;
  }
  body = withCaseNo(action, body);
  if (body === null) {
    showError("办件编号只能由字母、数字和“-”组成，请更正后再办结");
    return;
  }
  const id = state.windowId;
  const version = state.version;
  state.busy = true;
  render();
  try {
    const answer = await api("POST", `/api/v1/windows/${encodeURIComponent(id)}/${action}`, {
      token: state.token,
      body,
    });
    // The answer is the window right after this action: show it at once, so the next key
    // acts on it. News of this window that came meanwhile (a snapshot after a reconnect, a
    // manager's change) may be older or newer: read the window again to settle it.
    if (answer?.window) state.windows.set(answer.window.id, answer.window);
    if (state.version !== version || !answer?.window) scheduleDetail();
    if (LIST_ACTIONS.has(action)) scheduleDetail();
    if (action === "close") leaveStation();
    if (body?.case_no) $("case-no").value = ""; // it went with the ticket it belongs to
    showInfo(doneText(state, action, answer, body));
  } catch (error) {
    handleError(error);
    scheduleDetail(); // we may have acted on an outdated view
  } finally {
    state.busy = false;
    render();
  }
}

function trigger(action, body) {
  if (state.busy) {
    showInfo("正在处理上一个操作，请稍候再按");
    return;
  }
  lastAction = { action, at: performance.now() };
  if (action === "green") {
    askGreen();
    return;
  }
  if (action === "pause-or-resume") {
    action = state.windows.get(state.windowId)?.state === "paused" ? "resume" : "pause";
  }
  const reason = whyNot(action, state.windows.get(state.windowId), state.recallCap);
  if (reason) {
    showError(reason);
    return;
  }
  const win = state.windows.get(state.windowId);
  if (action === "no-show") {
    askNoShow(win.ticket);
  } else if (action === "pause") {
    askPause();
  } else if (action === "transfer") {
    askTransfer(win.ticket, state.services.values(), state.windows.values(), state.windowId);
  } else {
    act(action, body);
  }
}

// -- wiring -----------------------------------------------------------------------------

function onKey(event) {
  if (event.ctrlKey || event.altKey || event.metaKey) return;
  if (document.querySelector("dialog[open]")) return;
  if (event.target.closest?.("input, textarea, select, [contenteditable]")) return;
  // Enter held down on a focused button would press it again with every repeat.
  if (event.repeat && event.target.closest?.("button")) {
    event.preventDefault();
    return;
  }
  const action = KEYS[event.code];
  if (!action) return;
  // At the window choice only 绿色通道取号 has a key: a guide at the help desk has no window.
  if (action === "green" && !$("choose-view").hidden) {
    event.preventDefault();
    if (!event.repeat) askGreen();
    return;
  }
  if (!state.windowId || $("station-view").hidden) return;
  // Also keeps Space from pressing whichever button has the focus, and F1 from opening help.
  event.preventDefault();
  if (event.repeat) return;
  const again = action === "call-next" && lastAction.action === action;
  if (again && performance.now() - lastAction.at < CALL_GUARD_MS) return;
  trigger(action);
}

function bindUi() {
  $("login-form").addEventListener("submit", login);
  $("logout").addEventListener("click", logout);
  $("error-close").addEventListener("click", () => {
    $("error").hidden = true;
  });
  // The second click of a double click comes after the first one's answer, on a window
  // that has moved on (e.g. the next citizen called): it is never meant.
  $("window-list").addEventListener("click", (event) => {
    if (event.detail > 1) return;
    const button = event.target.closest("button[data-window]");
    if (!button || button.disabled) return;
    if (button.dataset.handOver) {
      askHandOver(state.windows.get(button.dataset.window));
    } else {
      signIn(button.dataset.window);
    }
  });
  $("choose-view").querySelector("[data-action=green]").addEventListener("click", askGreen);
  $("station-view").addEventListener("click", (event) => {
    if (event.detail > 1) return;
    const button = event.target.closest("button[data-action]");
    if (!button || button.disabled) return;
    const ticket = button.dataset.ticket;
    trigger(button.dataset.action, ticket ? { ticket } : undefined);
  });
  document.addEventListener("keydown", onKey);
  // Space on a focused button would click it on key-up; the shortcut already acted.
  document.addEventListener("keyup", (event) => {
    const atStation = state.windowId && !$("station-view").hidden && !document.querySelector("dialog[open]");
    if (atStation && event.code === "Space" && event.target.closest?.("button")) {
      event.preventDefault();
    }
  });
  bindDialogs(act, handOver);
  bindGreen({ token: () => state.token, services: () => state.services.values(), onError: handleError });
  setInterval(() => updateTimers(state), 1000);
}

async function boot() {
  try {
    await loadHall();
  } catch (error) {
    showError(`${error.message}（${RETRY_MS / 1000} 秒后重试）`);
    setTimeout(boot, RETRY_MS);
    return;
  }
  clearMessages();
  if (state.token) {
    await resumeSession();
  } else {
    render();
    $("username").focus();
  }
}

bindUi();
boot();
