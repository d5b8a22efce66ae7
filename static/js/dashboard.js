// The client's dashboard: one card per own meter with today's consumption, the current hour
// against the meter's maximum, and its unacknowledged alerts. Data: GET /api/devices/,
// /api/devices/{id}/consumption/?date=, /api/alerts/?device=&acknowledged=false. Below them, the
// client's former meters (GET /api/devices/former/), each with the stretch that was theirs.

import "./notifications.js";
import { api } from "./api.js";
import { h, failure } from "./dom.js";
import {
  currentHour, dateTimeLabel, hourLabel, kilowatts, kwh, localDate, money, monthOf, number,
} from "./format.js";
import { periodsLabel } from "./ownership.js";
import { summary, title } from "./alert-text.js";

const list = document.querySelector("[data-devices]");
const former = document.querySelector("[data-former-devices]");
const REFRESH_MS = 120000;
const cards = new Map(); // device id -> {device, element}
const demandOf = new Map(); // device id -> the latest demand answer or frame
const redrawn = new Map(); // device id -> when its card was last filled

function hourBar(hour, limit) {
  if (!hour || hour.kwh === null) {
    return h("div", { class: "hour-meter" }, h("div", { class: "stat-row" },
      h("span", { class: "stat-row__label", text: "This hour" }),
      h("span", { class: "stat-row__value muted", text: "no data yet" })));
  }
  const value = number(hour.kwh);
  const over = limit > 0 && value > limit;
  const share = limit > 0 ? Math.min(100, (value / limit) * 100) : 0;
  return h("div", { class: "hour-meter" },
    h("div", { class: "stat-row" },
      h("span", { class: "stat-row__label", text: hour ? `This hour (${hourLabel(hour.start)}–${hourLabel(Date.parse(hour.start) + 3600 * 1000)})` : "This hour" }),
      h("span", { class: over ? "stat-row__value text-danger" : "stat-row__value", text: `${number(value).toFixed(2)} / ${kwh(limit)}` })),
    h("div", {
      class: over ? "bar bar--over" : "bar",
      role: "meter",
      "aria-label": "Consumption this hour against the maximum",
      "aria-valuemin": "0",
      "aria-valuemax": String(limit),
      "aria-valuenow": String(Math.min(value, limit)),
      "aria-valuetext": `${kwh(value)} of ${kwh(limit)}${over ? ", over the limit" : ""}`,
    }, h("span", { class: "bar__fill", style: `width: ${share}%` })),
    over ? h("p", { class: "text-danger small", text: "Over the hourly maximum." }) : null);
}

function alertList(page) {
  // `count` counts them all; `results` is the first page only (newest first).
  const alerts = page.results;
  if (!page.count) return h("p", { class: "muted small", text: "No unacknowledged alerts." });
  return h("div", { class: "card__alerts" },
    h("p", { class: "small" }, h("strong", { text: `${page.count} unacknowledged alert${page.count > 1 ? "s" : ""}` })),
    h("ul", { class: "plain-list small" },
      alerts.slice(0, 3).map((alert) => h("li", {
        text: `${title(alert)} ${summary(alert)}`,
      }))),
    h("a", { href: "/alerts/", class: "small", text: "Review alerts" }));
}

// The month's bill projected from its whole days so far: their mean cost (energy and standing
// charge) times the days of the month. None before the first whole day.
export function projectedBill(month, today) {
  const whole = month.buckets.filter((bucket) => bucket.start.slice(0, 10) < today && bucket.cost !== null);
  if (!whole.length) return null;
  const mean = whole.reduce((sum, bucket) => sum + number(bucket.cost), 0) / whole.length;
  return mean * month.buckets.length;
}

function costRows(day, month, today) {
  const projected = projectedBill(month, today);
  const row = (label, value, attribute) => h("div", { class: "stat-row", [attribute]: "" },
    h("span", { class: "stat-row__label", text: label }),
    h("span", { class: "stat-row__value", text: value }));
  return h("div", { class: "card__costs" },
    row("Cost today so far", day.total_cost === null ? "–" : money(day.total_cost, day.currency), "data-cost-today"),
    row("This month so far", month.total_cost === null ? "–" : money(month.total_cost, month.currency), "data-cost-month"),
    row("Projected for the month", projected === null ? "– (after the first whole day)" : money(projected, month.currency), "data-cost-projected"));
}

