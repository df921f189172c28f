// The phone page's 好差评 form (channel 3, the QR on the ticket): five official levels, the
// national tags of the chosen level (a 差评 needs one), a comment, and 追评 once a 差评 was put
// right. Anonymous: the key from the QR is the only proof. It invites, it never presses.

import { api } from "./api.js";
import { el } from "./words.js";

const $ = (id) => document.getElementById(id);
const HAS_CHINESE = /[\u4e00-\u9fff]/;

// Refusals in words a citizen understands (the server's codes, API.md and the spec).
const REFUSALS = {
  already_rated: "这次服务已经评价过了，谢谢您。",
  rating_closed: "这次服务已经评价过了，或已过评价期限，不能再评价。",
  reason_required: "请至少选择一个不满意的原因。",
  not_served: "业务办理完成后才能评价。",
  unknown_ticket: "没有找到这张号，无法评价。",
};
const FINAL_REFUSALS = new Set(["already_rated", "rating_closed", "unknown_ticket"]);
const KEY_REFUSED = "二维码信息不完整，无法在手机上评价。如需评价，请重新扫描号票上的二维码。";

const form = {
  ticketId: "",
  key: "",
  serviceName: (id) => id,
  info: null, // the server's form being shown
  level: null,
  sending: false,
  done: false, // rated, nothing more to offer
  unsure: false, // a rating went out and no answer came back
};

function url() {
  return `/api/v1/tickets/${encodeURIComponent(form.ticketId)}/rating`;
}

/** 不满意 and 非常不满意 are a 差评, which must carry a reason. */
const isBad = (level) => level <= 2;

/** The five official levels, best first, as the server's form gives them. */
function levelsOf(info) {
  return [...info.levels].sort((a, b) => b.level - a.level);
}

/** The national tags of `level` as [[code, text]], as the server's form gives them. */
function tagsOf(info, level) {
  return Object.entries(info.tags[String(level)] ?? {});
}

function chosenTags() {
  return [...document.querySelectorAll("#rating-tags input:checked")].map((input) => input.value);
}

/** Enables submit only when the rating is complete, and says what is missing. */
function check() {
  let why = "";
  if (form.level === null) why = "请选择您的满意程度";
  else if (isBad(form.level) && chosenTags().length === 0) why = "请至少选择一个不满意的原因";
  $("rating-why").textContent = why;
  $("rating-why").hidden = !why;
  $("rating-submit").disabled = Boolean(why) || form.sending;
}

function renderTags() {
  const box = $("rating-tags");
  box.replaceChildren();
  const level = form.level;
  $("rating-tags-box").hidden = level === null;
  if (level === null) return;
  $("rating-tags-legend").textContent = isBad(level) ? "不满意的原因（必选，可多选）" : "满意的方面（可选，可多选）";
  for (const [code, text] of tagsOf(form.info, level)) {
    const label = el("label", "rating-tag");
    const input = el("input");
    input.type = "checkbox";
    input.value = code;
    label.append(input, document.createTextNode(text));
    box.append(label);
  }
}

function renderLevels() {
  const box = $("rating-levels");
  box.replaceChildren();
  for (const { level, name } of levelsOf(form.info)) {
    const label = el("label", `rating-level${isBad(level) ? " is-bad" : ""}`);
    const input = el("input");
    input.type = "radio";
    input.name = "level";
    input.value = String(level);
    label.append(input, document.createTextNode(name));
    box.append(label);
  }
}

function whoServed(info) {
  const parts = [];
  const number = info.number ?? info.ticket?.number;
  const service = info.service_name ?? info.ticket?.service_name ?? (info.service ? form.serviceName(info.service) : null);
  if (number) parts.push(number);
  if (service) parts.push(service);
  if (info.window) parts.push(`${info.window}号窗口`);
  if (info.clerk?.name) parts.push(`${info.clerk.name}${info.clerk.staff_no ? `（工号 ${info.clerk.staff_no}）` : ""}`);
  return parts.join(" · ");
}

function showProblem(text) {
  $("rating-problem").textContent = text ?? "";
  $("rating-problem").hidden = !text;
}

function showClosed(text) {
  $("rating-form").hidden = true;
  $("rating-title").textContent = "服务评价";
  $("rating-note").textContent = text;
  $("rating-note").hidden = false;
  $("rating-view").hidden = false;
}

/** Which service a form rates: a route rates several, one after the other. */
function targetOf(info) {
  return `${info?.service}@${info?.window}${info?.follow_up ? "/追评" : ""}`;
}

function countComment() {
  const box = $("rating-comment");
  $("rating-count").textContent = `${box.value.length}/${box.maxLength}`;
}

