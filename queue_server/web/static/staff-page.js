// What the staff pages share (the clerk console and the manager console): the message bar
// (#info, #error with #error-text) and logging in and out with the login form
// (#username, #password); each page keeps its own session state.

import { api } from "./api.js";
import { el } from "./words.js";

const $ = (id) => document.getElementById(id);
const INFO_MS = 6000;
const RETRY_MS = 3000;

let infoTimer = null;
let errorShown = null; // the text of the error bar's last message

/** `detail`, when given, is shown under the text in small print (e.g. the server's words). */
export function showError(text, { detail = "" } = {}) {
  clearTimeout(infoTimer);
  $("info").hidden = true;
  $("error-text").replaceChildren(text, ...(detail ? [el("small", "message-detail", detail)] : []));
  $("error").hidden = false;
  errorShown = text;
}

/** Takes the error bar away when it still says `text`: news has made it untrue. */
export function withdrawError(text) {
  if (errorShown === text) $("error").hidden = true;
}

/** A `sticky` message stays until the next one: for news the clerk must not miss. */
export function showInfo(text, { sticky = false } = {}) {
  $("error").hidden = true;
  const info = $("info");
  info.textContent = text;
  info.hidden = false;
  clearTimeout(infoTimer);
  if (sticky) return;
  infoTimer = setTimeout(() => {
    info.hidden = true;
  }, INFO_MS);
}

export function clearMessages() {
  clearTimeout(infoTimer);
  $("error").hidden = true;
  $("info").hidden = true;
}

/**
 * The login form's submit: a new session, its token kept for this browser tab under
 * `tokenKey`. Returns the token; a refusal is thrown (the button is usable again either way).
 */
export async function logIn(event, tokenKey) {
  event.preventDefault();
  const button = event.target.querySelector("button[type=submit]");
  button.disabled = true;
  try {
    const answer = await api("POST", "/api/v1/session", {
      body: { username: $("username").value.trim(), password: $("password").value },
    });
    sessionStorage.setItem(tokenKey, answer.token);
    $("password").value = "";
    clearMessages();
    return answer.token;
  } finally {
    button.disabled = false;
  }
}

/** Ends the session on the server; one that had expired already counts as ended. */
export async function logOut(token) {
  try {
    await api("DELETE", "/api/v1/session", { token });
  } catch (error) {
    if (error.status !== 401) throw error;
  }
}

/** Who `token` belongs to, or null when the session has expired; other failures thrown. */
async function whoAmI(token) {
  try {
    return await api("GET", "/api/v1/session", { token });
  } catch (error) {
    if (error.status === 401) return null;
    throw error;
  }
}

/**
 * Who holds `token` when a page opens with one: the person, or null when the session has
 * expired. While the server cannot say, the failure is shown, `retry` is called again in a
 * while, and the answer is undefined.
 */
export async function sessionOwner(token, retry) {
  try {
    return await whoAmI(token);
  } catch (error) {
    showError(error.message);
    setTimeout(retry, RETRY_MS);
    return undefined;
  }
}
