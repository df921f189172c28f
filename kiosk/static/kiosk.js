// The kiosk touchscreen: services grouped by field and floor, in pages that each fit the
// screen (home-pages.js), confirm, print, take the ticket.
// Talks only to the kiosk agent on 127.0.0.1 (app.py): state and scans over /local/ws, tickets
// through POST /local/issue and /local/checkin. Every touch that may make a ticket carries a
// touch_id, so a double tap or a resend never makes a second ticket.
//
// 关怀模式 (elderly mode): larger text and targets (kiosk.css), voice guidance from the voice
// pack, and no time-outs. The hall's second language, when it has one, is one touch away.

import { VoiceQueue, phraseUrl } from "/shared/voice.js";
import { secondLanguage, fill, pair } from "/shared/bilingual.js";
import { el } from "/shared/words.js";
import { homeItems, paginate } from "/static/home-pages.js";

const HOME_AFTER_MS = {
  done: 15000,
  confirm: 30000,
  appointment: 45000,
  "appointment-found": 45000,
  error: 10000,
};
// A screen's buttons wait this long before they take a touch: the second tap of a double tap
// on a tile (or on 完成) must not land on the 确认取号 that has just appeared under the finger.
const SETTLE_MS = 600;
const GUIDE = {
  home: "请选择要办理的业务",
  confirm: "请确认",
  done: "请取走您的号票",
  // No ticket to take: the printer failed on it (the number is on screen; staff can help).
  unprinted: "取号成功，请联系工作人员",
  paused: "暂停取号",
  // No ticket came (refused, voided, the agent away): staff can help, whatever the screen says.
  error: "请联系工作人员",
  appointment: "请扫描预约码",
  card: "请将身份证放在感应区",
};

const $ = (id) => document.getElementById(id);
const view = {
  state: null,
  elderly: false,
  alternate: false, // showing the hall's second language
  screen: null, // {kind, ...} while an overlay is up
  pages: [[]], // the home screen's tiles, page by page (home-pages.js)
  page: 0, // the page shown
  heldScan: null, // a scan that came while a ticket was in hand; shown when that screen goes
  card: null,
  cardMisread: false, // the last card placed could not be read
  timer: null,
  // The hall's time as the agent last sent it (the server's: this screen's own clock may be
  // months off) and when, by the monotonic performance.now(); null until the server answered.
  hallTime: null,
};
const voice = new VoiceQueue();
window.__hallqKiosk = view; // for the browser tests and for whoever debugs a kiosk

function language() {
  return view.alternate ? secondLanguage(view.state?.hall?.second_language) : null;
}

function guide(key) {
  if (view.elderly && GUIDE[key]) voice.say(phraseUrl(GUIDE[key]));
}

