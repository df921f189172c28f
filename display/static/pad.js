// The touch rating pad: the clerk's card while idle; when the station agent says a rating is
// open, the five levels; a 差评 needs at least one national reason tag; then thanks. Everything
// goes through the station agent's local API on 127.0.0.1 (state, levels, rate, voice).

import { VoiceQueue, phraseUrl } from "/shared/voice.js";

const ASK = "请您对我的服务进行评价";
const THANKS = "谢谢您的评价";
const THANKS_MS = 4000;
const RECONNECT_MS = 1000;
// A refusal the agent has no citizen's words for comes with the server's own message, in
// the operators' English at times (a pad set up with another window's token): never shown.
const HAS_CHINESE = /[\u4e00-\u9fff]/;
const CANNOT_RATE = "暂时无法评价，请联系工作人员";

const $ = (id) => document.getElementById(id);
const voice = new VoiceQueue();
const view = {
  state: null,
  levels: [],
  screen: "idle",
  ticket: null, // the rating shown (so a new one is announced once)
  level: null, // the level chosen, on the detail screen
  tags: new Set(),
  thanksTimer: null,
  countdownTimer: null,
  deadline: 0, // on the monotonic clock (performance.now), as the agent counts the seconds left
  sending: false,
};

function show(screen) {
  view.screen = screen;
  for (const id of ["idle", "levels", "detail", "thanks"]) $(id).hidden = id !== screen;
}

function say(text) {
  if (view.state?.voice) voice.say(phraseUrl(text));
}

// -- the clerk's card --------------------------------------------------------------------

function drawCard(state) {
  const clerk = state.clerk;
  $("clerk-name").textContent = clerk?.name || "—";
  $("clerk-no").textContent = clerk?.staff_no ? `工号 ${clerk.staff_no}` : "";
  $("window-label").textContent = state.window.label;
  const photo = clerk ? clerk.photo : "/static/pad-silhouette.svg";
  if ($("photo").getAttribute("src") !== photo) $("photo").setAttribute("src", photo);
  $("offline").hidden = state.online;
}

// -- levels and tags ---------------------------------------------------------------------

function drawLevels() {
  const list = $("level-list");
  list.replaceChildren(
    ...view.levels.map((level) => {
      const button = document.createElement("button");
      button.type = "button";
      button.className = "level";
      button.dataset.level = String(level.level);
      button.textContent = level.name;
      button.addEventListener("click", () => choose(level));
      return button;
    }),
  );
}

function choose(level) {
  view.level = level;
  view.tags = new Set();
  $("chosen").textContent = `您的评价：${level.name}`;
  $("tag-prompt").textContent = level.bad ? "请选择不满意的原因（至少一项）" : "您还可以选择满意之处（可不选）";
  $("tag-list").replaceChildren(
    ...level.tags.map((tag) => {
      const button = document.createElement("button");
      button.type = "button";
      button.className = "tag";
      button.dataset.tag = tag.code;
      button.setAttribute("aria-pressed", "false");
      button.textContent = tag.text;
      button.addEventListener("click", () => toggleTag(button, tag.code));
      return button;
    }),
  );
  $("comment").value = "";
  showComment(false);
  hideError();
  drawSubmit();
  show("detail");
}

/** The comment takes the reasons' place while it is written: the eight reasons, each large
 * enough for elderly eyes and fingers, fill the screen, and none may hide below the fold. */
function showComment(open) {
  $("comment-box").hidden = !open;
  $("tag-list").hidden = open;
  $("tag-prompt").hidden = open;
  const written = $("comment").value.trim() !== "";
  $("write").textContent = open ? "返回原因" : written ? "修改意见" : "其他意见";
  if (open) $("comment").focus();
}

// A 差评 pressed on the key pad: the reason is chosen here (a key cannot say why).
function chooseReason(levelNumber) {
  const level = view.levels.find((l) => l.level === levelNumber);
  if (level && view.state?.rating) choose(level);
}

function toggleTag(button, code) {
  if (view.tags.has(code)) view.tags.delete(code);
  else view.tags.add(code);
  button.setAttribute("aria-pressed", String(view.tags.has(code)));
  drawSubmit();
}

function drawSubmit() {
  const submit = $("submit");
  const missingReason = view.level?.bad && view.tags.size === 0;
  submit.disabled = Boolean(missingReason) || view.sending;
  submit.textContent = missingReason ? "请先选择原因" : view.sending ? "正在提交…" : "提交评价";
}

