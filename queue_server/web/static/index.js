// The start page: the hall's name, where to go, and the live queue per service.

import { Stream, api } from "./api.js";
import { el } from "./words.js";

const $ = (id) => document.getElementById(id);
const RETRY_MS = 3000;

const state = { services: [], floors: new Map(), waiting: {}, windows: new Map() };

function render() {
  const body = $("services");
  body.replaceChildren();
  for (const service of state.services) {
    const row = el("tr");
    const name = el("th", "", service.name);
    name.scope = "row";
    name.append(el("span", "prefix", service.prefix));
    const floor = el("td", "", state.floors.get(service.floor) ?? service.floor ?? "");
    const count = el("td", "num", String(state.waiting[service.id] ?? 0));
    count.dataset.waiting = service.id;
    row.append(name, floor, count);
    body.append(row);
  }
  const windows = [...state.windows.values()];
  const open = windows.filter((w) => w.state !== "closed").length;
  $("windows-open").textContent = windows.length ? `开放窗口 ${open} / ${windows.length} 个` : "";
}

/** Links to the lobby board of each floor and to each window's screen. */
function renderScreens(info) {
  const link = (href, text) => {
    const a = el("a", "", text);
    a.href = href;
    return a;
  };
  const floors = info.hall.floors ?? [];
  $("board-floors").replaceChildren(...floors.map((f) => link(`/board?floor=${encodeURIComponent(f.id)}`, f.label)));
  $("board-floors").hidden = floors.length < 2;
  $("window-screens").replaceChildren(...info.windows.map((w) => link(`/window/${encodeURIComponent(w.id)}`, `${w.id}号窗口`)));
}

function setLive(online) {
  const live = $("live");
  live.textContent = online ? "● 实时" : "● 离线，正在重连…";
  live.classList.toggle("is-offline", !online);
}

function onMessage(message) {
  if (message.type === "snapshot") {
    state.waiting = { ...message.state.waiting };
    state.windows = new Map(message.state.windows.map((w) => [w.id, w]));
  } else {
    if (message.waiting) state.waiting = { ...message.waiting };
    if (message.window) state.windows.set(message.window.id, message.window);
  }
  render();
}

async function boot() {
  let info;
  try {
    info = await api("GET", "/api/v1/hall");
  } catch (error) {
    $("live").textContent = `${error.message}（${RETRY_MS / 1000} 秒后重试）`;
    setTimeout(boot, RETRY_MS);
    return;
  }
  $("hall-name").textContent = info.hall.name;
  document.title = `${info.hall.name} · 排队叫号`;
  state.services = info.services;
  state.floors = new Map(info.hall.floors.map((f) => [f.id, f.label]));
  state.waiting = Object.fromEntries(info.services.map((s) => [s.id, s.waiting]));
  state.windows = new Map(info.windows.map((w) => [w.id, w]));
  renderScreens(info);
  render();
  new Stream({ topics: ["board"], onMessage, onStatus: (s) => setLive(s === "online") }).start();
}

boot();
