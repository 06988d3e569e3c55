// One transaction of the bank's contracts, in words (GET /tx/<hash>): the resident app links here for each entry of
// a history when the city has no block explorer. Residents' addresses are shown short; amounts in coins and won.
import { api } from "../shared/api.js";
import { h, show, status } from "../shared/dom.js";
import { localName, t } from "../shared/i18n.js";
import { coins, dateTime, shortAddress, won } from "../shared/format.js";
import { groupDigits } from "../shared/charts.js";
import { categoryName, centreName, names, statistics, tokenInfo, unitsText } from "./data.js";

const HASH = /^0x[0-9a-fA-F]{64}$/;
const ZERO = "0x0000000000000000000000000000000000000000";

/** Who an address is, when the statistics or the directory name it (contracts, providers, charities); else its
 * short form. */
function who(address, known) {
  return known.get(String(address).toLowerCase()) || shortAddress(address);
}

function money(wei, rate) {
  const w = won(wei, rate);
  return w === null ? t("coins.amount", { amount: coins(wei) }) : t("tx.money", { coins: coins(wei), won: w });
}

/** [sentence, details] of one event. */
function describe(e, ctx) {
  const a = e.args || {};
  const { rate, known } = ctx;
  switch (e.event) {
    case "ActivityAttested": {
      const category = ctx.categories.get(Number(a.category)) || { id: Number(a.category) };
      const centreId = parseInt(String(a.id).slice(2, 10), 16);
      const centre = ctx.centres.get(centreId) || { id: centreId };
      return t("tx.ActivityAttested", {
        category: categoryName(category, ctx.dir), units: unitsText(a.units, category.unit),
        centre: centreName(centre, ctx.dir), who: shortAddress(a.volunteer), amount: money(a.amount, rate),
        date: dateTime(new Date(Number(a.time) * 1000).toISOString()),
      });
    }
    case "ActivityRevoked":
      return t("tx.ActivityRevoked", { who: shortAddress(a.volunteer), amount: money(a.amount, rate),
        clawed: money(a.clawedBack, rate), debt: money(a.debtAdded, rate) });
    case "BatchAttested":
      return t("tx.BatchAttested", { centre: centreName(ctx.centres.get(Number(a.centreId)) || { id: Number(a.centreId) }, ctx.dir),
        count: a.count, amount: money(a.total, rate) });
    case "DebtNetted":
      return t("tx.DebtNetted", { who: shortAddress(a.volunteer), amount: money(a.repaid, rate) });
    case "Transfer":
      if (a.from === ZERO) return t("tx.minted", { who: who(a.to, known), amount: money(a.value, rate) });
      if (a.to === ZERO) return t("tx.burned", { who: who(a.from, known), amount: money(a.value, rate) });
      return t("tx.Transfer", { from: who(a.from, known), to: who(a.to, known), amount: money(a.value, rate) });
    case "VoucherIssued":
      return t("tx.VoucherIssued", { id: a.voucherId, who: shortAddress(a.resident), provider: who(a.provider, known),
        amount: money(a.price, rate) });
    case "VoucherFulfilled":
      return t("tx.VoucherFulfilled", { id: a.voucherId, provider: who(a.provider, known) });
    case "Donated":
      return t("tx.Donated", { who: shortAddress(a.donor), charity: who(a.charity, known), amount: money(a.amount, rate) });
    case "ServicePaid":
      return t("tx.ServicePaid", { from: shortAddress(a.payer), to: shortAddress(a.payee), amount: money(a.amount, rate) });
    case "Settled":
      return t("tx.Settled", { provider: who(a.provider, known), coins: coins(a.amount), won: groupDigits(String(a.wonAmount)) });
    case "WonPerCoinSet":
      return t("tx.WonPerCoinSet", { won: a.wonPerCoin });
    default:
      return t("tx.other", { event: e.event, contract: e.contract });
  }
}

function argsList(args) {
  return h("dl", { class: "pairs stack args" }, Object.entries(args || {}).map(([key, value]) => [
    h("dt", {}, key), h("dd", { class: "mono" }, String(value)),
  ]));
}

export async function txScreen({ main, params }) {
  const hash = params[0] || "";
  const title = h("h1", {}, t("tx.title"));
  const back = h("p", {}, h("a", { href: "#/figures" }, t("tx.back")));
  if (!HASH.test(hash)) {
    show(main, title, status(t("tx.bad_hash"), "error"), back);
    return;
  }
  show(main, title, status(t("loading")));
  let tx;
  try {
    tx = await api(`/tx/${hash}`);
  } catch (error) {
    show(main, title, h("p", { class: "mono hint" }, hash), status(error.message, "error"), back);
    return;
  }
  const [dir, stats, token] = await Promise.all([names(), statistics().catch(() => null), tokenInfo()]);
  const rate = token?.won_per_coin ?? stats?.won_per_coin ?? null;
  const known = new Map();
  for (const [name, address] of Object.entries(stats?.contracts || {})) known.set(address.toLowerCase(), t(`tx.contract.${name}`));
  for (const row of stats?.rows || []) {
    if (row.organisation_address && row.organisation) known.set(row.organisation_address.toLowerCase(), row.organisation);
  }
  for (const org of [...(dir?.providers || []), ...(dir?.charities || [])]) {
    if (org.address && (org.name || org.name_ko)) known.set(org.address.toLowerCase(), localName(org, org.key));
  }
  const ctx = {
    rate, known, dir,
    centres: new Map((stats?.centres || []).map((c) => [c.id, c])),
    categories: new Map((stats?.categories || []).map((c) => [c.id, c])),
  };
  show(main,
    title,
    h("dl", { class: "pairs stack", id: "tx-facts" },
      h("dt", {}, t("tx.hash")), h("dd", { class: "mono" }, tx.tx_hash),
      h("dt", {}, t("tx.block")), h("dd", { "data-value": tx.block_number }, String(tx.block_number)),
      tx.time ? [h("dt", {}, t("tx.time")), h("dd", {}, h("time", { datetime: tx.time }, dateTime(tx.time)))] : null),
    h("h2", {}, t("tx.what")),
    h("ol", { class: "tx-events", id: "tx-events" }, tx.events.map((e) => h("li", { class: "card", "data-event": e.event },
      h("p", { class: "tx-sentence" }, describe(e, ctx)),
      h("details", {}, h("summary", {}, t("tx.details")),
        h("p", { class: "hint" }, t("tx.record", { contract: e.contract, event: e.event, index: e.log_index })),
        argsList(e.args))))),
    rate ? h("p", { class: "hint" }, t("tx.rate", { won: rate })) : null,
    back);
}
