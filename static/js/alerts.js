// Alerts: unacknowledged first (or all), newest hour first; acknowledge one (with an optional
// comment) or all at once (all meters, or one); new ones added live, withdrawn, resolved or
// settled ones marked as such. Every row names its kind, the meter and, for staff, the client.
// The client's page (/alerts/) and the administrators' overview (/staff/alerts/, `data-staff`:
// the API answers every client's alerts, and meters link to the admin). Data:
// GET /api/alerts/?acknowledged=false, POST /api/alerts/{id}/acknowledge/ {comment},
// POST /api/alerts/acknowledge/ {device?, comment}.

import { changeAlertCount, refreshAlertCount } from "./notifications.js";
import { api } from "./api.js";
import { h, failure } from "./dom.js";
import { dateTimeLabel } from "./format.js";
import { meterName, outcome, ownerLabel, ownerNames, summary } from "./alert-text.js";
import { toast } from "./toast.js";

const root = document.querySelector("[data-alerts-page]");
const filter = root.querySelector("[data-filter]");
const list = root.querySelector("[data-alert-list]");
const more = root.querySelector("[data-more]");
const bulk = root.querySelector("[data-acknowledge-all]");
const names = new Map(); // device id -> description, of the meters the reader has now
let namesKnown = false; // the devices list was read: a meter missing from it is not the reader's
let owners = null; // staff: account id -> name
let nextPage = null;
const staff = "staff" in root.dataset;
// Staff open the client's own view of the meter (read-only), at the alert's day in the client's zone.
const deviceHref = (id, hour) =>
  staff ? `/staff/devices/${id}/?${new URLSearchParams(hour ? { hour } : {})}` : `/devices/${id}/`;

const onlyOpen = () => filter.elements.show.value === "open";
const KIND_LABELS = { over_limit: "Over the limit", warning: "Warning", silent: "Meter silent" };

// A client keeps the alerts of a meter that was later taken off their account; its page is no
// longer theirs (404), so it is named without a link.
function deviceLink(alert) {
  const name = alert.description || names.get(alert.device) || meterName(alert);
  if (!staff && namesKnown && !names.has(alert.device)) {
    return h("span", { class: "alert-item__device", text: `${name} (no longer on your account)` });
  }
  return h("a", { href: deviceHref(alert.device, alert.hour_start), class: "alert-item__device", text: name });
}

function replaceRow(row, alert) {
  if (onlyOpen() && alert.state !== "open") row.remove();
  else row.replaceWith(item(alert));
  if (!list.children.length) showEmpty();
}

async function acknowledge(alert, row, form) {
  const button = form.querySelector("button");
  button.disabled = true;
  try {
    const updated = await api.post(`/api/alerts/${alert.id}/acknowledge/`, { comment: form.elements.comment.value });
    changeAlertCount(-1);
    toast("Alert acknowledged.", { kind: "success", timeout: 3000 });
    replaceRow(row, updated);
  } catch (error) {
    button.disabled = false;
    toast(`Could not acknowledge: ${error.message}`, { kind: "error" });
  }
}

const SETTLED = new Set(["withdrawn", "resolved", "realised", "not_realised"]);

function rowClass(alert) {
  const classes = ["alert-item", `alert-item--${alert.kind || "over_limit"}`];
  if (alert.state === "open") classes.push("alert-item--open");
  if (alert.state === "withdrawn") classes.push("alert-item--withdrawn");
  else if (SETTLED.has(alert.state)) classes.push("alert-item--settled");
  return classes.join(" ");
}

function action(alert, row) {
  if (alert.state !== "open") return h("span", { class: "muted small", text: outcome(alert) });
  const form = h("form", { class: "alert-item__ack", "aria-label": "Acknowledge" },
    h("input", { type: "text", name: "comment", maxlength: "500", placeholder: "Comment (optional)", "aria-label": "Comment (optional)" }),
    h("button", { type: "submit", class: "button button--primary", text: "Acknowledge" }));
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    acknowledge(alert, row, form);
  });
  return form;
}

