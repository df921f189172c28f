// Voice for a speaking board (/board?speak=1): each call and recall the board receives is
// queued and played one at a time, in order, never overlapping and never dropped. The server
// assembles each announcement from its voice pack (GET /voice/announcement.wav); this file
// only fetches and plays. One board per area speaks: the others leave `speak` out.
//
// Playback goes through a player with one method, play(url) -> Promise that settles when the
// announcement has finished (or failed); the page uses one <audio> element. A failed fetch or
// play is logged and the queue goes on with the next announcement.
//
// window.__hallqVoiceLog records {event: "start" | "end" | "error" | "skip", url, at} for
// the browser tests and for whoever debugs a silent board from the devtools console.

import { serverNow } from "./api.js";

const params = new URLSearchParams(location.search);
export const SPEAKING = params.get("speak") === "1";

const ENDPOINT = "/voice/announcement.wav";
// A call replayed after a reconnect that is older than this is not spoken: the citizen has
// long seen it on the board, and a late voice would send people to the wrong window.
const STALE_MS = 2 * 60 * 1000;
// A stuck element (no "ended", no "error") must not silence the board for good.
const STUCK_MS = 30 * 1000;
const LOG_KEEP = 500;

const KINDS = { "ticket.called": "call", "ticket.recalled": "recall" };

const queue = []; // URLs waiting, oldest first
let busy = false;
let player = null;
const voiceLog = [];
if (SPEAKING) window.__hallqVoiceLog = voiceLog;

function record(event, url, detail) {
  voiceLog.push({ event, url, at: performance.now(), ...(detail ? { detail } : {}) });
  if (voiceLog.length > LOG_KEEP) voiceLog.splice(0, voiceLog.length - LOG_KEEP);
}

/** The announcement's URL for a ticket.called / ticket.recalled message, or null. */
export function announcementUrl(message) {
  const kind = KINDS[message?.type];
  const number = message?.ticket?.number;
  const windowId = message?.window?.id;
  if (!kind || !number || !windowId) return null;
  const query = new URLSearchParams({ kind, number, window: windowId });
  return `${ENDPOINT}?${query}`;
}

/** Plays URLs through one <audio> element, one at a time. */
class ElementPlayer {
  constructor() {
    this.audio = new Audio();
    this.audio.preload = "auto";
  }

  play(url) {
    const audio = this.audio;
    return new Promise((resolve, reject) => {
      let timer = null;
      const finish = (error) => {
        clearTimeout(timer);
        audio.removeEventListener("ended", onEnded);
        audio.removeEventListener("error", onError);
        if (error) reject(error);
        else resolve();
      };
      const onEnded = () => finish(null);
      const onError = () => finish(new Error(`cannot play ${url}: media error ${audio.error?.code ?? "?"}`));
      audio.addEventListener("ended", onEnded);
      audio.addEventListener("error", onError);
      timer = setTimeout(() => finish(new Error(`${url} did not finish in ${STUCK_MS} ms`)), STUCK_MS);
      audio.src = url;
      audio.play().then(
        () => record("start", url),
        (error) => finish(error),
      );
    });
  }
}

async function drain() {
  if (busy) return;
  busy = true;
  try {
    while (queue.length) {
      const url = queue.shift();
      try {
        await player.play(url);
        record("end", url);
      } catch (error) {
        console.warn("hallq voice: announcement failed, going on with the next", url, error);
        record("error", url, String(error?.message ?? error));
      }
    }
  } finally {
    busy = false;
  }
}

/**
 * The board's hook: call with every stream message that is a call or a recall. Does nothing
 * unless the page was opened with ?speak=1.
 */
export function announce(message) {
  if (!SPEAKING) return;
  const url = announcementUrl(message);
  if (!url) return;
  const at = Date.parse(message.at ?? "");
  if (Number.isFinite(at) && serverNow() - at > STALE_MS) {
    record("skip", url, "stale");
    return;
  }
  player ??= new ElementPlayer();
  queue.push(url);
  drain();
}