function touchId() {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

// -- drawing ------------------------------------------------------------------------------

function waitingFacts(service) {
  const minutes = Math.round(service.eta_minutes ?? 0);
  return `等候 ${service.waiting} 人 · 预计 ${minutes ? `约 ${minutes} 分钟` : "无需等候"}`;
}

function drawHome() {
  const state = view.state;
  const lang = language();
  fill($("hall-name"), state?.hall?.name ?? "正在连接…", state?.hall?.name_alt, lang);
  const second = secondLanguage(state?.hall?.second_language);
  $("language-button").hidden = !second;
  if (second) $("language-button").textContent = view.alternate ? "中文" : second.tag.split("-")[0].toUpperCase();
  const items = homeItems(state);
  const fits = (page) => {
    drawTiles(page, lang);
    return $("groups").scrollHeight <= $("groups").clientHeight;
  };
  // The page buttons take room from the tiles: only a hall that needs them has them.
  $("pager").hidden = true;
  if (!fits(items)) $("pager").hidden = false;
  view.pages = $("pager").hidden ? [items] : paginate(items, fits);
  showPage(Math.min(view.page, view.pages.length - 1));
  drawPaused();
}

function drawTiles(items, lang) {
  const sections = [];
  let tiles = null;
  items.forEach((item, index) => {
    if (index === 0 || items[index - 1].group !== item.group) {
      const { title, titleAlt } = item.group;
      const section = el("section", "group");
      // A field and floor too large for one page goes on: the citizen must see it is the same.
      section.append(pair("h2", "", item.first ? title : `${title}（续）`, titleAlt, lang));
      tiles = el("div", "tiles");
      section.append(tiles);
      sections.push(section);
    }
    tiles.append(tile(item.service, lang));
  });
  $("groups").replaceChildren(...sections);
}

function showPage(index) {
  view.page = index;
  drawTiles(view.pages[index], language());
  const count = view.pages.length;
  $("page-count").textContent = `第${index + 1}/${count}页`;
  // Not greyed out but gone, keeping its place: nothing on screen that does nothing.
  $("page-back").classList.toggle("is-end", index === 0);
  $("page-next").classList.toggle("is-end", index === count - 1);
}

function turnPage(step) {
  const index = view.page + step;
  if (index < 0 || index >= view.pages.length) return;
  showPage(index);
  // A double tap turns one page: the second tap of it lands on the same button.
  for (const button of [$("page-back"), $("page-next")]) {
    button.disabled = true;
    setTimeout(() => (button.disabled = false), SETTLE_MS);
  }
}

function tile(service, lang) {
  const button = el("button", "tile");
  button.type = "button";
  button.dataset.service = service.id;
  button.append(pair("span", "name", service.name, service.name_alt, lang));
  button.append(el("span", "facts", waitingFacts(service)));
  if (!service.available) {
    button.disabled = true;
    button.append(el("span", "why", service.reason_text));
  }
  button.addEventListener("click", () => openConfirm(service.id));
  return button;
}

function drawPaused() {
  const paused = view.state?.paused;
  $("paused").hidden = !paused;
  if (!paused) return;
  $("paused-text").textContent = paused.text;
  $("paused-hint").textContent = paused.hint;
  $("paused").dataset.reason = paused.reason;
}

function drawCard() {
  const banner = $("card-banner");
  const card = view.card;
  banner.classList.toggle("is-misread", view.cardMisread);
  banner.hidden = !card && !view.cardMisread;
  if (view.cardMisread) {
    banner.textContent = "未能读取身份证，请将身份证重新放在感应区，或请工作人员协助";
    return;
  }
  if (!card) return;
  banner.textContent = card.green
    ? `${card.name} 您好：您可以取绿色通道号，请选择业务`
    : `${card.name} 您好：已读取身份证，请选择业务`;
}

function show(kind, build, extra = {}) {
  clearTimeout(view.timer);
  view.screen = { kind, ...extra };
  const panel = $("panel");
  panel.replaceChildren(...build());
  panel.dataset.kind = kind;
  $("screen").dataset.kind = kind;
  $("screen").hidden = false;
  noteHeldScan();
  // An unprinted number stays until 完成: the citizen is copying it down.
  const after = kind === "done" && extra.printed === false ? null : HOME_AFTER_MS[kind];
  if (after && !view.elderly) view.timer = setTimeout(home, after);
}

function home() {
  clearTimeout(view.timer);
  view.screen = null;
  $("screen").hidden = true;
  $("panel").replaceChildren();
  const held = view.heldScan;
  view.heldScan = null;
  if (held) showScan(held);
}

function actionButton(text, className, onClick) {
  const button = el("button", `action ${className} settling`, text);
  button.type = "button";
  button.disabled = true;
  setTimeout(() => {
    button.classList.remove("settling");
    button.disabled = false;
  }, SETTLE_MS);
  button.addEventListener("click", () => {
    button.disabled = true; // a second tap of the same button does nothing
    onClick();
  });
  return button;
}

// -- taking a ticket ----------------------------------------------------------------------

function openConfirm(serviceId) {
  const service = view.state?.services?.find((s) => s.id === serviceId);
  if (!service || !service.available) return;
  const touch = touchId();
  const lang = language();
  guide("confirm");
  const green = () => actionButton("绿色通道取号", "green", () => take(service, "green", touch));
  show("confirm", () => {
    const buttons = [actionButton("确认取号", "primary", () => take(service, "normal", touch))];
    if (view.card?.green) buttons.push(green());
    buttons.push(actionButton("返回", "", home));
    const actions = el("div", "actions");
    actions.append(...buttons);
    return [
      el("h1", "", "请确认您要办理的业务"),
      pair("div", "service", service.name, service.name_alt, lang),
      el("div", "facts", waitingFacts(service)),
      actions,
    ];
  }, { service: serviceId, green });
}

// The confirm screen follows the card reader: a card placed while it is open offers the green
// channel at once (as the banner does), and a card that no longer counts takes it away.
function followCard() {
  if (view.screen?.kind !== "confirm") return;
  const actions = $("panel").querySelector(".actions");
  const offered = actions.querySelector(".green");
  if (view.card?.green && !offered) actions.insertBefore(view.screen.green(), actions.lastChild);
  if (!view.card?.green && offered) offered.remove();
}

async function post(path, body) {
  const response = await fetch(path, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify(body),
  });
  let data = {};
  try {
    data = await response.json();
  } catch {
    data = { error: { code: "bad_answer", message: "出票机内部错误，请联系工作人员" } };
  }
  return { ok: response.ok, status: response.status, data };
}