function item(alert) {
  const row = h("li", { class: rowClass(alert), "data-alert-id": alert.id, "data-kind": alert.kind });
  const owner = staff ? ownerLabel(owners, alert) : null;
  row.append(
    h("div", { class: "alert-item__main" },
      h("span", { class: "alert-item__kind", text: KIND_LABELS[alert.kind] || KIND_LABELS.over_limit }),
      deviceLink(alert),
      owner ? h("span", { class: "muted", text: ` · ${owner}` }) : null,
      h("p", { text: summary(alert) }),
      h("p", { class: "muted small", text: `Raised ${dateTimeLabel(alert.created_at)}` }),
      alert.comment ? h("p", { class: "small alert-item__comment", text: `Comment: ${alert.comment}` }) : null),
    h("div", { class: "alert-item__actions" }, action(alert, row), staff ? null : askAbout(alert)));
  return row;
}

// A client's "Ask about this": the chat opens with the alert as a reference card (POST /chat/ask/).
function askAbout(alert) {
  const csrf = document.querySelector('meta[name="csrf-token"]').content;
  return h("form", { method: "post", action: "/chat/ask/", class: "ask-about" },
    h("input", { type: "hidden", name: "csrfmiddlewaretoken", value: csrf }),
    h("input", { type: "hidden", name: "alert", value: String(alert.id) }),
    h("button", { type: "submit", class: "button button--quiet", text: "Ask about this" }));
}

function showEmpty() {
  list.replaceChildren(h("li", { class: "empty", text: onlyOpen() ? "No unacknowledged alerts." : "No alerts yet." }));
}

async function loadPage(reset) {
  more.hidden = true;
  root.setAttribute("aria-busy", "true");
  try {
    let page;
    if (reset || !nextPage) {
      page = await api.get("/api/alerts/", { acknowledged: onlyOpen() ? "false" : undefined });
    } else {
      const url = new URL(nextPage, location.href);
      page = await api.get(url.pathname + url.search);
    }
    if (reset) list.replaceChildren();
    list.querySelector(".empty")?.remove();
    list.append(...page.results.map(item));
    if (!list.children.length) showEmpty();
    nextPage = page.next;
    more.hidden = !nextPage;
  } catch (error) {
    list.replaceChildren(h("li", {}, failure(`The alerts could not be loaded: ${error.message}`, () => loadPage(true))));
  } finally {
    root.setAttribute("aria-busy", "false");
  }
}

async function loadNames() {
  try {
    for (const device of await api.all("/api/devices/")) names.set(device.id, device.description);
    namesKnown = true;
  } catch {
    // Names are a nicety: each alert carries its meter's description anyway.
  }
  const meters = bulk?.elements.device;
  if (meters) {
    const sorted = [...names].sort((a, b) => String(a[1]).localeCompare(String(b[1])));
    meters.append(...sorted.map(([id, name]) => h("option", { value: id, text: name || id })));
  }
}

async function acknowledgeAll(event) {
  event.preventDefault();
  const button = bulk.querySelector("button");
  const device = bulk.elements.device.value;
  button.disabled = true;
  try {
    const answer = await api.post("/api/alerts/acknowledge/", {
      comment: bulk.elements.comment.value,
      ...(device ? { device } : {}),
    });
    const n = answer.acknowledged;
    toast(`${n} alert${n === 1 ? "" : "s"} acknowledged.`, { kind: "success", timeout: 4000 });
    bulk.elements.comment.value = "";
    await refreshAlertCount();
    await loadPage(true);
  } catch (error) {
    toast(`Could not acknowledge: ${error.message}`, { kind: "error" });
  } finally {
    button.disabled = false;
  }
}

filter.addEventListener("change", () => loadPage(true));
more.addEventListener("click", () => loadPage(false));
bulk?.addEventListener("submit", acknowledgeAll);
const rowOf = (alert) => list.querySelector(`[data-alert-id="${alert.id}"]`);

document.addEventListener("ems:alert", (event) => {
  list.querySelector(".empty")?.remove();
  // A withdrawn alert raised again keeps its id: its row is replaced, not repeated.
  rowOf(event.detail)?.remove();
  list.prepend(item(event.detail));
});
for (const name of ["ems:alert-withdrawn", "ems:alert-updated"]) {
  document.addEventListener(name, (event) => {
    const row = rowOf(event.detail);
    if (row) replaceRow(row, event.detail);
  });
}
document.addEventListener("ems:reconnected", () => loadPage(true));

Promise.all([loadNames(), staff ? ownerNames().then((map) => { owners = map; }) : null])
  .then(() => loadPage(true));
