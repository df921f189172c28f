// The screen above one window (窗口屏, /window/{id}): the window, and the ticket being
// called ("请A012号"), 欢迎您 when idle, 暂停服务 when paused, 未开放 when closed.
// ?mode=led&cols=8|12 draws the same text as fixed lines of an LED strip.
//
// screenLines() and ledLayout() are pure: an LED controller agent fed by the same
// stream can import them and send the lines to its strip.
//
// A hall with a second_language shows the window, its label and the message in Chinese and
// that language at the same size (bilingual.js); the LED text mode stays Chinese.

import { Stream, api } from "./api.js";
import { fill, fillWord, secondLanguage, word } from "./bilingual.js";

/** What a window screen says, as logical lines: [window, message]. */
export function screenLines(window) {
  const name = `${window.id}号窗口`;
  const number = window.ticket?.number;
  switch (window.state) {
    case "calling":
      return [name, number ? `请${number}号` : "欢迎您"];
    case "serving":
      return [name, number ? `${number}号办理中` : "欢迎您"];
    case "paused":
      return [name, "暂停服务"];
    case "closed":
      return [name, "未开放"];
    default:
      return [name, "欢迎您"];
  }
}

/** The same lines in the hall's second language (see bilingual.js), "" where it has no word. */
export function screenLinesAlt(window, language) {
  const name = word(language, "window", window.id);
  const number = window.ticket?.number;
  switch (window.state) {
    case "calling":
      return [name, number ? word(language, "please", number) : word(language, "welcome")];
    case "serving":
      return [name, number ? word(language, "servingTicket", number) : word(language, "welcome")];
    case "paused":
    case "closed":
      return [name, word(language, window.state)];
    default:
      return [name, word(language, "welcome")];
  }
}

/** Cells a character takes on an LED strip: 2 for a Chinese (full-width) character, 1 for
 * ASCII letters, digits and spaces (half-width, as LED fonts draw them). */
export function cellWidth(char) {
  const code = char.codePointAt(0) ?? 0;
  return code < 0x2e80 || (code >= 0xff61 && code <= 0xff9f) ? 1 : 2;
}

/**
 * Lays out logical lines on a strip `cols` Chinese characters wide: each result line is a
 * string of exactly `cols * 2` cells (half-width spaces pad it, centred), a logical line too
 * long for one strip line wraps onto the next. Pure; no DOM.
 *
 *   ledLayout(["3号窗口", "请A012号"], 8) -> ["    3号窗口     ", "    请A012号    "]
 */
export function ledLayout(lines, cols) {
  const width = cols * 2;
  const out = [];
  for (const line of lines) {
    let chunk = "";
    let used = 0;
    for (const char of String(line)) {
      const w = cellWidth(char);
      if (used + w > width) {
        out.push(chunk);
        chunk = "";
        used = 0;
      }
      chunk += char;
      used += w;
    }
    out.push(chunk);
  }
  return out.map((text) => {
    const used = [...text].reduce((sum, char) => sum + cellWidth(char), 0);
    const left = Math.floor((width - used) / 2);
    return " ".repeat(left) + text + " ".repeat(width - used - left);
  });
}

// --- the page ---------------------------------------------------------------------------

const LED_COLS = new Set([8, 12]);

