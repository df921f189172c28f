// Alerts (效能监察) history and the 差评 follow-up cases on the manager console.

import { alertItem, clock } from "./manager-live.js";
import { el } from "./words.js";

const $ = (id) => document.getElementById(id);

// The steps a supervisor may take from each state (the order of docs/ratings.md).
const STEPS = {
  open: ["verify", "rectify", "appeal"],
  verified: ["rectify", "appeal"],
  rectified: ["call-back"],
  called_back: ["close"],
  appealed: ["uphold-appeal", "reject-appeal"],
};
const STEP_NAMES = {
  verify: "核实",
  rectify: "整改",
  "call-back": "回访",
  close: "办结",
  appeal: "申诉",
  "uphold-appeal": "申诉成立",
  "reject-appeal": "驳回申诉",
};
const STAGES = { verify: "核实", rectify: "整改", callback: "回访" };

let pending = null; // {id, action} the note dialog is for

function deadlines(item) {
  const cell = el("td", "deadlines");
  for (const [stage, name] of Object.entries(STAGES)) {
    const due = item.deadlines?.[stage];
    if (!due) continue;
    const late = item.overdue?.includes(stage);
    cell.append(el("span", late ? "deadline overdue" : "deadline", `${name} ${due.slice(5, 10)}${late ? " 已超期" : ""}`));
  }
  return cell;
}

/** Whom the 差评 is about, as the reports name a clerk: 王芳（0101）, by the login name when
 * the clerk has no public name (`hallq user add` gives none). */
function clerkName(item) {
  const name = item.clerk?.name ?? item.clerk_username ?? "";
  return item.clerk?.staff_no ? `${name}（${item.clerk.staff_no}）` : name;
}

function caseRow(item) {
  const row = el("tr", item.overdue?.length ? "case-overdue" : "");
  row.dataset.case = item.id;
  const rating = item.rating;
  const said = el("td");
  said.append(el("span", "tag tag-bad", rating.level_name), el("span", "", (rating.tag_names ?? rating.tags).join("、")));
  if (rating.comment) said.append(el("p", "muted", `“${rating.comment}”`));
  const actions = el("td", "row-actions");
  for (const action of STEPS[item.state] ?? []) {
    const b = el("button", "button button-small", STEP_NAMES[action]);
    b.type = "button";
    b.dataset.caseAction = action;
    b.dataset.case = item.id;
    actions.append(b);
  }
  const last = item.history?.at(-1);
  if (last) actions.append(el("p", "muted", `${clock(last.at)} ${STEP_NAMES[last.action] ?? last.action}：${last.note}`));
  row.append(
    el("td", "", `${item.number}\n${clock(item.opened_at)}`),
    el("td", "case-state", item.state_name ?? item.state),
    el("td", "case-who", `${item.window}号窗口 ${clerkName(item)}`),
    said,
    deadlines(item),
    actions,
  );
  return row;
}

// A burst of cases or alerts reads the list once per message: only the latest read is
// shown, so an answer overtaken by a later one never brings back what has changed since.

export async function loadCases(app) {
  try {
    await app.readLatest(
      "cases",
      () => app.call("GET", `/api/v1/cases?state=${$("case-filter").value}`),
      (answer) => {
        $("cases").tBodies[0].replaceChildren(...answer.cases.map(caseRow));
        $("cases-empty").hidden = answer.cases.length > 0;
      },
    );
  } catch {
    // shown by call()
  }
}

export async function loadAlertHistory(app) {
  const all = $("alerts-all").checked;
  try {
    await app.readLatest(
      "alert-history",
      () => app.call("GET", `/api/v1/alerts${all ? "" : "?open=1"}`),
      (answer) => {
        $("alert-history").replaceChildren(...answer.alerts.map((a) => alertItem(a, { history: true })));
        $("alert-history-empty").hidden = answer.alerts.length > 0;
      },
    );
  } catch {
    // shown by call()
  }
}

async function advance(app) {
  const note = $("note-text").value.trim();
  if (!pending) return;
  if (!note) {
    app.showError("请填写处理说明");
    return;
  }
  const { id, action } = pending;
  pending = null;
  try {
    const answer = await app.call("POST", `/api/v1/cases/${encodeURIComponent(id)}/${action}`, { note });
    app.showInfo(`工单 ${answer.case.number}：${STEP_NAMES[action]}，现为“${answer.case.state_name}”`);
  } catch {
    // shown by call()
  }
  loadCases(app);
}

export function bindCases(app) {
  $("case-filter").addEventListener("change", () => loadCases(app));
  $("case-refresh").addEventListener("click", () => loadCases(app));
  $("alerts-all").addEventListener("change", () => loadAlertHistory(app));
  $("cases").addEventListener("click", (event) => {
    const b = event.target.closest("button[data-case-action]");
    if (!b) return;
    pending = { id: b.dataset.case, action: b.dataset.caseAction };
    $("note-title").textContent = `工单 ${b.dataset.case}：${STEP_NAMES[pending.action]}`;
    $("note-text").value = "";
    $("note-dialog").showModal();
  });
  $("note-dialog").addEventListener("close", () => {
    if ($("note-dialog").returnValue === "confirm") advance(app);
    else pending = null;
  });
}
