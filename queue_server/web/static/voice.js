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
    this.setScope(scope);
    this.staleMs = staleMs;
    this.lastSeq = null;
  }

  /** From now on, speaks the calls of `scope` (as the constructor's). */
  setScope(scope) {
    this.scope = scope && { windows: new Set(scope.windows ?? []), floors: new Set(scope.floors ?? []) };
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
 * Starts a board's voice, unless the board is silent. `?speaker=ID` speaks that speaker
 * group's calls in its words (the groups come from GET /voice/speakers through `loadSpeakers`);
 * `?speak=1` speaks the calls of the board's floor filter (every floor without one) in the
 * hall's words. `listen(hear, onStatus)` opens a board stream of the voice's own that calls
 * `hear` with every message, in order, and `onStatus` as api.js's Stream does: the board's
 * stream starts over from a snapshot when it wants a fresh one (back online, a longest wait
 * to learn), and the calls made in between would never be spoken (a snapshot is not); the
 * voice's stream only ever resumes with after_seq, as the display agent's does.
 */
export async function boardVoice({ params, floor, now, loadSpeakers, listen }) {
  const speaker = params.get("speaker");
  if (!speaker && params.get("speak") !== "1") return;
  const log = new VoiceLog();
  window.__hallqVoiceLog = log;
  const group = speaker ? await speakerGroup(speaker, loadSpeakers, log) : null;
  if (speaker && !group) return;
  const rule = new SpokenCalls(group ? { windows: group.windows } : floor ? { floors: [floor] } : null);
  const queue = new VoiceQueue(voicePlayer(), log, now);
  const judge = (message) => {
    const { call, skip, madeAt } = rule.judge(message, now());
    if (skip === "stale") log.record("skip", announcementUrl(call, speaker), "stale");
    if (call && !skip) queue.say(announcementUrl(call, speaker), madeAt === null ? null : madeAt + rule.staleMs);
  };
  // Back online, perhaps from a server restarted on a hall file that moved windows between
  // speaker groups: the group's windows are read again, as the display agent does before
  // every connection, and the messages that came meanwhile wait to be judged by them.
  let held = null; // while the group is read again: the messages to judge once it is in
  let offline = false;
  const relearn = async () => {
    held = [];
    const again = await speakerGroup(speaker, loadSpeakers, log);
    rule.setScope({ windows: again?.windows ?? [] }); // a group gone: silent
    const waiting = held;
    held = null;
    waiting.forEach(judge);
  };
  listen(
    (message) => (held ? held.push(message) : judge(message)),
    (status) => {
      if (speaker && status === "online" && offline && !held) relearn();
      offline = status !== "online";
    },
  );
}

/** The speaker group `id` as the server publishes it now, or null (logged) when it has none. */
async function speakerGroup(id, loadSpeakers, log) {
  const published = await loadSpeakers();
  const group = published.speakers.find((g) => g.id === id);
  if (!group) {
    const known = published.speakers.map((g) => g.id).join(", ");
    console.warn(`hallq voice: the hall has no speaker group ${id} (its groups: ${known}); silent`);
    log.record("error", null, `unknown speaker group ${id}`);
  }
  return group ?? null;
}
