// Voice in the browser: a queue that plays announcements one at a time through a player, the
// rule that picks which board-stream messages are spoken, and the board's wiring of the two.
// The server assembles every announcement from its voice pack; this file only fetches and plays.
//
// - Player: anything with play(url) -> Promise that settles when the sound has finished (or
//   failed). ElementPlayer is the real one (one <audio> element). A test or a kiosk may set
//   window.__hallqVoicePlayer before this module loads (e.g. with an init script): every queue
//   made by voicePlayer() then plays through it instead.
// - VoiceQueue: plays URLs in the order given, never two at once; a failed play is logged and
//   the next one goes on; a call whose turn comes after it expired (a burst at many windows)
//   is logged, not played. The kiosk's elderly mode uses it with phraseUrl().
// - SpokenCalls: the rule, the same as display/voice/rules.py on the display agent, checked by
//   the same cases (tests/voice/announce_cases.json): never a snapshot, never a seq twice,
//   only ticket.called / ticket.recalled of the windows in scope, none made over 2 min ago.
//
// window.__hallqVoiceLog records {event: "start" | "end" | "error" | "skip", url, at} on a
// speaking board, for the browser tests and for whoever debugs a silent board in devtools.
// No imports: the kiosk page loads this module on its own.

export const STALE_MS = 2 * 60 * 1000;
// A stuck element (no "ended", no "error") must not silence the board for good.
const STUCK_MS = 30 * 1000;
const LOG_KEEP = 500;
const KINDS = { "ticket.called": "call", "ticket.recalled": "recall" };
// Only a time with its UTC offset can be aged; a browser would read a naive one in its own zone.
const WITH_OFFSET = /(?:Z|[+-]\d\d:\d\d)$/i;

/** The URL of one announcement: {kind, number, window} in the hall's or the group's words. */
export function announcementUrl(call, speaker = null) {
  const query = new URLSearchParams({ kind: call.kind, number: call.number, window: call.window });
  if (speaker) query.set("speaker", speaker);
  return `/voice/announcement.wav?${query}`;
}

/** The URL of a guidance phrase ("请取走您的号票"), for the kiosk's voice guidance. */
export function phraseUrl(text) {
  return `/voice/phrase.wav?${new URLSearchParams({ text })}`;
}

/**
 * Which stream messages are spoken. `scope` is {windows: [...], floors: [...]} (a call at a
 * window listed, or at a window on a floor listed) or null for every window.
 */
export class SpokenCalls {
  constructor(scope = null, staleMs = STALE_MS) {
    this.scope = scope && { windows: new Set(scope.windows ?? []), floors: new Set(scope.floors ?? []) };
    this.staleMs = staleMs;
    this.lastSeq = null;
  }

  /**
   * {call, skip, madeAt}: the call to speak (skip null), or why not; madeAt is when the call
   * was made (ms), when the message says. `now` is the hall's time in ms.
   */
  judge(message, now) {
    const seq = Number.isInteger(message?.seq) ? message.seq : null;
    if (message?.type === "snapshot") {
      if (seq !== null) this.lastSeq = seq;
      return { call: null, skip: "snapshot" };
    }
    if (seq !== null) {
      if (this.lastSeq !== null && seq <= this.lastSeq) return { call: null, skip: "replayed" };
      this.lastSeq = seq;
    }
    const kind = KINDS[message?.type];
    const number = message?.ticket?.number;
    const windowId = message?.window?.id;
    if (!kind || typeof number !== "string" || !number || typeof windowId !== "string" || !windowId) {
      return { call: null, skip: "not_a_call" };
    }
    const call = { kind, number, window: windowId };
    if (this.scope && !this.scope.windows.has(windowId) && !this.scope.floors.has(message.window.floor)) {
      return { call, skip: "elsewhere" };
    }
    const at = typeof message.at === "string" && WITH_OFFSET.test(message.at) ? Date.parse(message.at) : NaN;
    const madeAt = Number.isFinite(at) ? at : null; // when the call was made, if it says
    if (madeAt !== null && now - madeAt > this.staleMs) return { call, skip: "stale", madeAt };
    return { call, skip: null, madeAt };
  }
}

/** Plays URLs through one <audio> element, one at a time. */
export class ElementPlayer {
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
      audio.play().catch(finish);
    });
  }
}

/** The player to use: the one a test or a kiosk installed, else a new ElementPlayer. */
export function voicePlayer() {
  return window.__hallqVoicePlayer ?? new ElementPlayer();
}

/** A log of voice events, newest last, at most LOG_KEEP long. */
export class VoiceLog extends Array {
  record(event, url, detail) {
    this.push({ event, url, at: performance.now(), ...(detail ? { detail } : {}) });
    if (this.length > LOG_KEEP) this.splice(0, this.length - LOG_KEEP);
  }
}

/** Plays the URLs given to say(), in order, one at a time; a failure is logged and skipped. */
export class VoiceQueue {
  constructor(player = voicePlayer(), log = new VoiceLog(), now = () => Date.now()) {
    this.player = player;
    this.log = log;
    this.now = now;
    this.waiting = [];
    this.busy = false;
  }

  /** Queues `url`; `expiresAt` (ms, on the `now` clock) is when it is too late to play. */
  say(url, expiresAt = null) {
    this.waiting.push({ url, expiresAt });
    this.drain();
  }

  async drain() {
    if (this.busy) return;
    this.busy = true;
    try {
      while (this.waiting.length) {
        const { url, expiresAt } = this.waiting.shift();
        if (expiresAt !== null && this.now() > expiresAt) {
          this.log.record("skip", url, "stale"); // its turn came too late after a burst
          continue;
        }
        this.log.record("start", url);
        try {
          await this.player.play(url);
          this.log.record("end", url);
        } catch (error) {
          console.warn("hallq voice: announcement failed, going on with the next", url, error);
          this.log.record("error", url, String(error?.message ?? error));
        }
      }
    } finally {
      this.busy = false;
    }
  }
}

/**
 * A board's voice, or null when the board is silent. `?speaker=ID` speaks that speaker
 * group's calls in its words (the groups come from GET /voice/speakers through `loadSpeakers`);
 * `?speak=1` speaks the calls of the board's floor filter (every floor without one) in the
 * hall's words. Returns {hear(message)}: give it every stream message, in order.
 */
export async function boardVoice({ params, floor, now, loadSpeakers }) {
  const speaker = params.get("speaker");
  if (!speaker && params.get("speak") !== "1") return null;
  const log = new VoiceLog();
  window.__hallqVoiceLog = log;
  let scope = floor ? { floors: [floor] } : null;
  if (speaker) {
    const published = await loadSpeakers();
    const group = published.speakers.find((g) => g.id === speaker);
    if (!group) {
      const known = published.speakers.map((g) => g.id).join(", ");
      console.warn(`hallq voice: the hall has no speaker group ${speaker} (its groups: ${known}); silent`);
      log.record("error", null, `unknown speaker group ${speaker}`);
      return null;
    }
    scope = { windows: group.windows };
  }
  const rule = new SpokenCalls(scope);
  const queue = new VoiceQueue(voicePlayer(), log, now);
  return {
    hear(message) {
      const { call, skip, madeAt } = rule.judge(message, now());
      if (skip === "stale") log.record("skip", announcementUrl(call, speaker), "stale");
      if (call && !skip) queue.say(announcementUrl(call, speaker), madeAt === null ? null : madeAt + rule.staleMs);
    },
  };
}