/** Shows the form for `info`; `next` when the citizen has just rated another service. */
function renderOpen(info, next = false) {
  form.info = info;
  form.level = null;
  $("rating-title").textContent = info.follow_up ? "追评：您反映的问题已整改" : "欢迎您对本次服务进行评价";
  let intro = info.follow_up ? "您可以再评价一次，是否评价由您决定。" : "评价自愿，您的意见帮助我们改进服务。";
  if (next) intro = "谢谢您的评价。您还办理了下面这项服务，也可以评价，评价自愿。";
  $("rating-intro").textContent = intro;
  $("rating-who").textContent = whoServed(info);
  $("rating-comment").value = "";
  countComment();
  $("rating-form").hidden = false;
  $("rating-note").hidden = true;
  $("rating-thanks").hidden = true;
  showProblem(null);
  renderLevels();
  renderTags();
  check();
  $("rating-view").hidden = false;
}

function askServer() {
  return api("GET", `${url()}?key=${encodeURIComponent(form.key)}`);
}

/** Asks the server whether this ticket can be rated now, and shows the form if so. */
export async function loadRating() {
  if (!form.key || form.done || form.sending) return;
  let info;
  try {
    info = await askServer();
  } catch (error) {
    // An unknown ticket is shown as such by the page already.
    if (error.status === 403) showClosed(KEY_REFUSED);
    else if (error.status !== 404) showClosed(`暂时无法评价：${error.message}`);
    return;
  }
  if (info.open) {
    // Not over a form being filled in for the same service.
    if ($("rating-form").hidden || targetOf(info) !== targetOf(form.info)) renderOpen(info);
  } else {
    // Asked only for a served ticket: it was rated already, or its time to rate is over.
    showClosed("本次服务已评价，或已过评价期限。谢谢您！");
  }
}

function thank() {
  $("rating-form").hidden = true;
  $("rating-note").hidden = true;
  $("rating-thanks").hidden = false;
  $("rating-thanks").focus();
}

/**
 * The rating is on the server: thanks, then the next service of a route (一件事一次办) if
 * one is still to rate, each rated on its own. `info` is the server's latest word, if known.
 */
async function afterRated(info = null) {
  form.unsure = false;
  thank();
  let next = info;
  try {
    next ??= await askServer();
  } catch {
    next = null; // the thanks stand; a later visit offers what is left
  }
  if (next?.open) renderOpen(next, true);
  else form.done = true;
}

/**
 * No answer to a rating sent for `tried`: it may have reached the server with only the
 * answer lost. The server's form tells: still open for that service means not recorded.
 * True when the rating is still to send.
 */
async function settleLostAnswer(tried) {
  let info;
  try {
    info = await askServer();
  } catch {
    form.unsure = true; // the next submit asks first, so it cannot rate twice
    showProblem("网络不通，不确定评价是否已提交。请稍后再点提交，不会重复评价。");
    return false;
  }
  if (info.open && targetOf(info) === tried) {
    form.unsure = false;
    showProblem("网络不通，评价没有提交，请稍后再试。");
    return true;
  }
  await afterRated(info);
  return false;
}

function ratingBody() {
  const body = { key: form.key, level: form.level, tags: chosenTags() };
  const comment = $("rating-comment").value.trim();
  if (comment) body.comment = comment;
  return body;
}

function refuse(error) {
  if (error.status === 403) {
    showProblem(KEY_REFUSED);
  } else if (FINAL_REFUSALS.has(error.code)) {
    showClosed(REFUSALS[error.code]);
  } else {
    const words = HAS_CHINESE.test(error.message) ? error.message : "评价没有提交成功，请稍后再试。";
    showProblem(REFUSALS[error.code] ?? words);
  }
}

async function submit(event) {
  event.preventDefault();
  check();
  if ($("rating-submit").disabled) return;
  const tried = targetOf(form.info);
  form.sending = true;
  check();
  try {
    if (form.unsure && !(await settleLostAnswer(tried))) return;
    await api("POST", url(), { body: ratingBody() });
    await afterRated();
  } catch (error) {
    if (error.status === 0) await settleLostAnswer(tried);
    else refuse(error);
  } finally {
    form.sending = false;
    check();
  }
}

/**
 * Wires the form for ticket `ticketId` with the QR's `key` (no key: no form, ever);
 * `serviceName(id)` names a service.
 */
export function bindRating(ticketId, key, serviceName) {
  form.ticketId = ticketId;
  form.key = key ?? "";
  form.serviceName = serviceName;
  $("rating-levels").addEventListener("change", (event) => {
    form.level = Number(event.target.value);
    renderTags();
    check();
  });
  $("rating-tags").addEventListener("change", check);
  $("rating-comment").addEventListener("input", countComment);
  $("rating-form").addEventListener("submit", submit);
}