async function fillCard(device, body) {
  body.replaceChildren(h("p", { class: "muted small", text: "Loading…" }));
  try {
    const today = localDate();
    const [day, month, alerts, demand] = await Promise.all([
      api.get(`/api/devices/${device.id}/consumption/`, { date: today }),
      api.get(`/api/devices/${device.id}/consumption/`, { ...monthOf(today), bucket: "day" }),
      api.get("/api/alerts/", { device: device.id, acknowledged: "false", page_size: 3 }),
      api.get(`/api/devices/${device.id}/consumption/demand/`),
    ]);
    // A frame that came over the socket meanwhile is newer than this answer: keep it.
    const live = demandOf.get(device.id);
    if (!live || !live.at || (demand.at && demand.at >= live.at)) demandOf.set(device.id, demand);
    redrawn.set(device.id, Date.now());
    const limit = number(device.max_hourly_kwh);
    body.replaceChildren(
      h("div", { class: "stat-row" },
        h("span", { class: "stat-row__label", text: "Now" }),
        h("span", { class: "stat-row__value", "data-demand": "", text: kilowatts(demandOf.get(device.id)) })),
      h("div", { class: "stat-row" },
        h("span", { class: "stat-row__label", text: "Today so far" }),
        h("span", { class: "stat-row__value stat-row__value--big", text: day.total === null ? "–" : kwh(day.total) })),
      day.currency ? costRows(day, month, today) : null,
      hourBar(currentHour(day.hours), limit),
      alertList(alerts));
  } catch (error) {
    body.replaceChildren(failure(`Could not load this meter's data: ${error.message}`, () => fillCard(device, body)));
  }
}

function card(device) {
  const body = h("div", { class: "card__body" });
  const element = h("article", { class: "card device-card", "data-device-id": device.id },
    h("h2", { class: "card__title" }, h("a", { href: `/devices/${device.id}/`, text: device.description || "Meter" })),
    h("p", { class: "muted small", text: device.address || "No address" }),
    body);
  cards.set(device.id, { device, body });
  fillCard(device, body);
  return element;
}

async function load() {
  list.setAttribute("aria-busy", "true");
  try {
    const devices = await api.all("/api/devices/");
    cards.clear();
    if (!devices.length) {
      list.replaceChildren(h("div", { class: "empty" },
        h("h2", { text: "No meters yet" }),
        h("p", { text: "An administrator assigns meters to your account; they appear here with their consumption." })));
    } else {
      list.replaceChildren(h("div", { class: "card-grid" }, devices.map(card)));
    }
  } catch (error) {
    list.replaceChildren(failure(`Your meters could not be loaded: ${error.message}`, load));
  } finally {
    list.setAttribute("aria-busy", "false");
  }
}

// Meters that were the client's before: a link to each, with the stretch that was theirs (the
// device page shows only those hours). The section stays hidden when there are none.
async function loadFormer() {
  try {
    const devices = await api.all("/api/devices/former/");
    former.querySelector("[data-former-list]").replaceChildren(...devices.map((device) =>
      h("li", { "data-device-id": device.id },
        h("a", { href: `/devices/${device.id}/`, text: device.description || "Meter" }),
        h("span", { class: "muted small", text: ` · yours ${periodsLabel(device.periods)}` }))));
    former.hidden = devices.length === 0;
  } catch (error) {
    former.hidden = false;
    former.querySelector("[data-former-list]").replaceChildren(
      h("li", {}, failure(`Your former meters could not be loaded: ${error.message}`, loadFormer)));
  }
}

function refreshAll() {
  for (const { device, body } of cards.values()) fillCard(device, body);
}

for (const name of ["ems:alert", "ems:alert-withdrawn", "ems:alert-updated"]) {
  document.addEventListener(name, (event) => {
    const entry = cards.get(event.detail.device);
    if (entry) fillCard(entry.device, entry.body);
  });
}
document.addEventListener("ems:reconnected", refreshAll);
// The current power of a meter, live; its card's figures (this hour, today) at most every 30 s.
document.addEventListener("ems:demand", (event) => {
  const entry = cards.get(event.detail.device);
  if (!entry) return;
  demandOf.set(event.detail.device, event.detail);
  const shown = entry.body.querySelector("[data-demand]");
  if (shown) shown.textContent = kilowatts(event.detail);
  if (Date.now() - (redrawn.get(event.detail.device) || 0) > 30000) {
    redrawn.set(event.detail.device, Date.now());
    fillCard(entry.device, entry.body);
  }
});
setInterval(() => { if (!document.hidden) refreshAll(); }, REFRESH_MS);

load();
loadFormer();
