// The console's questions: why a ticket was missed, why the window pauses, where a ticket
// is transferred to, and why a clerk takes over another's window (替岗). Each answer goes to
// the callback given to bind, with the ticket it was asked about: the window may have moved
// on to another while the clerk chose.

import { NO_SHOW_REASONS, PAUSE_REASONS, WINDOW_STATES, el } from "./words.js";

const HAND_OVER_REASONS = ["临时替班", "轮岗", "其他"];
// The questions about the window the clerk is signed in at.
const STATION_DIALOGS = ["no-show-dialog", "pause-dialog", "transfer-dialog"];

const $ = (id) => document.getElementById(id);

function buildChoices(containerId, name, reasons) {
  const box = $(containerId);
  for (const reason of reasons) {
    const label = el("label", "choice");
    const input = el("input");
    input.type = "radio";
    input.name = name;
    input.value = reason;
    label.append(input, document.createTextNode(reason));
    box.append(label);
  }
}

function open(dialog, ticket = null) {
  dialog.returnValue = "";
  dialog.dataset.ticket = ticket?.id ?? "";
  dialog.dataset.number = ticket?.number ?? "";
  dialog.showModal();
}

/** The ticket `dialog` was opened about, as {id, number}, or null. */
function askedAbout(dialog) {
  return dialog.dataset.ticket ? { id: dialog.dataset.ticket, number: dialog.dataset.number } : null;
}

/** Closes the questions about the window, unanswered: the clerk is no longer signed in there. */
export function closeStationDialogs() {
  for (const id of STATION_DIALOGS) {
    if ($(id).open) $(id).close();
  }
}

function resetChoices(dialog, otherId) {
  const first = dialog.querySelector("input[type=radio]");
  first.checked = true;
  $(otherId).value = "";
  first.focus();
}

function chosenReason(dialog, otherId) {
  const chosen = dialog.querySelector("input[type=radio]:checked")?.value ?? "其他";
  const other = $(otherId).value.trim();
  return chosen === "其他" && other ? `其他：${other}` : chosen;
}

/** Asks why `ticket` was missed. */
export function askNoShow(ticket) {
  const dialog = $("no-show-dialog");
  $("no-show-number").textContent = ticket.number;
  open(dialog, ticket);
  resetChoices(dialog, "no-show-other");
}

/** Asks why the window pauses. */
export function askPause() {
  const dialog = $("pause-dialog");
  open(dialog);
  resetChoices(dialog, "pause-other");
}

/** Asks where `ticket` goes: any other service, or any other window that is open. */
export function askTransfer(ticket, services, windows, ownWindow) {
  $("transfer-number").textContent = ticket.number;
  const select = $("transfer-target");
  // No choice made yet: the dialog's form will not confirm without one.
  const none = new Option("请选择业务或窗口", "", true, true);
  none.disabled = true;
  const toServices = el("optgroup");
  toServices.label = "转到业务";
  for (const service of services) {
    if (service.id === ticket.service) continue;
    toServices.append(new Option(`${service.name}（${service.prefix}）`, `service:${service.id}`));
  }
  const toWindows = el("optgroup");
  toWindows.label = "转到窗口";
  for (const win of windows) {
    if (win.id === ownWindow) continue;
    const option = new Option(`${win.label}（${WINDOW_STATES[win.state] ?? win.state}）`, `window:${win.id}`);
    // Nobody at a closed window would ever call the ticket (the server refuses it too).
    option.disabled = win.state === "closed";
    toWindows.append(option);
  }
  select.replaceChildren(none, toServices, toWindows);
  open($("transfer-dialog"), ticket);
  select.focus();
}

/** Asks why the clerk takes over `win`, where someone else is signed in. */
export function askHandOver(win) {
  const dialog = $("hand-over-dialog");
  dialog.dataset.window = win.id;
  $("hand-over-window").textContent = win.label;
  const who = win.clerk?.name ?? win.clerk_username;
  const staffNo = win.clerk?.staff_no ? `（工号 ${win.clerk.staff_no}）` : "";
  $("hand-over-from").textContent = `现由 ${who}${staffNo}签到。`;
  open(dialog);
  resetChoices(dialog, "hand-over-other");
}

/**
 * Fills in the reasons and sends each confirmed answer to `act(action, body, ticket)` (the
 * ticket asked about, or null), or for a hand-over to `handOver(window, reason)`.
 */
export function bindDialogs(act, handOver) {
  buildChoices("no-show-reasons", "no-show-reason", NO_SHOW_REASONS);
  buildChoices("pause-reasons", "pause-reason", PAUSE_REASONS);
  buildChoices("hand-over-reasons", "hand-over-reason", HAND_OVER_REASONS);
  for (const [dialogId, otherId] of [
    ["no-show-dialog", "no-show-other"],
    ["pause-dialog", "pause-other"],
    ["hand-over-dialog", "hand-over-other"],
  ]) {
    // Typing another reason means choosing 其他.
    $(otherId).addEventListener("input", () => {
      const other = $(dialogId).querySelector("input[value='其他']");
      if (other) other.checked = true;
    });
  }
  for (const dialog of document.querySelectorAll("dialog")) {
    // Chromium may leave the focus on a control of the closed dialog, where it would
    // swallow the shortcuts: hand it back to the page.
    dialog.addEventListener("close", () => {
      if (dialog.contains(document.activeElement)) document.activeElement.blur();
    });
  }
  $("no-show-dialog").addEventListener("close", (event) => {
    if (event.target.returnValue !== "confirm") return;
    act("no-show", { reason: chosenReason(event.target, "no-show-other") }, askedAbout(event.target));
  });
  $("pause-dialog").addEventListener("close", (event) => {
    if (event.target.returnValue !== "confirm") return;
    act("pause", { reason: chosenReason(event.target, "pause-other") });
  });
  $("hand-over-dialog").addEventListener("close", (event) => {
    if (event.target.returnValue !== "confirm") return;
    handOver(event.target.dataset.window, chosenReason(event.target, "hand-over-other"));
  });
  $("transfer-dialog").addEventListener("close", (event) => {
    if (event.target.returnValue !== "confirm") return;
    const [kind, target] = $("transfer-target").value.split(/:(.*)/s);
    act("transfer", { [kind]: target }, askedAbout(event.target));
  });
}
