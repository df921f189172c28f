// The citizen's phone page (/t/{id}): where the ticket stands, kept live by the public
// board stream. Shows nothing personal: the number, the service and the queue. With the
// QR's key (?k=) it also offers the 好差评 form once the ticket is served. A hall with a
// second_language shows the page's words in Chinese and that language, as the boards do.

import { Stream, api, serverNow } from "./api.js";
import { fill, fillWord, secondLanguage, word } from "./bilingual.js";
import { bindRating, loadRating } from "./rating-form.js";
import { el } from "./words.js";

const $ = (id) => document.getElementById(id);

const REFETCH_MS = 2000; // queue changes elsewhere: ask again at most this often
const RETRY_MS = 3000;
const READ_TIMEOUT_MS = 8000; // a read not answered by then is given up and asked again
const FINAL = new Set(["done", "cancelled", "abandoned"]);
// The server's ping is answered by the browser out of sight of the page, so a connection
// that died silently (Wi-Fi to 4G, a NAT that dropped the idle socket) shows only as
// silence. After this long without a message the page opens a fresh connection, which is
// answered with a snapshot at once; no answer within CHECK_MS and the page says it is not
// live, and tries again every CHECK_MS. A busy hall talks often enough never to be checked.
const SILENCE_MS = 30000;
const CHECK_MS = 5000;

const MISSED_RULES = {
  void: "叫号时请及时到窗口。过号后本号作废，如有疑问请联系窗口工作人员。",
  back: "叫号时请及时到窗口。过号后将排到队尾。",
  after_n: "叫号时请及时到窗口。过号后将顺延几位重新排队。",
};

const match = location.pathname.match(/^\/t\/([^/]+)/);
const ticketId = match ? decodeURIComponent(match[1]) : "";
const ratingKey = new URLSearchParams(location.search).get("k");

const state = {
  hall: null,
  services: new Map(),
  view: null, // {ticket, ahead, eta_minutes}
  online: true,
  updatedAt: null,
  language: null, // the hall's second language (bilingual.js), or null
};

// Whether the stream's socket is open, and whether it went quiet and a fresh one did not
// answer either: the page is live only when it is open and not silent.
const link = { open: true, silent: false, heardAt: Date.now(), checkedAt: null };

let stream = null;
let lastFetch = 0;
let fetchTimer = null;
let fetching = false;
let readAgain = false; // asked for while a read was out: read once more when it is answered

function time(iso) {
  const options = { hour: "2-digit", minute: "2-digit", hour12: false, timeZone: state.hall?.timezone };
  return new Date(iso).toLocaleTimeString("zh-CN", options);
}

/** When the ticket was taken, with the day when that was not today (a ticket kept from an
 * earlier visit must not pass for today's). */
function issuedText(iso) {
  const options = { month: "long", day: "numeric", timeZone: state.hall?.timezone };
  const day = (date) => date.toLocaleDateString("zh-CN", options);
  const issued = day(new Date(iso));
  const date = issued === day(new Date(serverNow())) ? "" : `${issued} `;
  return `取号时间 ${date}${time(iso)}`;
}

function etaText(minutes, ahead) {
  if (!ahead) return "即将叫号";
  const total = Math.max(1, Math.ceil(minutes));
  if (total < 60) return `约 ${total} 分钟`;
  const rest = total % 60;
  return `约 ${Math.floor(total / 60)} 小时${rest ? ` ${rest} 分钟` : ""}`;
}

/** The state in Chinese, the key of its second-language word, and a class for its colour. */
function describe(ticket) {
  const where = ticket.window ? `${ticket.window}号窗口` : "窗口";
  switch (ticket.state) {
    case "waiting":
      return [ticket.transferred ? "已转办，等候中" : "等候中", "ticketWaiting", ""];
    case "called":
      return [ticket.recalls ? `正在叫号（第 ${ticket.recalls + 1} 次）` : "正在叫号", "now", ""];
    case "serving":
      return [`正在${where}办理`, "serving", ""];
    case "held":
      return [`已挂起：补齐材料后请回到${where}`, "ticketHeld", ""];
    case "done":
      return ["已办结，感谢您的耐心等候", "ticketDone", "is-done"];
    case "no_show":
      return ["已过号", "ticketNoShow", "is-over"];
    case "abandoned":
      return ["本号已作废（未在办理时段内办理）", "ticketAbandoned", "is-over"];
    case "cancelled":
      return ["本号已取消", "ticketCancelled", "is-over"];
    default:
      return [ticket.state, "", ""];
  }
}

