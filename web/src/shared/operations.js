// What staff screens share about the backend's chain operations and files.
import { api } from "./api.js";
import { h } from "./dom.js";

/** Follows a queued chain operation (GET /operations/{id}, once a second) until it is confirmed or failed. */
export async function untilMined(op, token) {
  while (op.state === "queued" || op.state === "in_tx") {
    await new Promise((resolve) => setTimeout(resolve, 1000));
    op = await api(`/operations/${op.id}`, { token });
  }
  return op;
}

/** Hands a fetched file to the browser as a download (the request needed the session's token, a link cannot). */
export async function saveAs(response, filename) {
  const url = URL.createObjectURL(await response.blob());
  const a = h("a", { href: url, download: filename });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}
