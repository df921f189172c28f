// Shared by the server's pages: JSON calls that fail with readable messages, and the
// event stream client that reconnects and resumes where it left off.

// Shown when the server's message is not Chinese (a few 401/403/422 answers are English).
const CODE_TEXT = {
  unauthenticated: "登录已失效，请重新登录",
  forbidden: "没有权限执行此操作",
  invalid_request: "请求内容有误",
  unavailable: "服务器暂时无法处理，请稍后重试",
  not_found: "请求的内容不存在",
};
const HAS_CHINESE = /[\u4e00-\u9fff]/;

/**
 * A failed call: `status` is the HTTP status (0 when the server was not reached); `message`
 * is for people, `said` the server's own `error.message` as it came (the field at fault and
 * what is wrong with it, for a 422), or "".
 */
export class ApiError extends Error {
  constructor(status, code, message, said = "") {
    super(message);
    this.name = "ApiError";
    this.status = status;
    this.code = code;
    this.said = said;
  }
}

function readableMessage(status, code, message) {
  if (message && HAS_CHINESE.test(message)) return message;
  const words = CODE_TEXT[code] ?? `操作失败（${status}）`;
  return message ? `${words}：${message}` : words;
}

/** The ApiError of a refused call, from its status and its body (null when it was no JSON). */
export function refusal(status, body) {
  const error = body?.error;
  const message = typeof error?.message === "string" ? error.message : "";
  const code = typeof error?.code === "string" ? error.code : "";
  return new ApiError(status, code || "http_error", readableMessage(status, code, message), message);
}

// The difference between the server's clock and this device's, so that "called 2:15 ago"
// is right on a PC whose clock is off. The Date header has whole seconds: small
// differences are noise and ignored.
let clockOffset = 0;

export function serverNow() {
  return Date.now() + clockOffset;
}

function learnClock(response, sentAt) {
  const server = Date.parse(response.headers.get("Date") ?? "");
  if (Number.isNaN(server)) return;
  const offset = server + 500 - (sentAt + Date.now()) / 2;
  clockOffset = Math.abs(offset) > 2000 ? offset : 0;
}

/**
 * Calls the API; resolves to the parsed body, or rejects with an ApiError. With `timeoutMs`
 * a call not fully answered by then is given up as a network failure (status 0): on a
 * connection that died silently a read would otherwise hang for minutes, and a page that
 * waits for one read before the next would stop updating.
 */
export async function api(method, path, { token = null, body, timeoutMs = null } = {}) {
  const headers = { Accept: "application/json" };
  if (token) headers.Authorization = `Bearer ${token}`;
  const init = { method, headers, cache: "no-store" };
  if (body !== undefined) {
    headers["Content-Type"] = "application/json";
    init.body = JSON.stringify(body);
  }
  const controller = timeoutMs === null ? null : new AbortController();
  const timer = controller && setTimeout(() => controller.abort(), timeoutMs);
  if (controller) init.signal = controller.signal;
  const unreachable = () => new ApiError(0, "network", "无法连接服务器，请检查网络后重试");
  const sentAt = Date.now();
  try {
    let response;
    try {
      response = await fetch(path, init);
    } catch {
      throw unreachable();
    }
    learnClock(response, sentAt);
    let data = null;
    try {
      data = await response.json();
    } catch {
      data = null;
    }
    if (controller?.signal.aborted) throw unreachable(); // the body was cut off
    if (!response.ok) throw refusal(response.status, data);
    return data;
  } finally {
    clearTimeout(timer);
  }
}

const BACKOFF_FIRST_MS = 500;
const BACKOFF_MAX_MS = 15000;
const STABLE_MS = 5000;
const REVOKED = 4001; // the server's close code: the token was revoked or its session ended

/**
 * The event stream (/ws). Calls `onMessage` with each message in order: a `snapshot`
 * (at the start, and again whenever the server cannot replay what was missed) replaces
 * everything; other messages are changes. Reconnects with growing, jittered delays and
 * asks for what it missed with `after_seq`. `onStatus` gets "online" or "offline", or
 * "revoked" once when the server ended the stream because its token was revoked or its
 * session ended: the stream has stopped then, for that token will never be let in again.
 */
export class Stream {
  constructor({ topics, token = null, onMessage, onStatus = () => {} }) {
    this.topics = topics;
    this.token = token;
    this.onMessage = onMessage;
    this.onStatus = onStatus;
    this.lastSeq = null;
    this.attempt = 0;
    this.socket = null;
    this.timer = null;
    this.stopped = true;
  }

  start() {
    if (!this.stopped) return;
    this.stopped = false;
    this.connect();
  }

  stop() {
    this.stopped = true;
    clearTimeout(this.timer);
    const socket = this.socket;
    this.socket = null;
    socket?.close(1000);
  }

  /** Drop the connection now and come back at once (e.g. after the page slept). */
  reconnect() {
    if (this.stopped) return;
    this.attempt = 0;
    clearTimeout(this.timer);
    const socket = this.socket;
    this.socket = null;
    socket?.close(1000);
    this.connect();
  }

  /**
   * Starts over from a fresh snapshot without showing "offline": for a page that learns
   * something only from snapshots (a board's longest wait) and finds its copy out of date.
   */
  resync() {
    this.lastSeq = null;
    this.reconnect();
  }

  url() {
    const scheme = location.protocol === "https:" ? "wss" : "ws";
    const query = new URLSearchParams({ topics: this.topics.join(",") });
    if (this.token) query.set("token", this.token);
    if (this.lastSeq !== null) query.set("after_seq", String(this.lastSeq));
    return `${scheme}://${location.host}/ws?${query}`;
  }

  connect() {
    const socket = new WebSocket(this.url());
    this.socket = socket;
    let openedAt = null;
    socket.addEventListener("open", () => {
      if (this.socket !== socket) return;
      openedAt = Date.now();
      this.onStatus("online");
    });
    socket.addEventListener("message", (event) => {
      if (this.socket !== socket) return;
      this.receive(event.data);
    });
    socket.addEventListener("close", (event) => {
      if (this.socket !== socket) return;
      this.socket = null;
      if (this.stopped) return;
      // Every retry would be refused (401), every 15 s for as long as the page stays open.
      if (event.code === REVOKED) {
        this.stopped = true;
        this.onStatus("revoked");
        return;
      }
      // Only a connection that lasted counts as a success: a server that accepts and
      // drops us at once must still see the delays grow.
      if (openedAt !== null && Date.now() - openedAt > STABLE_MS) this.attempt = 0;
      this.onStatus("offline");
      this.schedule();
    });
  }

  receive(text) {
    let message;
    try {
      message = JSON.parse(text);
    } catch {
      return;
    }
    if (typeof message?.type !== "string") return;
    if (typeof message.seq === "number") {
      // A replay may overlap what we already applied; a snapshot always resets.
      if (message.type !== "snapshot" && this.lastSeq !== null && message.seq <= this.lastSeq) return;
      this.lastSeq = message.seq;
    }
    this.onMessage(message);
  }

  schedule() {
    const ceiling = Math.min(BACKOFF_MAX_MS, BACKOFF_FIRST_MS * 2 ** this.attempt);
    this.attempt += 1;
    const delay = ceiling / 2 + Math.random() * (ceiling / 2);
    this.timer = setTimeout(() => {
      if (!this.stopped) this.connect();
    }, delay);
  }
}
