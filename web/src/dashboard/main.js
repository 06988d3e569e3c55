import "../shared/base.css";
import { frame, loadBranding, startRouter } from "../shared/layout.js";
import { h, show } from "../shared/dom.js";
const router = startRouter({ home: ({ main }) => show(main, h("h1", {}, "dashboard")) }, "home", () => frame("dashboard", [], () => router.go()));
await loadBranding();
router.go();