function page() {
  const $ = (id) => document.getElementById(id);
  const match = location.pathname.match(/^\/window\/([^/]+)/);
  const windowId = match ? decodeURIComponent(match[1]) : "";
  const params = new URLSearchParams(location.search);
  const led = params.get("mode") === "led";
  const cols = LED_COLS.has(Number(params.get("cols"))) ? Number(params.get("cols")) : 8;
  let current = null;
  let loaded = false;
  let missing = false; // the hall has no window of this id (a wrong address)
  let language = null; // the hall's second language, once the hall info is in

  function renderLed(lines) {
    const rows = ledLayout(lines, cols).map((text) => {
      const row = document.createElement("p");
      row.className = "led-line";
      row.dataset.text = text;
      for (const char of text) {
        const cell = document.createElement("span");
        cell.className = cellWidth(char) === 2 ? "led-cell is-wide" : "led-cell";
        cell.textContent = char;
        row.append(cell);
      }
      return row;
    });
    $("led").replaceChildren(...rows);
  }

  /** A screen set up with a window the hall does not have says so, not 未开放. */
  function renderMissing() {
    const lines = [`没有${windowId}号窗口`, "请检查地址"];
    document.body.dataset.state = "missing";
    document.title = `${lines[0]} · 窗口屏`;
    if (led) {
      renderLed(lines);
      return;
    }
    fill($("window-name"), lines[0], "", null);
    $("window-label").hidden = true;
    fill($("message"), lines[1], "", null);
    $("clerk").textContent = `地址：${location.pathname}`;
  }

  function render() {
    if (missing) {
      renderMissing();
      return;
    }
    const w = current ?? { id: windowId, state: "closed", ticket: null };
    const lines = loaded ? screenLines(w) : [screenLines(w)[0], ""];
    document.body.dataset.state = w.state;
    if (led) {
      renderLed(lines);
      return;
    }
    const alt = language ? screenLinesAlt(w, language) : ["", ""];
    fill($("window-name"), lines[0], alt[0], language);
    // The label when it says more than the name ("3号 社保医保"), with its label_alt; a
    // label_alt of a label that is just the name stands in for the fixed words' name.
    const label = w.label && w.label !== lines[0] ? w.label : "";
    if (!label && w.label_alt && language) fill($("window-name"), lines[0], w.label_alt, language);
    fill($("window-label"), label, w.label_alt ?? "", language);
    $("window-label").hidden = !label;
    fill($("message"), lines[1], lines[1] ? alt[1] : "", language);
    const clerk = w.state !== "closed" && w.clerk ? [w.clerk.name, w.clerk.staff_no ? `工号 ${w.clerk.staff_no}` : ""] : [];
    if (language && clerk[1]) {
      // The name is a person's and is not translated; 工号 is.
      const no = w.clerk.staff_no;
      $("clerk").replaceChildren(`${clerk[0]} · `, fillWord(document.createElement("span"), clerk[1], "staffNo", language, no));
    } else {
      $("clerk").textContent = clerk.filter(Boolean).join(" · ");
    }
    document.title = `${lines[0]} · 窗口屏`;
  }

  function apply(message) {
    if (message.type === "snapshot") {
      current = message.state.windows.find((w) => w.id === windowId) ?? null;
    } else if (message.window?.id === windowId) {
      current = message.window;
    } else {
      return;
    }
    missing = current === null;
    loaded = true;
    render();
    if (message.type === "ticket.called" || message.type === "ticket.recalled") flash();
  }

  /** A call blinks, and so does a recall, which changes nothing else on the screen: the
   * citizen looking up must see that the number was just called (again). */
  function flash() {
    const shown = led ? $("led") : $("message");
    shown.classList.remove("is-fresh");
    void shown.offsetWidth; // restarts the blinking of a call following a call
    shown.classList.add("is-fresh");
  }

  /** The hall file's say on this window: whether it has one, and its label. The stream's
   * resume after a restart carries the journal's changes only, not a window renamed, added
   * or removed in the hall file meanwhile. The state stays the stream's, which is newer. */
  function learnWindow(windows) {
    // Before the stream's first snapshot, that snapshot (built from the hall file in use)
    // says it all; the screen shows nothing it has not had from the stream.
    if (!loaded) return;
    const configured = windows.find((w) => w.id === windowId) ?? null;
    if (configured === null) current = null;
    else if (current === null) current = configured;
    else current = { ...current, label: configured.label, label_alt: configured.label_alt };
    missing = current === null;
    loaded = true;
    render();
  }

  document.body.classList.toggle("is-led", led);
  document.body.classList.add(`cols-${cols}`);
  $("screen").hidden = led;
  $("led").hidden = !led;
  render();
  let offline = false;
  const stream = new Stream({
    topics: ["board"],
    onMessage: apply,
    onStatus: (status) => {
      $("offline").hidden = status === "online";
      if (status === "online" && offline) readHall(); // back, perhaps on a new hall file
      offline = status !== "online";
    },
  });
  stream.start();
  readHall();

  async function readHall() {
    for (let delay = 2000; ; delay = Math.min(delay * 2, 60000)) {
      try {
        const info = await api("GET", "/api/v1/hall");
        if (!led) learnLanguage(info.hall.second_language);
        learnWindow(info.windows);
        return;
      } catch {
        await new Promise((resolve) => setTimeout(resolve, delay));
      }
    }
  }

  function learnLanguage(tag) {
    language = secondLanguage(tag);
    document.body.classList.toggle("is-bilingual", Boolean(language));
    document.body.classList.toggle("is-vertical-alt", Boolean(language?.vertical));
    fillWord($("offline"), "● 离线", "offline", language);
  }
}

if (typeof document !== "undefined" && document.getElementById("screen")) page();
