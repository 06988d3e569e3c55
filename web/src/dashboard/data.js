// What the dashboard reads (GET /statistics, /directory, /token) and the exact sums it makes of the rows: coins and
// won are exact decimal strings, added as integers of 10^-18 (BigInt), printed like the API prints them
// (backend/domain/statistics.py decimal_text, hours_text), so a group of rows shows what the API's own filter gives.
import { api } from "../shared/api.js";
import { catalogue } from "../shared/catalogue.js";
import { localName, t } from "../shared/i18n.js";

const SCALE = 10n ** 18n;
// Units of time a category may be counted in, in seconds (statistics.TIME_UNITS).
const TIME_UNITS = { second: 1, seconds: 1, minute: 60, minutes: 60, hour: 3600, hours: 3600 };

/** "116.55" → 116550000000000000000n (exact: the API never gives more than 18 decimals). */
export function toScaled(text) {
  const m = /^(-?)(\d+)(?:\.(\d{1,18}))?$/.exec(String(text ?? "0"));
  if (!m) return 0n;
  const value = BigInt(m[2]) * SCALE + BigInt((m[3] || "").padEnd(18, "0"));
  return m[1] ? -value : value;
}

/** The API's decimal_text: 6 → "6", 0.1 → "0.1", no trailing zeros. */
export function decimalText(scaled) {
  const negative = scaled < 0n;
  const abs = negative ? -scaled : scaled;
  const whole = abs / SCALE;
  const rest = abs % SCALE;
  const text = rest ? `${whole}.${rest.toString().padStart(18, "0").replace(/0+$/, "")}` : `${whole}`;
  return negative ? `-${text}` : text;
}

/** The API's hours_text: seconds / 3600 rounded half up to two decimals (7 minutes → "0.12"). */
export function hoursText(seconds) {
  const cents = (seconds * 100n + 1800n) / 3600n;
  const whole = cents / 100n;
  const rest = cents % 100n;
  return rest ? `${whole}.${rest.toString().padStart(2, "0").replace(/0$/, "")}` : `${whole}`;
}

/** The query string of the figures' filters ({centre, category, from, to}), empty ones left out. */
export function query(filters) {
  const params = new URLSearchParams();
  for (const key of ["centre", "category", "from", "to"]) if (filters[key]) params.set(key, filters[key]);
  return params.toString();
}

export function statistics(filters = {}) {
  const q = query(filters);
  return api(`/statistics${q ? `?${q}` : ""}`);
}

let directory = null;

/** The names of centres and categories in both languages (GET /directory), or null where it does not exist yet. */
export async function names() {
  if (directory) return directory.value;
  try {
    directory = { value: await api("/directory") };
  } catch {
    directory = { value: null };
  }
  return directory.value;
}

let token = null;

/** GET /token (the coin, the won rate, the network), or null. */
export async function tokenInfo() {
  if (token) return token.value;
  try {
    token = { value: await api("/token") };
  } catch {
    token = { value: null };
  }
  return token.value;
}

export function centreName(centre, dir) {
  const found = dir?.centres?.find((c) => c.id === centre.id);
  if (found && (found.name || found.name_ko)) return localName(found, centre.key);
  return centre.key ? t("figures.centre_key", { id: centre.id, key: centre.key }) : t("history.centre", { id: centre.id });
}

export function categoryName(category, dir) {
  const found = dir?.categories?.find((c) => c.id === category.id);
  if (found && (found.name || found.name_ko)) return localName(found, category.key);
  if (category.key && catalogue[`category.${category.key}`]) return t(`category.${category.key}`);
  return category.key || t("figures.category_n", { id: category.id });
}

/** An amount in a category's own unit, in words: 360 minutes → "360분". */
export function unitsText(units, unit, grouped = String(units)) {
  const key = { minute: "unit.minutes", minutes: "unit.minutes", hour: "unit.hours", hours: "unit.hours" }[unit] || `unit.${unit}`;
  if (!catalogue[key]) return `${grouped} ${unit || ""}`.trim();
  return t(key, { n: grouped, minutes: grouped, hours: grouped });
}

function secondsOf(row, categories) {
  const category = categories.get(row.category_id);
  if (!category || !category.counts_as_hours) return 0n;
  return BigInt(row.units || 0) * BigInt(TIME_UNITS[String(category.unit || "").trim().toLowerCase()] || 0);
}

/**
 * The rows summed by `keyOf(row)` (rows it gives null are skipped): per key {count, units, seconds, coins, won}
 * per flow (coins and won scaled by 10^18), and text(flow, field) giving the API's string.
 */
export function groupRows(stats, keyOf) {
  const categories = new Map(stats.categories.map((c) => [c.id, c]));
  const groups = new Map();
  for (const row of stats.rows) {
    const key = keyOf(row);
    if (key === null || key === undefined) continue;
    if (!groups.has(key)) groups.set(key, {});
    const group = groups.get(key);
    const sums = group[row.flow] || (group[row.flow] = { count: 0n, units: 0n, seconds: 0n, coins: 0n, won: 0n });
    sums.count += BigInt(row.count);
    sums.units += BigInt(row.units || 0);
    sums.seconds += secondsOf(row, categories);
    sums.coins += toScaled(row.coins);
    sums.won += toScaled(row.won);
  }
  return groups;
}

/** The API's text of one sum of a group: "0" where the group has no row of that flow. */
export function sumText(group, flow, field) {
  const sums = group?.[flow];
  if (!sums) return "0";
  if (field === "hours") return hoursText(sums.seconds);
  if (field === "coins" || field === "won") return decimalText(sums[field]);
  return sums[field].toString();
}
