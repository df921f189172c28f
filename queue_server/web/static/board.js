// The lobby board (综合屏, /board): the newest call large, the recent calls, waiting counts
// with the longest wait, every window's state. Public: the board topic, no token.
// Query: ?floor=2F (one floor's windows, calls and services), ?layout=portrait,
// ?notice=text (the scrolling line), ?notice_alt=text (its second-language version),
// ?speaker=ID (speak that speaker group's calls) or ?speak=1 (speak this board's floor's),
// ?page_seconds=N (how long each page of a window list or waiting list too long for its panel
// stays up; 8 by default).
// A hall with a second_language shows every text in Chinese and that language (bilingual.js).

import { Stream, api, serverNow } from "./api.js";
import { boardVoice } from "./voice.js";
import { dateWords, fill, fillWord, pair, secondLanguage } from "./bilingual.js";
import { WINDOW_STATES, el } from "./words.js";

const $ = (id) => document.getElementById(id);

const KEEP = 20; // recent calls kept (and listed; the layout shows as many as fit)
const RESYNC_MS = 30000; // at most this often, fetch a fresh snapshot for the longest wait
const RETRY_MS = 3000; // the first retry of a read (load); each next one waits twice as long
const RETRY_MAX_MS = 15000; // no slower than the stream's own reconnects (api.js)
const DEFAULT_NOTICE =
  "请留意叫号信息，叫到您的号码时请及时到对应窗口办理；过号请咨询导办台。请保管好随身物品。";

const params = new URLSearchParams(location.search);
const floor = params.get("floor") || null;
const portrait = params.get("layout") === "portrait";
const PAGE_MS = Math.max(2, Number(params.get("page_seconds")) || 8) * 1000;

const state = {
  timezone: undefined,
  language: null, // the hall's second language (bilingual.js), or null
  services: [], // [{id, name, name_alt}] shown on this board
  windows: new Map(), // id -> Window, in hall order
  waiting: {}, // service -> count
  since: {}, // service -> ISO of the oldest waiting ticket as of the snapshot, or null
  known: new Map(), // service -> Map(ticket id -> issued_at) of tickets seen issued since
  calls: [], // [{id, number, window, at}] oldest first
};

let stream = null;
let resyncTimer = null;
let renderPending = false; // a frame is asked for to draw the latest state
let fresh = false; // a call came since the last drawing: the newest call blinks
const pagers = {}; // windows, waiting: a Pager each, once the page is set up

function onFloor(windowId) {
  if (!floor) return true;
  return state.windows.get(windowId)?.floor === floor;
}

function windowTitle(id) {
  return `${id}号窗口`;
}

/** Fills `node` with "3号窗口" and the second language's window name: the hall's own
 * label_alt when the window's label is just that name, else the fixed words'. */
function fillWindow(node, id) {
  const w = state.windows.get(id);
  if (w?.label_alt && w.label === windowTitle(id)) return fill(node, w.label, w.label_alt, state.language);
  return fillWord(node, windowTitle(id), "window", state.language, id);
}