/** The state's second-language words: the window's name goes with "serving". */
function describeAlt(ticket, key) {
  const language = state.language;
  const alt = word(language, key);
  if (key !== "serving" || !ticket.window || !alt) return alt;
  return `${word(language, "window", ticket.window)} ${alt}`;
}

/** The estimated wait in the second language: minutes (however many), or "soon". */
function etaAlt(minutes, ahead) {
  if (!ahead) return word(state.language, "soon");
  return word(state.language, "minutes", String(Math.max(1, Math.ceil(minutes))));
}

/** "请到3号窗口办理" with the window's number large, and its second-language words. */
function renderCall(windowId) {
  const node = fill($("call"), `请到${windowId}号窗口办理`, word(state.language, "goTo", windowId), state.language);
  const chinese = node.querySelector(".bi-zh") ?? node;
  chinese.replaceChildren("请到", el("strong", "", windowId), "号窗口办理");
}

function renderLiveness() {
  const updated = $("updated");
  if (state.online) fill(updated, state.updatedAt ? `实时更新 · ${time(state.updatedAt)}` : "", "", null);
  else fillWord(updated, "网络中断，以下可能不是最新情况，正在重连…", "offline", state.language);
  updated.classList.toggle("is-offline", !state.online);
  // Offline, the queue figures are the last ones heard: they must not pass for live ones.
  $("ticket-view").classList.toggle("is-stale", !state.online);
}

function render() {
  const view = state.view;
  if (!view) return;
  $("loading").hidden = true;
  const { ticket } = view;
  $("ticket-view").hidden = false;
  $("unknown-view").hidden = true;
  $("number").textContent = ticket.number;
  const service = state.services.get(ticket.service);
  fill($("service"), service?.name ?? ticket.service, service?.name_alt, state.language);
  const called = ticket.state === "called";
  $("call").hidden = !called;
  renderCall(ticket.window ?? "");
  const [words, key, tone] = describe(ticket);
  $("status").className = `phone-status ${tone}`.trim();
  fill($("status"), words, describeAlt(ticket, key), state.language);
  const waiting = ticket.state === "waiting";
  $("queue-facts").hidden = !waiting;
  $("ahead").textContent = String(view.ahead);
  fill($("eta"), etaText(view.eta_minutes, view.ahead), etaAlt(view.eta_minutes, view.ahead), state.language);
  const showRule = waiting || called || ticket.state === "no_show";
  $("rule").textContent = showRule ? (MISSED_RULES[state.hall?.missed_policy] ?? "") : "";
  $("rule").hidden = !showRule;
  $("issued").textContent = ticket.issued_at ? issuedText(ticket.issued_at) : "";
  renderLiveness();
  document.title = called ? `请到${ticket.window}号窗口 · ${ticket.number}` : `${ticket.number} · 排队进度`;
}

function showUnknown() {
  $("loading").hidden = true;
  $("ticket-view").hidden = true;
  $("unknown-view").hidden = false;
  document.title = "没有找到这张号";
}

function showProblem(text) {
  const problem = $("problem");
  problem.textContent = text ?? "";
  problem.hidden = !text;
}

async function fetchTicket() {
  if (fetching) {
    readAgain = true; // the read out may have been answered before what asked for this one
    return;
  }
  fetching = true;
  lastFetch = Date.now();
  try {
    state.view = await api("GET", `/api/v1/tickets/${encodeURIComponent(ticketId)}`, {
      timeoutMs: READ_TIMEOUT_MS,
    });
    state.updatedAt = new Date().toISOString();
    showProblem(null);
    render();
    if (FINAL.has(state.view.ticket.state)) stream?.stop();
    // Served: the rating may be open now (only the server knows; it also knows about 追评).
    if (ratingKey && state.view.ticket.state === "done") loadRating();
  } catch (error) {
    if (error.status === 404) {
      stream?.stop();
      showUnknown();
    } else {
      showProblem(`${error.message}（稍后自动重试）`);
      refetchSoon(RETRY_MS);
    }
  } finally {
    fetching = false;
    if (readAgain && !stream?.stopped) refetchSoon();
    readAgain = false;
  }
}