async function take(service, priority, touch) {
  show("printing", () => [el("div", "spinner"), el("h1", "", "正在出票，请稍候…")]);
  const body = { service: service.id, touch_id: touch };
  if (priority !== "normal") body.priority = priority;
  let answer;
  try {
    answer = await post("/local/issue", body);
  } catch {
    answer = { ok: false, data: { error: { code: "agent_unavailable", message: "出票机未就绪，请稍候再试" } } };
  }
  if (answer.ok) showTicket(answer.data, service);
  else showError(answer.data.error);
}

function ticketFacts(answer) {
  const minutes = Math.round(answer.eta_minutes ?? 0);
  return `前面还有 ${answer.ahead} 人 · ${minutes ? `预计等候约 ${minutes} 分钟` : "即将叫号"}`;
}

function showTicket(answer, service) {
  const ticket = answer.ticket;
  const name = service?.name ?? "";
  guide(answer.printed ? "done" : "unprinted");
  showPage(0); // the next citizen starts from the first page
  show("done", () => {
    const parts = [
      el("div", "take", answer.printed ? "请取走您的号票" : "请记下您的号码"),
      el("div", "number", ticket.number),
      el("div", "service", name),
      el("div", "facts", ticketFacts(answer)),
    ];
    if (ticket.priority === "green") parts.push(el("div", "facts", "绿色通道"));
    if (ticket.priority === "appointment") parts.push(el("div", "facts", "预约号：预约时段内优先办理"));
    if (!answer.printed) {
      parts.push(el("div", "note", "号票未能打印，打印机恢复后将自动补打。请留意叫号。"));
    }
    parts.push(actionButton("完成", "primary", home));
    return parts;
  }, { number: ticket.number, printed: answer.printed });
}

function showError(error) {
  const message = error?.message ?? "取号失败，请联系工作人员";
  guide("error");
  show("error", () => [
    el("h1", "", "未能取号"),
    el("div", "note", message),
    actionButton("返回", "primary", home),
  ], { code: error?.code });
}

// -- appointments -------------------------------------------------------------------------

// Booking codes are letters and digits ("YY0001"), up to 64 of them: the keypad types both,
// one page at a time, switched by its 字母 / 数字 key.
const CODE_MAX_LENGTH = 64;
const KEYPAD = {
  digits: ["1", "2", "3", "4", "5", "6", "7", "8", "9", "字母", "0", "删除", "查询"],
  letters: [..."ABCDEFGHIJKLMNOPQRSTUVWXYZ", "数字", "删除", "查询"],
};