/** The window's label when it says more than its name ("5号 出件窗口"), else null. */
function labelOf(w) {
  return w.label && w.label !== windowTitle(w.id) ? w.label : null;
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

/** New waiting counts. An empty queue forgets the tickets seen in it: a clearing (清号)
 * closes them out without naming them, and the next day's first ticket must not count its
 * wait from the morning before. */
function seeWaiting(waiting) {
  state.waiting = { ...state.waiting, ...waiting };
  for (const [service, count] of Object.entries(waiting)) {
    if (!count) state.known.delete(service);
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
    scheduleRender();
    return;
  }
  if (message.window?.id) state.windows.set(message.window.id, message.window);
  if (message.waiting) seeWaiting(message.waiting);
  if (message.finished) seeTicket(message.finished);
  if (message.ticket) seeTicket(message.ticket);
  if ((message.type === "ticket.called" || message.type === "ticket.recalled") && message.window) {
    addCall(message.ticket, message.window.id, message.at);
    if (onFloor(message.window.id)) fresh = true;
  }
  scheduleRender();
}

/** Draws the board at the next frame, once for all the messages that came since: a busy
 * hall sends dozens a second (issues, calls at 30 windows), and drawing after each one
 * (every card and row, then measuring the pages) kept a small board's CPU behind the hall. */
function scheduleRender() {
  if (renderPending) return;
  renderPending = true;
  requestAnimationFrame(() => {
    renderPending = false;
    render();
    if (fresh) flashNow();
    fresh = false;
  });
}

/** Makes the newest call blink for a few seconds: a new call, and a recall of the number
 * already shown, which would otherwise change nothing on the board. */
function flashNow() {
  const now = $("now");
  now.classList.remove("is-fresh");
  void now.offsetWidth; // restarts the animation of a call following a call
  now.classList.add("is-fresh");
}

// --- drawing ----------------------------------------------------------------------------

function render() {
  renderCalls();
  renderWindows();
  renderWaiting();
  layoutPages();
}

/** The hall's date (YYYY-MM-DD) of a moment in ms. */
function hallDate(ms) {
  return new Date(ms).toLocaleDateString("sv-SE", { timeZone: state.timezone });
}

/** Whether a call was made on the hall's `today` (a call without a time is taken as today's). */
function calledOn(call, today) {
  const at = Date.parse(call.at);
  return Number.isNaN(at) || hallDate(at) === today;
}

function renderCalls() {
  // Yesterday's calls are not "正在叫号" this morning (nothing is called overnight).
  const today = hallDate(serverNow());
  const calls = state.calls
    .filter((c) => onFloor(c.window) && calledOn(c, today))
    .slice(-KEEP)
    .reverse();
  const newest = calls[0];
  $("now-number").textContent = newest ? newest.number : "—";
  if (newest) fillWindow($("now-window"), newest.window);
  else fill($("now-window"), "", "", null);
  $("now").classList.toggle("is-empty", !newest);
  fitNow();
  const items = calls.map((c) => {
    const item = el("li", "board-recent-item");
    item.dataset.ticket = c.number;
    item.append(el("span", "board-recent-number", c.number), fillWindow(el("span", "board-recent-window"), c.window));
    return item;
  });
  $("recent").replaceChildren(...items);
}

/** Hides the recent calls past the last one that fits whole: a row cut in half at the
 * panel's foot is neither readable nor a sign that more follow. A row may use the panel's
 * bottom padding (there is no page mark to keep clear). */
function fitRecent() {
  const panel = document.querySelector(".board-recent");
  const bottom = panel.getBoundingClientRect().bottom - parseFloat(getComputedStyle(panel).borderBottomWidth);
  for (const item of $("recent").children) item.hidden = false;
  for (const item of $("recent").children) item.hidden = item.getBoundingClientRect().bottom > bottom + 0.5;
}

/** Shrinks the newest call's line (all its sizes are in its em) to the panel's width when a
 * long number or window name ("G012 → 12号窗口") would not fit at full size. */
function fitNow() {
  const now = $("now");
  now.style.removeProperty("--fit");
  // Glyphs are placed on whole pixels, so a line does not shrink exactly in proportion:
  // measure again until it fits.
  let fit = 1;
  for (let i = 0; i < 4 && now.scrollWidth > now.clientWidth; i += 1) {
    fit = Math.floor(fit * (now.clientWidth / now.scrollWidth) * 990) / 1000;
    now.style.setProperty("--fit", String(fit));
  }
}

function windowLine(w) {
  const item = el("li", `board-window is-${w.state}`);
  item.dataset.window = w.id;
  const head = el("p", "board-window-head");
  head.append(
    fillWindow(el("span", "board-window-name"), w.id),
    fillWord(el("span", "board-window-state"), WINDOW_STATES[w.state] ?? w.state, w.state, state.language),
  );
  item.append(head);
  const label = labelOf(w);
  if (label) item.append(pair("p", "board-window-label", label, w.label_alt, state.language));
  const busy = (w.state === "calling" || w.state === "serving") && w.ticket;
  item.append(el("p", "board-window-ticket", busy ? w.ticket.number : ""));
  const line = el("p", "board-window-clerk");
  if (w.clerk && state.language && w.clerk.staff_no) {
    // The name is a person's and is not translated; 工号 is.
    const no = w.clerk.staff_no;
    line.append(`${w.clerk.name} · `, fillWord(el("span"), `工号 ${no}`, "staffNo", state.language, no));
  } else if (w.clerk) {
    line.textContent = [w.clerk.name, w.clerk.staff_no ? `工号 ${w.clerk.staff_no}` : ""].filter(Boolean).join(" · ");
  }
  item.append(line);
  return item;
}

function renderWindows() {
  const shown = [...state.windows.values()].filter((w) => !floor || w.floor === floor);
  $("windows").replaceChildren(...shown.map(windowLine));
}

/** A table cell holding `node` (a table cell itself cannot be the flex box of a pair). */
function cell(tag, className, node) {
  const td = el(tag, className);
  td.append(node);
  return td;
}

function minutesSince(iso) {
  if (!iso) return fill(el("span"), "—", "", null);
  const minutes = Math.max(0, Math.floor((serverNow() - Date.parse(iso)) / 60000));
  return fillWord(el("span"), `${minutes} 分钟`, "minutes", state.language, String(minutes));
}

function renderWaiting() {
  const rows = state.services.map((s) => {
    const row = el("tr");
    row.dataset.service = s.id;
    const count = state.waiting[s.id] ?? 0;
    row.append(
      cell("th", "board-service", pair("span", "", s.name, s.name_alt, state.language)),
      el("td", "board-count", String(count)),
      cell("td", "board-longest", minutesSince(count ? oldest(s.id) : null)),
    );
    return row;
  });
  $("waiting").replaceChildren(...rows);
}

// --- pages ------------------------------------------------------------------------------

/**
 * Shows a list too long for its panel one page at a time, each page as many whole items as
 * fit, turning every PAGE_MS: a large hall's board (32 windows, a second language) never
 * clips a window or a service, it shows them all in turn. Laid out again after every render,
 * so a page always fits what it holds now; `mark` shows "2 / 3" while there is more than one.
 */
class Pager {
  constructor(list, panel, mark) {
    Object.assign(this, { list, panel, mark, page: 0, pages: [] });
  }

  /** Every item shown, no mark, the panel's own height: the layout before paging. */
  reset() {
    for (const item of this.list.children) item.hidden = false;
    this.mark.hidden = true;
    this.panel.style.height = "";
  }

  layout() {
    const items = [...this.list.children];
    const style = getComputedStyle(this.panel);
    const box = this.panel.getBoundingClientRect();
    const bottom = box.bottom - parseFloat(style.borderBottomWidth) - parseFloat(style.paddingBottom);
    const room = bottom - this.list.getBoundingClientRect().top;
    this.pages = split(items, room);
    if (this.pages.length > 1) {
      // Room for the page mark under the last item; the panel keeps its height on every page.
      this.mark.hidden = false;
      this.pages = split(items, room - this.mark.getBoundingClientRect().height);
      this.panel.style.height = `${box.height}px`;
    }
    this.page %= Math.max(1, this.pages.length);
    this.show();
  }

  next() {
    if (this.pages.length < 2) return;
    this.page = (this.page + 1) % this.pages.length;
    this.show();
  }

  show() {
    const shown = new Set(this.pages[this.page] ?? []);
    for (const item of this.list.children) item.hidden = this.pages.length > 1 && !shown.has(item);
    this.mark.textContent = `${this.page + 1} / ${this.pages.length}`;
    this.list.dataset.page = String(this.page + 1);
    this.list.dataset.pages = String(this.pages.length);
  }
}

/** `items` (all shown) cut into runs whose boxes fit `room` px from each run's first top.
 * Items side by side (a grid row) share their top and bottom, so a run starts a row. */
function split(items, room) {
  const pages = [];
  let page = [];
  let top = 0;
  for (const item of items) {
    const box = item.getBoundingClientRect();
    if (page.length && box.bottom - top > room + 0.5) {
      pages.push(page);
      page = [];
    }
    if (!page.length) top = box.top;
    page.push(item);
  }
  if (page.length) pages.push(page);
  return pages;
}

/** Pages both lists. In portrait one panel's height follows the other's content, so both
 * are reset before either is measured: a panel measured while the other still held its
 * last pages (or no rows yet) would keep a height that overlaps its neighbour. */
function layoutPages() {
  const all = Object.values(pagers);
  all.forEach((p) => p.reset());
  all.forEach((p) => p.layout());
  fitRecent();
}

function setUpPages() {
  for (const name of ["windows", "waiting"]) {
    const panel = document.querySelector(`.board-${name}`);
    const mark = el("p", "board-page");
    mark.setAttribute("aria-hidden", "true");
    panel.append(mark);
    pagers[name] = new Pager($(name), panel, mark);
  }
  const relayout = () => {
    fitNow();
    layoutPages();
  };
  // Fonts change every height (the Mongolian one loads when first used); so does the screen.
  document.fonts.addEventListener("loadingdone", relayout);
  document.fonts.ready.then(relayout);
  addEventListener("resize", relayout);
  setInterval(() => Object.values(pagers).forEach((p) => p.next()), PAGE_MS);
}

function tick() {
  const now = new Date(serverNow());
  const zone = { timeZone: state.timezone };
  $("clock").textContent = now.toLocaleTimeString("zh-CN", { ...zone, hour: "2-digit", minute: "2-digit", hour12: false });
  $("clock").dateTime = now.toISOString();
  const zh = now.toLocaleDateString("zh-CN", { ...zone, year: "numeric", month: "long", day: "numeric", weekday: "long" });
  const alt = state.language ? dateWords(state.language, hallDay(now)) : "";
  if ($("date").dataset.text === zh + alt) return; // rebuilt once a day, not every second
  $("date").dataset.text = zh + alt;
  fill($("date"), zh, alt, state.language);
  if (stream) scheduleRender(); // a new day: yesterday's calls leave the board
}

/** {year, month, day, weekday (0 = Sunday)} of `now` in the hall's time zone. */
function hallDay(now) {
  const parts = new Intl.DateTimeFormat("en-US", { timeZone: state.timezone, year: "numeric", month: "numeric", day: "numeric", weekday: "short" }).formatToParts(now);
  const part = (type) => parts.find((p) => p.type === type)?.value ?? "";
  const weekday = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"].indexOf(part("weekday"));
  return { year: part("year"), month: part("month"), day: part("day"), weekday };
}

/** The fixed texts of the page in Chinese and the hall's second language. */
function labelPage() {
  const language = state.language;
  for (const [id, key] of [
    ["now-title", "now"],
    ["recent-title", "recent"],
    ["windows-title", "windows"],
    ["waiting-title", "waiting"],
    ["waiting-service", "service"],
    ["waiting-count", "count"],
    ["waiting-longest", "longest"],
    ["offline", "offline"],
  ]) {
    // The page's own Chinese, kept: a second labelling (a re-read hall) must not take the
    // first one's second language for Chinese.
    $(id).dataset.zh ??= $(id).textContent;
    fillWord($(id), $(id).dataset.zh, key, language);
  }
  document.body.classList.toggle("is-bilingual", Boolean(language));
  document.body.classList.toggle("is-vertical-alt", Boolean(language?.vertical));
  if (!params.get("notice")) fillWord($("notice"), DEFAULT_NOTICE, "notice", language);
  else fill($("notice"), params.get("notice"), params.get("notice_alt"), language);
}

function setOnline(online) {
  $("offline").hidden = online;
  document.body.classList.toggle("is-offline", !online);
}

// --- start ------------------------------------------------------------------------------

/** GET `path`, retrying with growing delays until the server answers: a board starts
 * before its server. `quiet` leaves the offline mark to the stream (a read while it is up). */
async function load(path, { quiet = false } = {}) {
  for (let delay = RETRY_MS; ; delay = Math.min(delay * 2, RETRY_MAX_MS)) {
    try {
      return await api("GET", path);
    } catch {
      if (!quiet) setOnline(false);
      await new Promise((resolve) => setTimeout(resolve, delay));
    }
  }
}

/** What the hall file says (GET /api/v1/hall): the hall's name, time zone and second
 * language, this board's floor and services. */
function learnHall(info) {
  state.timezone = info.hall.timezone || undefined;
  state.language = secondLanguage(info.hall.second_language);
  labelPage();
  fill($("hall-name"), info.hall.name, info.hall.name_alt, state.language);
  document.title = `${info.hall.name} · 叫号`;
  if (floor) {
    const found = info.hall.floors?.find((f) => f.id === floor);
    fill($("floor-name"), found?.label ?? floor, found?.label_alt, state.language);
    $("floor-name").hidden = false;
  }
  state.services = info.services.filter((s) => !floor || s.floor === floor).map((s) => ({ id: s.id, name: s.name, name_alt: s.name_alt }));
  tick();
}

/** Back after being offline, perhaps from a server restarted on a changed hall file: the
 * resumed stream carries the journal's changes only, no service or window renamed, added or
 * removed. Reads the hall again, then starts the stream over from a fresh snapshot (built
 * on the hall file in use) for its windows and every service's waiting count; the calls and
 * states stay the stream's. */
async function relearnHall() {
  learnHall(await load("/api/v1/hall", { quiet: true }));
  stream.resync();
}

async function main() {
  document.body.classList.toggle("is-portrait", portrait);
  setUpPages();
  $("notice").textContent = params.get("notice") || DEFAULT_NOTICE;
  tick();
  setInterval(tick, 1000);
  learnHall(await load("/api/v1/hall"));
  await boardVoice({
    params,
    floor,
    now: serverNow,
    loadSpeakers: () => load("/voice/speakers", { quiet: true }), // the board's offline mark is its stream's
    listen: (onMessage, onStatus) => new Stream({ topics: ["board"], onMessage, onStatus }).start(),
  });
  let offline = false;
  stream = new Stream({
    topics: ["board"],
    onMessage: apply,
    onStatus: (status) => {
      setOnline(status === "online");
      if (status === "online" && offline) relearnHall();
      offline = status !== "online";
    },
  });
  stream.start();
  // Minutes waited grow by themselves.
  setInterval(() => {
    renderWaiting();
    layoutPages();
  }, 15000);
}

main();
