// The language of the page: Korean by default, English on request; remembered on this device.
import { catalogue } from "./catalogue.js";

const KEY = "vb.lang";
let current = pick();

function pick() {
  const stored = localStorage.getItem(KEY);
  if (stored === "ko" || stored === "en") return stored;
  const asked = new URLSearchParams(location.search).get("lang");
  return asked === "en" ? "en" : "ko";
}

export function lang() {
  return current;
}

export function setLang(value) {
  current = value === "en" ? "en" : "ko";
  localStorage.setItem(KEY, current);
  document.documentElement.lang = current;
}

/** The text of `key` in the page's language, with {name} placeholders filled from `params`. */
export function t(key, params = {}) {
  const entry = catalogue[key];
  if (!entry) {
    // A missing key is a bug the tests catch (they scan the catalogue); show the key rather than nothing.
    return key;
  }
  const text = current === "en" ? entry[1] : entry[0];
  return text.replace(/\{(\w+)\}/g, (_, name) => (params[name] ?? `{${name}}`));
}

/** A name from the API in the page's language: `name_ko` in Korean when there is one. */
export function localName(item, fallback = "") {
  if (!item) return fallback;
  return (current === "ko" && item.name_ko) || item.name || item.name_ko || item.key || fallback;
}

document.documentElement.lang = current;
