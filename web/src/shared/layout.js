// The frame every app shares: the city's brand (config/branding.yaml through GET /web/branding), the language
// switch, the tabs of the app, a main region screens render into, and a footer with the other apps.
import { api } from "./api.js";
import { h, show, focusHeading } from "./dom.js";
import { lang, setLang, t } from "./i18n.js";

let branding = null;

export async function loadBranding() {
  if (branding) return branding;
  try {
    branding = await api("/web/branding");
  } catch {
    branding = {}; // the page still works in the default look
  }
  const colours = branding.colours || {};
  const map = { primary: "--primary", primary_text: "--primary-text", background: "--background", text: "--text", accent: "--accent" };
  for (const [key, variable] of Object.entries(map)) {
    if (colours[key]) document.documentElement.style.setProperty(variable, colours[key]);
  }
  return branding;
}

function localised(value, fallbackKey) {
  if (value && typeof value === "object") return value[lang()] || value.ko || value.en;
  return value || t(fallbackKey);
}

/**
 * Builds the frame for `app` ("resident", "desk", "dashboard") with `tabs` ([{route, label}]) and returns
 * {main, render(route)}: `render` marks the current tab.
 */
export function frame(app, tabs, onLanguage) {
  const brandName = localised(branding?.name, "brand.name");
  document.title = `${t(`app.${app}`)} · ${brandName}`;
  const langButton = h("button", {
    type: "button", lang: lang() === "ko" ? "en" : "ko",
    onclick: () => { setLang(lang() === "ko" ? "en" : "ko"); onLanguage(); },
  }, lang() === "ko" ? "English" : "한국어");
  const header = h("header", { class: "top" }, h("div", { class: "bar" },
    branding?.logo ? h("img", { src: branding.logo, alt: "" }) : null,
    h("a", { class: "brand", href: { resident: "/app/", desk: "/desk/", dashboard: "/dashboard/", console: "/console/", verify: "/verify/", kiosk: "/kiosk/" }[app] },
      brandName, h("span", { class: "visually-hidden" }, ` — ${t(`app.${app}`)}`)),
    langButton));
  const nav = tabs.length ? h("nav", { class: "tabs", "aria-label": t("nav.label") },
    h("ul", {}, tabs.map((tab) => h("li", {}, h("a", { href: `#/${tab.route}`, "data-route": tab.route }, tab.label))))) : null;
  const main = h("main", { id: "main", tabindex: "-1" });
  const contact = localised(branding?.contact, "brand.contact");
  const footer = h("footer", { class: "bottom" }, h("div", { class: "bar" },
    h("span", {}, contact),
    app !== "resident" ? h("a", { href: "/app/" }, t("app.resident")) : null,
    app !== "dashboard" ? h("a", { href: "/dashboard/" }, t("app.dashboard")) : null,
    app !== "desk" ? h("a", { href: "/desk/" }, t("app.desk")) : null));
  const skip = h("a", { class: "skip", href: "#main" }, t("nav.skip"));
  show(document.body, skip, header, nav, main, footer);
  return {
    main,
    mark(route) {
      for (const a of document.querySelectorAll("nav.tabs a")) {
        if (a.dataset.route === route) a.setAttribute("aria-current", "page");
        else a.removeAttribute("aria-current");
      }
    },
  };
}

/** A hash router: "#/offers/3" → routes["offers"]({params: ["3"]}). Re-renders on hashchange and language change. */
export function startRouter(routes, defaultRoute, renderFrame) {
  let current = null;
  async function go() {
    const [name, ...params] = (location.hash.replace(/^#\/?/, "") || defaultRoute).split("/");
    const screen = routes[name] ? name : defaultRoute;
    const { main, mark } = renderFrame();
    mark(screen);
    current = screen;
    main.setAttribute("aria-busy", "true");
    try {
      await routes[screen]({ main, params: params.map(decodeURIComponent) });
    } catch (error) {
      // A refusal of the API has the person's sentence; anything else is a bug, said in words (details in the console).
      const message = error?.name === "ApiRefusal" ? error.message : error?.key ? t(error.key) : t("error.unexpected");
      if (message === t("error.unexpected")) console.warn(error);
      show(main, h("h1", {}, t("error.title")), h("p", { role: "alert", class: "status status-error" }, message));
    }
    main.setAttribute("aria-busy", "false"); // the screen has its data (tests wait for this too)
    if (document.activeElement === document.body || !main.contains(document.activeElement)) focusHeading(main);
  }
  window.addEventListener("hashchange", go);
  return { go, get current() { return current; } };
}
