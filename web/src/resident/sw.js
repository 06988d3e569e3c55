// The resident app's service worker: the app's files are kept on the device (so it opens instantly and installs
// as an app); the API is always asked over the network (balances and requests must be current).
const VERSION = "vb-%VERSION%";
const ASSETS = "%ASSETS%";

self.addEventListener("install", (event) => {
  event.waitUntil(caches.open(VERSION).then((cache) => cache.addAll(["/app/", ...ASSETS])).then(() => self.skipWaiting()));
});

self.addEventListener("activate", (event) => {
  event.waitUntil(caches.keys()
    .then((keys) => Promise.all(keys.filter((k) => k.startsWith("vb-") && k !== VERSION).map((k) => caches.delete(k))))
    .then(() => self.clients.claim()));
});

self.addEventListener("fetch", (event) => {
  const url = new URL(event.request.url);
  if (event.request.method !== "GET" || url.origin !== location.origin) return;
  if (url.pathname.startsWith("/assets/")) {
    event.respondWith(caches.match(event.request).then((hit) => hit || fetch(event.request)));
  } else if (url.pathname === "/app/" || url.pathname === "/app/index.html") {
    // The page: the network first (a new build names new files), the kept copy when offline.
    event.respondWith(fetch(event.request).catch(() => caches.match("/app/")));
  }
});
