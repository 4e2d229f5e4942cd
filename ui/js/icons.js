// The cards' icons as inline SVG filled with the text colour. (A CSS mask with an SVG image
// drew the same thing but held the first frame back by about 150 ms in WebKitGTK: measured
// with scripts/bench-start.py.) The paths are ui/img/ticket.svg and ui/img/shield.svg.
import { el } from "./ui.js";

const PATHS = {
  ticket: "M4 6.5A2.5 2.5 0 0 1 6.5 4h11A2.5 2.5 0 0 1 20 6.5v2.1a.75.75 0 0 1-.6.74 1.7 1.7 0 0 0 0 3.32.75.75 0 0 1 .6.74v2.1a2.5 2.5 0 0 1-2.5 2.5h-11A2.5 2.5 0 0 1 4 15.5v-2.1a.75.75 0 0 1 .6-.74 1.7 1.7 0 0 0 0-3.32.75.75 0 0 1-.6-.74Zm2.5-1a1 1 0 0 0-1 1V8a3.2 3.2 0 0 1 0 6v1.5a1 1 0 0 0 1 1H14V5.5Zm9 0v11h2a1 1 0 0 0 1-1V14a3.2 3.2 0 0 1 0-6V6.5a1 1 0 0 0-1-1Z",
  shield: "M12 2.5c.17 0 .34.06.47.17 2.2 1.8 4.6 2.73 7.28 2.83a.75.75 0 0 1 .75.75V11c0 5.02-2.92 8.56-8.24 10.45a.75.75 0 0 1-.52 0C6.42 19.56 3.5 16.02 3.5 11V6.25a.75.75 0 0 1 .75-.75c2.67-.1 5.08-1.03 7.28-2.83A.75.75 0 0 1 12 2.5Zm0 1.7C9.86 5.8 7.53 6.72 5 6.96V11c0 4.2 2.3 7.16 7 8.94 4.7-1.78 7-4.74 7-8.94V6.96c-2.53-.24-4.86-1.16-7-2.76Zm3.28 4.77a.75.75 0 0 1 .05 1.06l-4 4.5a.75.75 0 0 1-1.09.03l-2-2a.75.75 0 1 1 1.06-1.06l1.44 1.44 3.48-3.92a.75.75 0 0 1 1.06-.05Z",
};

/** A card's icon: `<span class="card-icon icon-<name> …"><svg>…</svg></span>`, hidden from screen readers. */
export function cardIcon(name, extraClass = "") {
  const path = el("path", { svg: true, d: PATHS[name] ?? PATHS.ticket });
  const svg = el("svg", { svg: true, viewBox: "0 0 24 24", focusable: "false" }, [path]);
  return el("span", { class: ["card-icon", `icon-${name}`, extraClass], "aria-hidden": "true" }, [svg]);
}
