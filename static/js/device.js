// A meter's page: the consumption of a day (hourly bars, the maximum as a line), a week or a
// month (daily bars), compared with the previous period, with a CSV download. Changing the
// date or the period redraws in place and keeps the choice in the address (?view=&date=).

import "./notifications.js";
import { api } from "./api.js";
import { consumptionChart } from "./charts.js";
import { h, failure } from "./dom.js";
import {
  addDays, addMonths, dayLabel, hourLabel, kwh, localDate, monthOf, number, periodLabel, weekOf,
} from "./format.js";
import { energyOrGap, periodsLabel, visibilityNote } from "./ownership.js";

const root = document.querySelector("[data-device-page]");
const deviceId = root.dataset.deviceId;
const consumptionPath = `/api/devices/${deviceId}/consumption/`;
const form = root.querySelector("[data-controls]");
const dateInput = form.elements.date;
const compareInput = form.elements.compare;
const status = root.querySelector("[data-status]");
const summary = root.querySelector("[data-summary]");
const table = root.querySelector("[data-table]");
const csvLink = root.querySelector("[data-csv]");
const chart = consumptionChart(root.querySelector("canvas"));

let device = null;
let generation = 0; // answers to an older choice are dropped when a newer one is on its way

const view = () => form.elements.view.value;

// The API queries of a period and of the one before it. `to` is inclusive (a last day).
function periods(kind, date) {
  if (kind === "day") {
    return { current: { date }, previous: { date: addDays(date, -1) }, label: "day" };
  }
  const range = kind === "week" ? weekOf(date) : monthOf(date);
  const before = kind === "week" ? weekOf(addDays(date, -7)) : monthOf(addMonths(date, -1));
  return {
    current: { from: range.from, to: range.to, bucket: "day" },
    previous: { from: before.from, to: before.to, bucket: "day" },
    label: kind,
  };
}

const entriesOf = (answer) => answer.hours || answer.buckets || [];
const totalOf = (answer) => (answer.total !== undefined && answer.total !== null
  ? number(answer.total)
  : entriesOf(answer).reduce((sum, entry) => sum + number(entry.kwh), 0));

function change(current, previous) {
  if (!previous) return "– (nothing before)";
  const percent = ((current - previous) / previous) * 100;
  const sign = percent > 0 ? "+" : "";
  return `${sign}${percent.toFixed(1)}%`;
}

// While a period is still running, compare it with the same stretch of the previous one (the
// first N hours or days), not with the whole of it.
function startedCount(entries, now = Date.now()) {
  return entries.filter((entry) => Date.parse(entry.start) <= now).length;
}

function renderSummary(kind, answer, previous) {
  const entries = entriesOf(answer);
  const total = totalOf(answer);
  const started = startedCount(entries);
  const running = started > 0 && started < entries.length;
  // Hours that were not the client's (kwh null) are neither a peak nor a zero.
  const peak = entries.filter((entry) => entry.kwh !== null)
    .reduce((best, entry) => (!best || number(entry.kwh) > number(best.kwh) ? entry : best), null);
  const peakLabel = !peak ? "–" : kind === "day" ? hourLabel(peak.start) : dayLabel(peak.start);
  const items = [
    ["Total", entries.length && entries.every((entry) => entry.kwh === null) ? "–" : kwh(total)],
    [kind === "day" ? "Peak hour" : "Peak day", peak ? `${peakLabel} (${kwh(peak.kwh)})` : "–"],
  ];
  if (previous) {
    const before = running
      ? entriesOf(previous).slice(0, started).reduce((sum, entry) => sum + number(entry.kwh), 0)
      : totalOf(previous);
    const unit = kind === "day" ? "hours" : "days";
    items.push(
      [running ? `Previous period, same ${started} ${unit}` : "Previous period", kwh(before)],
      ["Change", change(total, before)],
    );
  }
  summary.replaceChildren(...items.map(([term, value]) =>
    h("div", { class: "summary__item" }, h("dt", { text: term }), h("dd", { text: value }))));
}

function renderTable(kind, answer) {
  const limit = device ? number(device.max_hourly_kwh) : null;
  table.replaceChildren(
    h("thead", {}, h("tr", {},
      h("th", { scope: "col", text: kind === "day" ? "Hour" : "Day" }),
      h("th", { scope: "col", class: "numeric", text: "kWh" }))),
    h("tbody", {}, entriesOf(answer).map((entry) => {
      const over = kind === "day" && limit !== null && number(entry.kwh) > limit;
      return h("tr", { class: over ? "row--over" : "" },
        h("td", { text: kind === "day" ? hourLabel(entry.start) : dayLabel(entry.start) }),
        h("td", { class: "numeric", text: entry.kwh === null ? "– (not yours then)" : `${number(entry.kwh).toFixed(3)}${over ? " (over the maximum)" : ""}${entry.partial ? " (your hours only)" : ""}` }));
    })));
}