function showError(message) {
  $("error").textContent = message;
  $("error").hidden = false;
}

function hideError() {
  $("error").hidden = true;
  $("error").textContent = "";
}

async function submit() {
  if (!view.level || view.sending) return;
  view.sending = true;
  drawSubmit();
  // The ticket asked about: a rating opened for the next citizen meanwhile is not this one's.
  const body = { level: view.level.level, tags: [...view.tags], ticket: view.ticket };
  const comment = $("comment").value.trim();
  if (comment) body.comment = comment;
  let over = false; // the answer says this rating can no longer be given
  try {
    const response = await fetch("/local/rate", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify(body),
    });
    const answer = await response.json().catch(() => ({}));
    if (response.ok) {
      thank();
    } else {
      const said = answer?.error?.message;
      over = answer?.error?.code === "already_rated" || answer?.error?.code === "rating_closed";
      showError(HAS_CHINESE.test(said ?? "") ? said : CANNOT_RATE);
    }
  } catch {
    showError("网络中断，请稍后再试");
  } finally {
    view.sending = false;
    drawSubmit();
  }
  // The pad stayed here while the rating was sent (apply): once it is over, the citizen
  // reads why, then the pad goes back to idle.
  if (view.screen === "detail" && (over || !view.state?.rating)) setTimeout(idleUnlessOpen, THANKS_MS);
}

function thank() {
  clearTimeout(view.thanksTimer);
  show("thanks");
  say(THANKS);
  view.thanksTimer = setTimeout(() => {
    view.thanksTimer = null;
    idleUnlessOpen();
  }, THANKS_MS);
}

/** Back to idle, unless the pad has moved on meanwhile: a new thanks, or a new rating asked. */
function idleUnlessOpen() {
  if (view.screen === "levels" || (view.screen === "thanks" && view.thanksTimer)) return;
  show("idle");
  view.level = null;
}

// -- the countdown -----------------------------------------------------------------------

// The agent counts the seconds left by the server's time; the pad counts them down on the
// monotonic clock, so that its own clock being set (by NTP, after a boot months off) never
// makes the countdown jump.
function tick() {
  const left = Math.max(0, Math.round((view.deadline - performance.now()) / 1000));
  const words = left ? `${left} 秒后自动返回` : "";
  $("countdown").textContent = words;
  $("detail-countdown").textContent = words;
}

// -- state from the agent ----------------------------------------------------------------

function apply(state) {
  view.state = state;
  drawCard(state);
  const rating = state.rating;
  if (rating) {
    view.deadline = performance.now() + rating.seconds_left * 1000;
    if (rating.ticket !== view.ticket) {
      view.ticket = rating.ticket;
      $("rating-about").textContent = [rating.number, rating.service_name].filter(Boolean).join(" · ");
      clearTimeout(view.thanksTimer);
      view.thanksTimer = null;
      show("levels");
      say(ASK);
    }
  } else {
    view.deadline = 0;
    // Closed: timed out, or rated (here, on the key pad or elsewhere). Thanks stays up, and
    // so does a rating being sent: the agent hears it recorded before it answers the pad,
    // and the answer (thanks, or why not) is what the citizen must see, not 欢迎您.
    if (view.screen === "levels" || (view.screen === "detail" && !view.sending)) show("idle");
    view.ticket = null;
  }
  tick();
}

function connect() {
  const ws = new WebSocket(`ws://${location.host}/local/ws`);
  ws.addEventListener("message", (event) => {
    const message = JSON.parse(event.data);
    if (message.type === "state") apply(message);
    else if (message.type === "thanks") thank();
    else if (message.type === "reason") chooseReason(message.level);
  });
  ws.addEventListener("close", () => {
    $("offline").hidden = false;
    setTimeout(connect, RECONNECT_MS);
  });
}

async function start() {
  $("submit").addEventListener("click", submit);
  $("back").addEventListener("click", () => show(view.ticket ? "levels" : "idle"));
  $("write").addEventListener("click", () => showComment($("comment-box").hidden));
  $("photo").addEventListener("error", () => $("photo").setAttribute("src", "/static/pad-silhouette.svg"));
  const response = await fetch("/local/levels");
  view.levels = (await response.json()).levels;
  drawLevels();
  view.countdownTimer = setInterval(tick, 1000);
  connect();
}

start();
