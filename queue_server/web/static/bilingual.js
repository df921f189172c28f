// The hall's second language on the boards and window screens: every text in Chinese and,
// when the hall config names a second_language, in that language at the same size.
//
// Traditional Mongolian (…-Mong) is written vertically and goes first, on the left of the
// Chinese (the Inner Mongolia rule); right-to-left scripts (Uyghur ug-Arab …) get dir="rtl"
// and follow the Chinese. The fixed words are in words.js, names come from the hall config.

import { SECOND_LANGUAGE_WORDS, el } from "./words.js";

const RTL_SCRIPTS = new Set(["arab", "hebr", "syrc", "thaa", "nkoo", "adlm", "rohg"]);
const RTL_LANGUAGES = new Set(["ar", "fa", "ug", "ur", "ps", "ckb", "sd", "he", "yi", "dv"]);

/**
 * What the page needs to know about a BCP 47 tag, or null for none:
 * {tag, vertical, rtl, first, words}.
 */
export function secondLanguage(tag) {
  if (!tag) return null;
  const parts = String(tag).split("-");
  const lang = parts[0].toLowerCase();
  const script = parts.find((p, i) => i > 0 && p.length === 4)?.toLowerCase() ?? "";
  const vertical = script === "mong";
  const rtl = script ? RTL_SCRIPTS.has(script) : RTL_LANGUAGES.has(lang);
  const words =
    SECOND_LANGUAGE_WORDS[tag] ??
    Object.entries(SECOND_LANGUAGE_WORDS).find(([key]) => key.toLowerCase() === String(tag).toLowerCase())?.[1] ??
    Object.entries(SECOND_LANGUAGE_WORDS).find(([key]) => key.split("-")[0] === lang)?.[1] ??
    {};
  return { tag: String(tag), vertical, rtl, first: vertical, words };
}

/** The second language's fixed word `key` with {n} filled in; "" when it has none. */
export function word(language, key, n = "") {
  const text = language?.words?.[key];
  return text ? text.replaceAll("{n}", n) : "";
}

/** Fills `node` with the Chinese text and its second-language `alt` (none: Chinese only). */
export function fill(node, zh, alt, language) {
  if (!language || !alt) {
    node.classList.remove("bi", "bi-vertical", "bi-rtl");
    node.textContent = zh;
    return node;
  }
  node.classList.add("bi");
  node.classList.toggle("bi-vertical", language.vertical);
  node.classList.toggle("bi-rtl", language.rtl);
  const chinese = el("span", "bi-zh", zh);
  chinese.lang = "zh-CN";
  const other = el("span", "bi-alt", alt);
  other.lang = language.tag;
  if (language.rtl) other.dir = "rtl";
  node.replaceChildren(...(language.first ? [other, chinese] : [chinese, other]));
  return node;
}

/** A new element holding the Chinese text and its second-language `alt`. */
export function pair(tag, className, zh, alt, language) {
  return fill(el(tag, className), zh, alt, language);
}

/** Fills `node` with the Chinese text and the second language's word `key` ({n} = n). */
export function fillWord(node, zh, key, language, n = "") {
  return fill(node, zh, word(language, key, n), language);
}

/**
 * The date in the second language ("2025 ᠣᠨ ᠤ 3 ᠰᠠᠷ᠎ᠠ ᠶᠢᠨ 5 ᠭᠠᠷᠠᠭ ᠤᠨ ᠭᠤᠷᠪᠠᠨ"): `day` is
 * {year, month, day, weekday} with weekday 0 = Sunday; "" when the language has no words.
 */
export function dateWords(language, day) {
  const date = language?.words?.date;
  if (!date) return "";
  const text = date.replaceAll("{y}", day.year).replaceAll("{m}", day.month).replaceAll("{d}", day.day);
  const weekday = language.words.weekdays?.[day.weekday];
  return weekday ? `${text} ${weekday}` : text;
}
