// Builds the apps into dist/ (served by the backend: backend/api/web.py). Output names carry a content hash,
// so a browser may keep them for ever; the HTML pages are written last and name the hashed files.
//   node build.mjs            one build
//   node build.mjs --watch    rebuild on change (for development)
import * as esbuild from "esbuild";
import { createHash } from "node:crypto";
import { cpSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const target = join(here, "dist");
// Built beside dist/ and swapped in at the end, so a server never sees half a build.
const dist = join(here, `dist.tmp-${process.pid}`);
const apps = ["resident", "desk", "dashboard", "console", "verify", "kiosk"];
// Where each app is served (the resident app is the PWA at /app/).
const mount = { resident: "app", desk: "desk", dashboard: "dashboard", console: "console", verify: "verify", kiosk: "kiosk" };

async function build() {
  rmSync(dist, { recursive: true, force: true });
  mkdirSync(join(dist, "assets"), { recursive: true });
  const result = await esbuild.build({
    entryPoints: Object.fromEntries(apps.map((a) => [a, join(here, "src", a, "main.js")])),
    bundle: true, splitting: true, format: "esm", minify: true, sourcemap: false,
    target: ["chrome100", "safari15", "firefox100"], platform: "browser",
    outdir: join(dist, "assets"), entryNames: "[name]-[hash]", chunkNames: "chunk-[hash]",
    assetNames: "[name]-[hash]", metafile: true, legalComments: "none", charset: "utf8",
    loader: { ".css": "css" },
  });
  const outputs = result.metafile.outputs;
  const entry = {};
  const css = {};
  for (const [file, meta] of Object.entries(outputs)) {
    if (!meta.entryPoint) continue;
    const app = apps.find((a) => meta.entryPoint.endsWith(`src/${a}/main.js`));
    if (!app) continue; // a chunk loaded on demand (the QR decoder), not an app
    entry[app] = "/" + file.slice(file.indexOf("assets/"));
    if (meta.cssBundle) css[app] = "/" + meta.cssBundle.slice(meta.cssBundle.indexOf("assets/"));
  }
  // One page for every app (src/shared/page.html); the resident app adds its web manifest (it installs as an app).
  const template = readFileSync(join(here, "src", "shared", "page.html"), "utf8");
  const head = { resident: '<link rel="manifest" href="/web/manifest.webmanifest">\n' };
  for (const app of apps) {
    const page = template.replace("%HEAD%", head[app] || "")
      .replaceAll("%SCRIPT%", entry[app]).replaceAll("%STYLE%", css[app] || "");
    mkdirSync(join(dist, mount[app]), { recursive: true });
    writeFileSync(join(dist, mount[app], "index.html"), page);
  }
  // The service worker lives at /app/sw.js so that its scope is the resident app; it names this build's files.
  const assets = Object.keys(outputs).map((f) => "/" + f.slice(f.indexOf("assets/")))
    .filter((f) => /resident|chunk/.test(f) || f === css.resident);
  const version = createHash("sha256").update(JSON.stringify(assets)).digest("hex").slice(0, 12);
  const sw = readFileSync(join(here, "src", "resident", "sw.js"), "utf8")
    .replace("%VERSION%", version).replace('"%ASSETS%"', JSON.stringify(assets));
  writeFileSync(join(dist, "app", "sw.js"), sw);
  if (existsSync(join(here, "public"))) cpSync(join(here, "public"), dist, { recursive: true }); // static files, if any
  writeFileSync(join(dist, "build.json"), JSON.stringify({ entry, css, version }, null, 1));
  // Which file each app loads at once and which only on demand (bench/web.py weighs the resident app from it).
  const graph = Object.fromEntries(Object.entries(outputs).filter(([f]) => f.endsWith(".js")).map(([f, m]) => [
    "/" + f.slice(f.indexOf("assets/")),
    { imports: m.imports.filter((i) => !i.external).map((i) => ({ path: "/" + i.path.slice(i.path.indexOf("assets/")), kind: i.kind })) },
  ]));
  writeFileSync(join(dist, "meta.json"), JSON.stringify(graph, null, 1));
  const old = join(here, `dist.old-${process.pid}`);
  if (existsSync(target)) renameSync(target, old);
  renameSync(dist, target);
  rmSync(old, { recursive: true, force: true });
  return result;
}

if (process.argv.includes("--watch")) {
  const { watch } = await import("node:fs");
  await build();
  let timer = null;
  watch(join(here, "src"), { recursive: true }, () => {
    clearTimeout(timer);
    timer = setTimeout(() => build().then(() => console.log("rebuilt")).catch((e) => console.error(e.message)), 100);
  });
  console.log("watching web/src");
} else {
  await build();
}
