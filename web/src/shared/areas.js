// The neighbourhoods the city registered (GET /areas), code → name, read once per page.
import { api } from "./api.js";

let names = null;
export async function areaNames() {
  names = names || Object.fromEntries((await api("/areas")).map((a) => [a.code, a.name]));
  return names;
}