function openAppointment(typed = "", keys = "digits") {
  // Spoken once on opening, not again at every key; and never an invitation to scan that the
  // kiosk cannot take (the default voice pack has no words for typing the code).
  const opening = view.screen?.kind !== "appointment";
  if (opening && view.state?.devices?.scanner) guide("appointment");
  show("appointment", () => {
    const shown = el("div", "typed", typed || "　");
    const keypad = el("div", `keypad is-${keys}`);
    for (const key of KEYPAD[keys]) {
      const button = el("button", key === "查询" ? "look-up" : "", key);
      button.type = "button";
      button.addEventListener("click", () => {
        if (key === "删除") openAppointment(typed.slice(0, -1), keys);
        else if (key === "查询") lookUp(typed);
        else if (key === "字母") openAppointment(typed, "letters");
        else if (key === "数字") openAppointment(typed, "digits");
        else if (typed.length < CODE_MAX_LENGTH) openAppointment(typed + key, keys);
      });
      keypad.append(button);
    }
    const actions = el("div", "actions");
    actions.append(actionButton("返回", "", home));
    return [el("h1", "", appointmentPrompt()), shown, keypad, actions];
  }, { typed });
}

async function lookUp(code) {
  if (code.length < 4) return;
  try {
    const response = await fetch(`/local/appointments/${encodeURIComponent(code)}`);
    const data = await response.json();
    if (response.ok) showAppointment(code, data.appointment);
    else showError(data.error);
  } catch {
    showError({ message: "出票机未就绪，请稍候再试" });
  }
}

function slotText(appointment) {
  const start = appointment.slot_start.slice(11, 16);
  const end = appointment.slot_end.slice(11, 16);
  return `${appointment.slot_start.slice(5, 10).replace("-", "月")}日 ${start}–${end}`;
}

function showAppointment(code, appointment) {
  const service = view.state?.services?.find((s) => s.id === appointment.service);
  const touch = touchId();
  guide("confirm");
  show("appointment-found", () => {
    const actions = el("div", "actions");
    if (!appointment.checked_in) {
      actions.append(actionButton("确认签到取号", "primary", () => checkIn(code, touch, service)));
    }
    actions.append(actionButton("返回", "", home));
    return [
      el("h1", "", appointment.checked_in ? "此预约已取过号" : "找到您的预约"),
      el("div", "service", service?.name ?? appointment.service),
      el("div", "facts", `预约时段 ${slotText(appointment)}`),
      ...(appointment.ticket ? [el("div", "number", appointment.ticket.number)] : []),
      actions,
    ];
  }, { code });
}

async function checkIn(code, touch, service) {
  show("printing", () => [el("div", "spinner"), el("h1", "", "正在出票，请稍候…")]);
  let answer;
  try {
    answer = await post("/local/checkin", { code, touch_id: touch });
  } catch {
    answer = { ok: false, data: { error: { message: "出票机未就绪，请稍候再试" } } };
  }
  if (answer.ok) showTicket(answer.data, service);
  else showError(answer.data.error);
}

// -- scans ------------------------------------------------------------------------------

// A scan must never take away a ticket in hand: the 正在出票 screen (the ticket screen that
// follows would take the scan away in turn) or a number not printed, being copied down.
function ticketInHand() {
  const screen = view.screen;
  return screen?.kind === "printing" || (screen?.kind === "done" && screen.printed === false);
}

function onScan(message) {
  if (!ticketInHand() && !view.heldScan) {
    showScan(message);
    return;
  }
  view.heldScan = message; // the latest scan wins; home() shows it
  noteHeldScan();
}

// What the citizen must do to see the scan that is waiting, said on the screen it waits behind.
const HELD_SCAN_NOTE = {
  printing: "已收到预约码，出票后为您显示",
  done: "已收到预约码，点击“完成”后为您显示",
  error: "已收到预约码，点击“返回”后为您显示",
};