function csvQuery(kind, date) {
  // CSV reports use the range form; a day is the range of one day, hourly.
  const range = kind === "day" ? { from: date, to: date, bucket: "hour" } : periods(kind, date).current;
  return { ...range, format: "csv" };
}

async function draw() {
  const kind = view();
  const date = dateInput.value || localDate();
  const mine = ++generation;
  const { current, previous } = periods(kind, date);
  history.replaceState(null, "", `?view=${kind}&date=${date}`);
  csvLink.href = `${consumptionPath}?${new URLSearchParams(csvQuery(kind, date))}`;
  status.textContent = "Loading…";
  root.setAttribute("aria-busy", "true");
  try {
    const [answer, before] = await Promise.all([
      api.get(consumptionPath, current),
      compareInput.checked ? api.get(consumptionPath, previous) : Promise.resolve(null),
    ]);
    if (mine !== generation) return;
    const entries = entriesOf(answer);
    chart.update({
      labels: entries.map((entry) => (kind === "day" ? hourLabel(entry.start) : dayLabel(entry.start))),
      values: entries.map((entry) => energyOrGap(entry, number)),
      limit: kind === "day" && device ? number(device.max_hourly_kwh) : null,
      previous: before ? entriesOf(before).map((entry) => energyOrGap(entry, number)) : null,
    });
    renderSummary(kind, answer, before);
    renderTable(kind, answer);
    status.textContent = `Showing the ${kind} of ${date}: ${periodLabel(kind, date)} (${answer.timezone || "your time zone"} time).${visibilityNote(answer)}`;
  } catch (error) {
    if (mine !== generation) return;
    status.replaceChildren(failure(`Could not load the consumption: ${error.message}`, draw));
  } finally {
    if (mine === generation) root.setAttribute("aria-busy", "false");
  }
}

function step(direction) {
  const kind = view();
  const date = dateInput.value || localDate();
  dateInput.value = kind === "month" ? addMonths(date, direction)
    : addDays(date, direction * (kind === "week" ? 7 : 1));
  draw();
}

// The meter from the devices API, or, once it is no longer the client's, from their former
// meters (monitoring's list, with the stretch that was theirs).
async function meter() {
  try {
    return await api.get(`/api/devices/${deviceId}/`);
  } catch (error) {
    if (error.status !== 404) throw error;
    const former = (await api.all("/api/devices/former/")).find((entry) => entry.id === deviceId);
    if (!former) throw error;
    return { ...former, address: `A former meter of yours: yours ${periodsLabel(former.periods)}` };
  }
}

async function loadDevice() {
  try {
    device = await meter();
    root.querySelector("[data-device-title]").textContent = device.description || "Meter";
    root.querySelector("[data-device-address]").textContent = device.address || "No address";
    root.querySelector("[data-device-limit]").textContent = kwh(device.max_hourly_kwh);
    document.title = `${device.description || "Meter"} · EMS`;
  } catch (error) {
    root.querySelector("[data-device-error]").replaceChildren(
      failure(`Could not load this meter: ${error.message}`, () => loadDevice().then(draw)));
  }
}

const params = new URLSearchParams(location.search);
// The page checked ?date= (a notice names a date it cannot show): data-date is a valid day or empty.
dateInput.value = root.dataset.date || localDate();
if (["day", "week", "month"].includes(params.get("view"))) form.elements.view.value = params.get("view");

form.addEventListener("change", draw);
form.addEventListener("submit", (event) => { event.preventDefault(); draw(); });
root.querySelector("[data-previous]").addEventListener("click", () => step(-1));
root.querySelector("[data-next]").addEventListener("click", () => step(1));
root.querySelector("[data-today]").addEventListener("click", () => { dateInput.value = localDate(); draw(); });
csvLink.addEventListener("click", async (event) => {
  event.preventDefault();
  const kind = view();
  const date = dateInput.value || localDate();
  const query = csvQuery(kind, date);
  try {
    await api.download(consumptionPath, query, `consumption-${deviceId.slice(0, 8)}-${query.from}-${query.to}.csv`);
  } catch (error) {
    status.replaceChildren(failure(`The download failed: ${error.message}`));
  }
});
document.addEventListener("ems:alert", (event) => { if (event.detail.device === deviceId) draw(); });

loadDevice().then(draw);