/** Asks again soon, at most once per REFETCH_MS however many changes come in. */
function refetchSoon(delay = null) {
  if (fetchTimer) return;
  const wait = delay ?? Math.max(0, lastFetch + REFETCH_MS - Date.now());
  fetchTimer = setTimeout(() => {
    fetchTimer = null;
    fetchTicket();
  }, wait);
}

function onMessage(message) {
  heard();
  if (message.type === "snapshot") {
    refetchSoon(0);
    return;
  }
  // A call on a board carries the ticket the window finished just before, under `finished`.
  const mine = [message.ticket, message.finished].find((t) => t?.id === ticketId);
  if (mine && state.view) {
    // Our own ticket moved: show it at once, then ask for the queue position.
    state.view = { ...state.view, ticket: mine };
    render();
    clearTimeout(fetchTimer);
    fetchTimer = null;
    fetchTicket();
    return;
  }
  if (message.waiting && state.view?.ticket.state === "waiting") refetchSoon();
  // A clearing (lunch, day's end) closes out waiting and held tickets without naming them.
  if (message.type === "queue.cleared" && state.view && !FINAL.has(state.view.ticket.state)) refetchSoon();
}

function showLink() {
  state.online = link.open && !link.silent;
  render();
}

/** A message came: the connection is alive. */
function heard() {
  link.heardAt = Date.now();
  link.checkedAt = null;
  if (!link.silent) return;
  link.silent = false;
  showLink();
}

/**
 * Run every CHECK_MS: after SILENCE_MS without a message, asks a fresh connection for a
 * snapshot; when the one asked CHECK_MS ago did not come either, the page is not live.
 */
function checkLink() {
  if (!stream || stream.stopped || document.visibilityState !== "visible") return;
  if (Date.now() - link.heardAt < SILENCE_MS) return;
  if (link.checkedAt !== null && !link.silent) {
    link.silent = true;
    showLink();
  }
  link.checkedAt = Date.now();
  stream.resync(); // a fresh connection with no after_seq: the server answers with a snapshot
}

function onStatus(status) {
  link.open = status === "online";
  showLink();
}

/** The phone says it lost the network: what is shown may be out of date from now on. */
function onNetworkLost() {
  link.open = false;
  showLink();
}

/** The network is back: catch up at once rather than wait for the stream's next retry. */
function onNetworkBack() {
  if (stream && !stream.stopped) {
    stream.reconnect(); // "online" again once the stream is
    refetchSoon(0);
    return;
  }
  link.open = true;
  link.silent = false;
  showLink();
}

/** The hall's name and the page's fixed words in Chinese and the hall's second language. */
function showFixedWords(hall) {
  const language = state.language;
  document.body.classList.toggle("is-bilingual", Boolean(language));
  fill($("hall-name"), hall.name, hall.name_alt, language);
  fillWord($("sub"), "排队进度", "queueStatus", language);
  fillWord($("ahead-label"), "前面还有", "ahead", language);
  fillWord($("eta-label"), "预计等候", "eta", language);
  fillWord($("unknown-title"), "没有找到这张号", "notFound", language);
}

/** The hall's name and services; asked again until the server answers. */
async function loadHall() {
  try {
    const info = await api("GET", "/api/v1/hall");
    state.hall = info.hall;
    state.services = new Map(info.services.map((s) => [s.id, s]));
    state.language = secondLanguage(info.hall.second_language);
    showFixedWords(info.hall);
    return true;
  } catch (error) {
    showProblem(`${error.message}（稍后自动重试）`);
    return false;
  }
}

/** Follows the ticket: the stream runs from the start, so a first read that is lost (and
 * asked again later) still leaves a live page; a final or unknown ticket stops it. */
function follow() {
  stream = new Stream({ topics: ["board"], onMessage, onStatus });
  stream.start();
  // A phone that slept may hold a dead connection: come back fresh when shown again.
  document.addEventListener("visibilitychange", () => {
    if (document.visibilityState !== "visible" || stream.stopped) return;
    stream.reconnect();
    refetchSoon(0);
  });
  window.addEventListener("offline", onNetworkLost);
  window.addEventListener("online", onNetworkBack);
  link.heardAt = Date.now();
  setInterval(checkLink, CHECK_MS);
  fetchTicket();
}

async function boot() {
  if (await loadHall()) follow();
  else setTimeout(boot, RETRY_MS);
}

bindRating(ticketId, ratingKey, (id) => state.services.get(id)?.name ?? id);
if (ticketId) boot();
else showUnknown();
