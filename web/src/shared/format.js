// Amounts: the coin has 18 decimals and arrives as a decimal string of its smallest unit; shown in coins (up to
// two decimals, never rounded up) and in won side by side.
import { lang } from "./i18n.js";

const UNIT = 10n ** 18n;

export function coins(wei) {
  const value = BigInt(wei || 0);
  const negative = value < 0n;
  const abs = negative ? -value : value;
  const whole = abs / UNIT;
  const cents = (abs % UNIT) / 10n ** 16n; // two decimals, truncated
  const grouped = whole.toLocaleString(lang() === "en" ? "en-GB" : "ko-KR");
  const text = cents ? `${grouped}.${cents.toString().padStart(2, "0").replace(/0$/, "")}` : grouped;
  return negative ? `-${text}` : text;
}

/** The won a provider is paid for `wei` coins at `wonPerCoin`. */
export function won(wei, wonPerCoin) {
  if (!wonPerCoin) return null;
  const value = (BigInt(wei || 0) * BigInt(wonPerCoin)) / UNIT;
  return value.toLocaleString(lang() === "en" ? "en-GB" : "ko-KR");
}

/** A decimal string of coins typed by a person ("2", "1.5") → wei as a string, or null if it is not an amount. */
export function parseCoins(text, decimals = 2) {
  let cleaned = String(text).trim();
  // "1,5" as typed on a keypad whose decimal mark is a comma; otherwise commas group thousands ("1,000").
  cleaned = /^\d+,\d{1,2}$/.test(cleaned) ? cleaned.replace(",", ".") : cleaned.replace(/,(?=\d{3}(\D|$))/g, "");
  if (!new RegExp(`^\\d{1,12}(\\.\\d{1,${decimals}})?$`).test(cleaned)) return null;
  const [whole, frac = ""] = cleaned.split(".");
  const wei = BigInt(whole) * UNIT + BigInt(frac.padEnd(18, "0").slice(0, 18));
  return wei > 0n ? wei.toString() : null;
}

export function dateTime(iso) {
  if (!iso) return "";
  const d = new Date(iso);
  return d.toLocaleString(lang() === "en" ? "en-GB" : "ko-KR", {
    year: "numeric", month: "long", day: "numeric", hour: "2-digit", minute: "2-digit",
  });
}

export function date(iso) {
  if (!iso) return "";
  return new Date(iso).toLocaleDateString(lang() === "en" ? "en-GB" : "ko-KR", { year: "numeric", month: "long", day: "numeric" });
}

/** Exact coins of `wei`, every decimal kept ("2.125"): for a form that sends the amount back. */
export function exactCoins(wei) {
  const value = BigInt(wei || 0);
  const whole = value / UNIT;
  const frac = (value % UNIT).toString().padStart(18, "0").replace(/0+$/, "");
  return frac ? `${whole}.${frac}` : `${whole}`;
}

/** 0x1234…abcd: enough to recognise an address, short enough for a phone. */
export function shortAddress(address) {
  return address ? `${address.slice(0, 6)}…${address.slice(-4)}` : "";
}
