// 绿色通道取号: a guide at the help desk (signed in at a window or not) issues a green channel
// ticket for an elderly or disabled citizen and reads its number out, large, with its phone link.

import { api } from "./api.js";
import { el } from "./words.js";

const $ = (id) => document.getElementById(id);

let session = null; // {token(), services(), onError(error)}
let key = null; // one idempotency key per dialog: a double press never makes two tickets
let sending = false;

function newKey() {
  // crypto.randomUUID needs a secure context; a hall server is often plain http on the LAN.
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return `console-green-${[...bytes].map((b) => b.toString(16).padStart(2, "0")).join("")}`;
}

function showStage(done) {
  $("green-ask").hidden = done;
  $("green-done").hidden = !done;
}

/** Opens the dialog on its first stage, with the hall's services to choose from. */
export function askGreen() {
  const select = $("green-service");
  const none = new Option("请选择业务", "", true, true);
  none.disabled = true;
  const options = [...session.services()].map((s) => new Option(`${s.name}（${s.prefix}）`, s.id));
  select.replaceChildren(none, ...options);
  $("green-note").value = "";
  $("green-problem").hidden = true;
  key = newKey();
  showStage(false);
  const dialog = $("green-dialog");
  dialog.returnValue = "";
  if (!dialog.open) dialog.showModal();
  select.focus();
}

function phoneLink(answer) {
  const ticket = answer.ticket;
  const ratingKey = answer.rating_key ?? ticket.rating_key;
  const path = `/t/${encodeURIComponent(ticket.id)}`;
  return `${location.origin}${path}${ratingKey ? `?k=${encodeURIComponent(ratingKey)}` : ""}`;
}

function showDone(answer, serviceName, note) {
  $("green-number").textContent = answer.ticket.number;
  $("green-service-name").textContent = serviceName;
  $("green-ahead").textContent = `前面还有 ${answer.ahead ?? 0} 人（绿色通道优先叫号）`;
  $("green-note-shown").textContent = note ? `备注：${note}` : "";
  $("green-note-shown").hidden = !note;
  const link = phoneLink(answer);
  const anchor = el("a", "", link);
  anchor.href = link;
  anchor.target = "_blank";
  anchor.rel = "noopener";
  $("green-link").replaceChildren(anchor);
  showStage(true);
  $("green-close").focus();
}

async function issue(event) {
  event.preventDefault();
  if (sending) return;
  const service = $("green-service").value;
  if (!service) return;
  const note = $("green-note").value.trim();
  sending = true;
  $("green-issue").disabled = true;
  try {
    const answer = await api("POST", "/api/v1/tickets", {
      token: session.token(),
      body: { service, priority: "green", idempotency_key: key },
    });
    const serviceName = [...session.services()].find((s) => s.id === service)?.name ?? service;
    showDone(answer, serviceName, note);
  } catch (error) {
    if (error.status === 401) {
      $("green-dialog").close();
      session.onError(error);
      return;
    }
    $("green-problem").textContent = error.message;
    $("green-problem").hidden = false;
  } finally {
    sending = false;
    $("green-issue").disabled = false;
  }
}

/** `token()` and `services()` read the console's state; `onError` takes a lost session. */
export function bindGreen(options) {
  session = options;
  $("green-form").addEventListener("submit", issue);
  $("green-cancel").addEventListener("click", () => $("green-dialog").close());
  $("green-close").addEventListener("click", () => $("green-dialog").close());
  $("green-again").addEventListener("click", askGreen);
}
