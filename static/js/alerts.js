// Alerts: unacknowledged first (or all), acknowledge one by one, new ones added live, withdrawn
// ones marked as such (late readings brought the hour within its limit). The client's
// page (/alerts/) and the administrators' overview (/staff/alerts/, `data-staff`: the API answers
// every client's alerts, and meters link to the admin). Data: GET /api/alerts/?acknowledged=false,
// POST /api/alerts/{id}/acknowledge/.

import { changeAlertCount } from "./notifications.js";
import { api } from "./api.js";
import { h, failure } from "./dom.js";
import { dateTimeLabel, kwh } from "./format.js";
import { toast } from "./toast.js";

const root = document.querySelector("[data-alerts-page]");
const filter = root.querySelector("[data-filter]");
const list = root.querySelector("[data-alert-list]");
const more = root.querySelector("[data-more]");
const names = new Map(); // device id -> description
let namesKnown = false; // the devices list was read: a meter missing from it is not the reader's
let nextPage = null;
const staff = "staff" in root.dataset;
const deviceHref = (id) => (staff ? `/admin/devices/device/${id}/change/` : `/devices/${id}/`);

const onlyOpen = () => filter.elements.show.value === "open";
const deviceName = (id) => names.get(id) || `Meter ${String(id).slice(0, 8)}`;

// A client keeps the alerts of a meter that was later taken off their account; its page is no
// longer theirs (404), so it is named without a link.
function deviceLink(id) {
  if (!staff && namesKnown && !names.has(id)) {
    return h("span", { class: "alert-item__device", text: `${deviceName(id)} (no longer on your account)` });
  }
  return h("a", { href: deviceHref(id), class: "alert-item__device", text: deviceName(id) });
}

async function acknowledge(alert, row, button) {
  button.disabled = true;
  try {
    const updated = await api.post(`/api/alerts/${alert.id}/acknowledge/`);
    changeAlertCount(-1);
    toast("Alert acknowledged.", { kind: "success", timeout: 3000 });
    if (onlyOpen()) row.remove();
    else row.replaceWith(item(updated || { ...alert, state: "acknowledged", acknowledged_at: new Date().toISOString() }));
    if (!list.children.length) showEmpty();
  } catch (error) {
    button.disabled = false;
    toast(`Could not acknowledge: ${error.message}`, { kind: "error" });
  }
}

const ROW_CLASS = { open: "alert-item alert-item--open", acknowledged: "alert-item", withdrawn: "alert-item alert-item--withdrawn" };

function action(alert, row) {
  if (alert.state === "withdrawn") {
    return h("span", { class: "muted small", text: `Withdrawn ${dateTimeLabel(alert.withdrawn_at)}: later readings brought the hour within its limit` });
  }
  if (alert.state === "acknowledged") {
    return h("span", { class: "muted small", text: `Acknowledged ${dateTimeLabel(alert.acknowledged_at)}` });
  }
  const button = h("button", { type: "button", class: "button button--primary", text: "Acknowledge" });
  button.addEventListener("click", () => acknowledge(alert, row, button));
  return button;
}

function item(alert) {
  const row = h("li", { class: ROW_CLASS[alert.state] || ROW_CLASS.open, "data-alert-id": alert.id });
  row.append(
    h("div", { class: "alert-item__main" },
      deviceLink(alert.device),
      h("p", { text: `${kwh(alert.kwh)} in the hour of ${dateTimeLabel(alert.hour_start)}, maximum ${kwh(alert.max_hourly_kwh)}.` }),
      h("p", { class: "muted small", text: `Raised ${dateTimeLabel(alert.created_at)}` })),
    action(alert, row));
  return row;
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
    // Names are a nicety: the list still shows each meter by its id.
  }
}

filter.addEventListener("change", () => loadPage(true));
more.addEventListener("click", () => loadPage(false));
const rowOf = (alert) => list.querySelector(`[data-alert-id="${alert.id}"]`);

document.addEventListener("ems:alert", (event) => {
  list.querySelector(".empty")?.remove();
  // A withdrawn alert raised again keeps its id: its row is replaced, not repeated.
  rowOf(event.detail)?.remove();
  list.prepend(item(event.detail));
});
document.addEventListener("ems:alert-withdrawn", (event) => {
  const row = rowOf(event.detail);
  if (!row) return;
  if (onlyOpen()) row.remove();
  else row.replaceWith(item(event.detail));
  if (!list.children.length) showEmpty();
});
document.addEventListener("ems:reconnected", () => loadPage(true));

loadNames().then(() => loadPage(true));
