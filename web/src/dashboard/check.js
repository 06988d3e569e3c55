// How anyone re-checks the figures: the contracts, the block they are computed to, and the steps to compute them
// again from the chain alone (scripts/recompute_statistics.py, or eth_getLogs by hand; docs/statistics.md).
import { h, show, status } from "../shared/dom.js";
import { t } from "../shared/i18n.js";
import { groupDigits } from "../shared/charts.js";
import { statistics, tokenInfo } from "./data.js";

// The events the figures are made of (backend/domain/statistics.py EVENTS), per contract.
const EVENTS = {
  ActivityRegistry: ["CentreAdded", "CategoryRuleSet", "ActivityAttested", "ActivityRevoked", "DebtNetted"],
  Redemption: ["WonPerCoinSet", "VoucherIssued", "VoucherFulfilled", "Donated", "ServicePaid", "Settled"],
};

function code(text) {
  return h("pre", { class: "code", tabindex: "0" }, h("code", {}, text));
}

function addressCell(address, explorer) {
  const text = h("span", { class: "mono" }, address);
  return explorer ? h("a", { href: `${explorer.replace(/\/$/, "")}/address/${address}`, rel: "noopener" }, text) : text;
}

export async function checkScreen({ main }) {
  const title = h("h1", {}, t("check.title"));
  show(main, title, status(t("loading")));
  let stats;
  let token;
  try {
    [stats, token] = await Promise.all([statistics(), tokenInfo()]);
  } catch (error) {
    show(main, title, status(error.status === 503 ? t("figures.not_ready") : error.message, "error"));
    return;
  }
  const explorer = token?.network?.explorer_url || null;
  const rpc = token?.network?.rpc_urls?.[0] || null;
  const site = location.origin;
  const rpcText = rpc || "<RPC>";
  const contracts = Object.entries(stats.contracts);
  const logsRequest = JSON.stringify({
    jsonrpc: "2.0", id: 1, method: "eth_getLogs",
    params: [{ address: [stats.contracts.ActivityRegistry, stats.contracts.Redemption].filter(Boolean),
      fromBlock: `0x${stats.from_block.toString(16)}`, toBlock: `0x${stats.to_block.toString(16)}` }],
  });
  const blockRequest = JSON.stringify({ jsonrpc: "2.0", id: 1, method: "eth_getBlockByNumber",
    params: [`0x${stats.to_block.toString(16)}`, false] });

  show(main,
    title,
    h("p", {}, t("check.intro")),

    h("h2", {}, t("check.basis")),
    h("dl", { class: "pairs stack", id: "basis" },
      h("dt", {}, t("check.chain_id")), h("dd", { "data-value": stats.chain_id }, String(stats.chain_id)),
      h("dt", {}, t("check.blocks")),
      h("dd", { "data-from": stats.from_block, "data-to": stats.to_block },
        t("check.block_range", { from: groupDigits(String(stats.from_block)), to: groupDigits(String(stats.to_block)) })),
      h("dt", {}, t("check.block_hash")), h("dd", { class: "mono", "data-value": stats.to_block_hash }, stats.to_block_hash),
      h("dt", {}, t("check.rate")), h("dd", {}, t("figures.rate", { won: groupDigits(String(stats.won_per_coin)) }))),
    h("p", { class: "hint" }, t("check.recent_blocks")),

    h("h2", {}, t("check.contracts")),
    h("div", { class: "table-scroll", role: "region", "aria-labelledby": "contracts-caption", tabindex: "0" },
      h("table", { id: "contracts" },
        h("caption", { id: "contracts-caption" }, t("check.contracts_caption")),
        h("thead", {}, h("tr", {}, h("th", { scope: "col" }, t("check.contract")), h("th", { scope: "col" }, t("check.address")))),
        h("tbody", {}, contracts.map(([name, address]) => h("tr", {},
          h("th", { scope: "row" }, h("span", { class: "contract-name" }, name),
            h("span", { class: "hint contract-role" }, t(`check.role.${name}`))),
          h("td", { "data-value": address }, addressCell(address, explorer))))))),

    h("h2", {}, t("check.how")),
    h("ol", { class: "check-steps" },
      h("li", {}, h("p", {}, t("check.step.repo"))),
      h("li", {}, h("p", {}, rpc ? t("check.step.rpc_known") : t("check.step.rpc_unknown")),
        rpc ? code(rpc) : null),
      h("li", {}, h("p", {}, t("check.step.script")),
        code(`source tools/env.sh\npython scripts/recompute_statistics.py --rpc-url ${rpcText} --compare ${site}`),
        h("p", { class: "hint" }, t("check.step.script_result", { block: groupDigits(String(stats.to_block)) }))),
      h("li", {}, h("p", {}, t("check.step.own")),
        code(`python scripts/recompute_statistics.py --rpc-url ${rpcText} --to-block ${stats.to_block} --format csv --out mine.csv`),
        h("p", { class: "hint" }, t("check.step.own_hint"))),
      h("li", {}, h("p", {}, t("check.step.logs")),
        code(`curl -s ${rpcText} -H 'Content-Type: application/json' \\\n  -d '${logsRequest}'`),
        h("p", { class: "hint" }, t("check.step.logs_events", {
          registry: EVENTS.ActivityRegistry.join(", "), redemption: EVENTS.Redemption.join(", "),
        }))),
      h("li", {}, h("p", {}, t("check.step.hash", { block: groupDigits(String(stats.to_block)) })),
        code(`curl -s ${rpcText} -H 'Content-Type: application/json' \\\n  -d '${blockRequest}'`))),

    h("h2", {}, t("check.download")),
    h("ul", { class: "links" },
      h("li", {}, h("a", { href: "/statistics.csv", download: "" }, t("figures.download_csv"))),
      h("li", {}, h("a", { href: "/statistics" }, t("figures.download_json")))),
    h("p", { class: "hint" }, t("check.download_hint")));
}