function noteHeldScan() {
  const text = view.heldScan && HELD_SCAN_NOTE[view.screen?.kind];
  if (!text) return;
  const panel = $("panel");
  const note = panel.querySelector(".held-scan") ?? el("div", "note held-scan");
  note.textContent = text;
  if (!note.isConnected) panel.insertBefore(note, panel.querySelector(":scope > .action"));
}

function showScan(message) {
  if (message.appointment) showAppointment(message.code, message.appointment);
  else showError(message.error);
}

// Without a working scanner the page must not ask for a scan: typing the code still works.
function appointmentPrompt() {
  return view.state?.devices?.scanner ? "请将预约码对准扫描口，或输入预约码" : "扫码器暂不可用，请输入预约码";
}

// -- the agent's messages -----------------------------------------------------------------

function onMessage(message) {
  if (message.type === "state") {
    const wasPaused = Boolean(view.state?.paused);
    view.state = message;
    takeHallTime(message.clock?.now);
    drawHome();
    if (view.screen?.kind === "appointment") $("panel").querySelector("h1").textContent = appointmentPrompt();
    if (!wasPaused && message.paused) guide("paused");
  } else if (message.type === "appointment") {
    onScan(message);
  } else if (message.type === "card") {
    view.card = message.card;
    view.cardMisread = Boolean(message.misread);
    drawCard();
    followCard();
    if (view.cardMisread) guide("card");
  }
}

function connect(delay = 500) {
  const ws = new WebSocket(`ws://${location.host}/local/ws`);
  ws.addEventListener("message", (event) => onMessage(JSON.parse(event.data)));
  ws.addEventListener("open", () => (delay = 500));
  ws.addEventListener("close", () => {
    // The agent restarting: say so rather than show stale counts.
    view.state = { ...(view.state ?? {}), paused: { reason: "agent", text: "出票机正在启动", hint: "请稍候" } };
    drawPaused();
    setTimeout(() => connect(Math.min(delay * 2, 5000)), delay);
  });
}

// "2026-11-23T09:00:00.000+08:00": the instant, and the hall's offset from UTC.
function takeHallTime(text) {
  const offset = /([+-])(\d\d):(\d\d)$/.exec(text ?? "");
  const sign = offset?.[1] === "-" ? -1 : 1;
  view.hallTime = text
    ? {
        ms: Date.parse(text),
        offsetMs: offset ? sign * (Number(offset[2]) * 60 + Number(offset[3])) * 60000 : 0,
        at: performance.now(),
      }
    : null;
  tick();
}

// The hall's date and time, in the hall's zone whatever this screen's is; nothing rather than
// a wrong date while the kiosk has not reached the server.
function tick() {
  const time = view.hallTime;
  if (!time) {
    $("clock").textContent = "";
    return;
  }
  const hall = new Date(time.ms + (performance.now() - time.at) + time.offsetMs);
  const pad = (n) => String(n).padStart(2, "0");
  $("clock").textContent = `${hall.getUTCMonth() + 1}月${hall.getUTCDate()}日 ${pad(hall.getUTCHours())}:${pad(hall.getUTCMinutes())}`;
}

$("elderly-button").addEventListener("click", () => {
  view.elderly = !view.elderly;
  document.body.classList.toggle("elderly", view.elderly);
  view.page = 0; // larger tiles, other pages
  drawHome();
  $("elderly-button").setAttribute("aria-pressed", String(view.elderly));
  if (view.elderly) {
    clearTimeout(view.timer); // no time-outs in elderly mode
    guide("home");
  }
});
$("language-button").addEventListener("click", () => {
  view.alternate = !view.alternate;
  document.documentElement.lang = view.alternate ? view.state?.hall?.second_language ?? "zh-CN" : "zh-CN";
  view.page = 0;
  drawHome();
});
$("page-back").addEventListener("click", () => turnPage(-1));
$("page-next").addEventListener("click", () => turnPage(1));
window.addEventListener("resize", drawHome); // a panel rotated: other pages
$("appointment-button").addEventListener("click", () => openAppointment());
tick();
setInterval(tick, 10000);
connect();
