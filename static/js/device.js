// A meter's page: the consumption of a day (hourly bars, the maximum as a line), a week or a
// month (daily bars) or a year (monthly bars), in kWh or what it cost, compared position by
// position with the previous period or the same period last year, with a CSV download. Gaps
// are drawn as gaps, estimated hours hatched, and the future not at all. Changing the date or
// the period redraws in place and keeps the choice in the address (?view=&date=).

import "./notifications.js";
import { api } from "./api.js";
import { consumptionChart } from "./charts.js";
import { h, failure } from "./dom.js";
import {
  addDays, addMonths, dayLabel, hourLabel, kilowatts, kwh, localDate, money, monthLabel, monthOf, number,
  periodLabel, weekOf, yearOf,
} from "./format.js";
import { energyOrGap, periodsLabel, visibilityNote } from "./ownership.js";

const root = document.querySelector("[data-device-page]");
const deviceId = root.dataset.deviceId;
const consumptionPath = `/api/devices/${deviceId}/consumption/`;
// The support view (staff) asks for the client's days: their zone, not the token's.
const zone = root.dataset.tz ? { tz: root.dataset.tz } : {};
const form = root.querySelector("[data-controls]");
const dateInput = form.elements.date;
const compareInput = form.elements.compare;
const status = root.querySelector("[data-status]");
const summary = root.querySelector("[data-summary]");
const table = root.querySelector("[data-table]");
const csvLink = root.querySelector("[data-csv]");
const chart = consumptionChart(root.querySelector("canvas"));

let device = null;
let shown = null; // the answers drawn last: {kind, date, answer, before, how}
let generation = 0; // answers to an older choice are dropped when a newer one is on its way

const view = () => form.elements.view.value;
const measure = () => form.elements.measure.value;
const UNITS = { day: "hours", week: "days", month: "days", year: "months" };

// The API query of the period of `kind` that holds `date`. `to` is inclusive (a last day).
function queryOf(kind, date) {
  if (kind === "day") return { date, ...zone };
  if (kind === "year") return { ...yearOf(date), bucket: "month", ...zone };
  return { ...(kind === "week" ? weekOf(date) : monthOf(date)), bucket: "day", ...zone };
}

// The date of the period to compare with: the one before, or the same one a year earlier
// (for a week: 52 weeks earlier, so Monday still faces Monday).
function comparedDate(kind, date, how) {
  if (how === "last-year") return kind === "week" ? addDays(date, -364) : addMonths(date, -12);
  if (kind === "day") return addDays(date, -1);
  if (kind === "week") return addDays(date, -7);
  return addMonths(date, kind === "year" ? -12 : -1);
}

const entriesOf = (answer) => answer.hours || answer.buckets || [];
const labelOf = (kind) => (entry) => (kind === "day" ? hourLabel(entry.start)
  : kind === "year" ? monthLabel(entry.start) : dayLabel(entry.start));
// What a bar shows: kWh, or the cost; null for a gap, an hour not yours, or the future.
const valueOf = (entry, what) => {
  if (what !== "cost") return energyOrGap(entry, number);
  return entry.cost === null || entry.cost === undefined ? null : number(entry.cost);
};
const amount = (value, answer, what) => (what === "cost" ? money(value, answer.currency) : kwh(value));
// Entries that have begun: the future is not counted.
const begun = (entries) => entries.filter((entry) => !entry.future);
const sumOf = (entries, what) => entries.reduce((sum, entry) => sum + (valueOf(entry, what) ?? 0), 0);
// A bucket with every begun, readable hour measured.
const complete = (entry) => entry.kwh !== null && !entry.incomplete && !entry.hidden;

// The comparison, or why there is none: a period with gaps is not compared in percent (a
// meter connected mid-month would otherwise read as +1130 %).
function comparison(kind, answer, before, what) {
  const started = begun(entriesOf(answer)).length;
  const current = entriesOf(answer).slice(0, started);
  const previous = entriesOf(before).slice(0, started);
  const unit = UNITS[kind];
  const running = started < entriesOf(answer).length;
  const term = running ? `Compared period, first ${started} ${unit}` : "Compared period";
  const previousGaps = previous.filter((entry) => !complete(entry)).length
    + Math.max(0, started - previous.length);
  if (previousGaps) {
    return [[term, `${amount(sumOf(previous, what), before, what)} (incomplete)`],
      ["Change", `– the compared period has no complete data for ${previousGaps} of ${started} ${unit}`]];
  }
  const currentGaps = current.filter((entry) => !complete(entry)).length;
  const earlier = sumOf(previous, what);
  if (currentGaps) {
    return [[term, amount(earlier, before, what)],
      ["Change", `– this period has no complete data for ${currentGaps} of ${started} ${unit}`]];
  }
  const now = sumOf(current, what);
  if (!earlier) return [[term, amount(earlier, before, what)], ["Change", "– (nothing before)"]];
  const percent = ((now - earlier) / earlier) * 100;
  return [[term, amount(earlier, before, what)],
    ["Change", `${percent > 0 ? "+" : ""}${percent.toFixed(1)}%`]];
}

function renderSummary(kind, answer, before) {
  const entries = begun(entriesOf(answer));
  const measured = entries.filter((entry) => entry.kwh !== null);
  // Gaps, hours not yours and the future are neither a peak nor a zero.
  const peak = measured.reduce((best, entry) => (!best || entry.kwh > best.kwh ? entry : best), null);
  const peakTerm = { day: "Peak hour", week: "Peak day", month: "Peak day", year: "Peak month" }[kind];
  const items = [
    ["Total", answer.total === null ? "–" : kwh(answer.total)],
    [peakTerm, peak ? `${labelOf(kind)(peak)} (${kwh(peak.kwh)})` : "–"],
  ];
  if (answer.currency) {
    items.push(["Cost", answer.total_cost === null ? "–" : money(answer.total_cost, answer.currency)]);
    if (answer.standing_charge) {
      items.push(["of which standing charges", money(answer.standing_charge, answer.currency)]);
    }
  }
  const gaps = answer.coverage.hours - answer.coverage.hours_with_data;
  if (gaps > 0) items.push(["Hours without data", `${gaps} of ${answer.coverage.hours}`]);
  if (before) items.push(...comparison(kind, answer, before, measure() === "cost" && answer.currency ? "cost" : "kwh"));
  summary.replaceChildren(...items.map(([term, value]) =>
    h("div", { class: "summary__item" }, h("dt", { text: term }), h("dd", { text: value }))));
}

function energyText(entry, over) {
  if (entry.hidden) return "– (not yours then)";
  if (entry.kwh === null) return "– (no data)";
  const notes = [
    over ? "over the maximum" : null,
    entry.estimated ? "estimated" : null,
    entry.partial ? "your hours only" : null,
    entry.incomplete ? "some hours without data" : null,
  ].filter(Boolean);
  return `${number(entry.kwh).toFixed(3)}${notes.length ? ` (${notes.join(", ")})` : ""}`;
}

function renderTable(kind, answer) {
  const limit = device ? number(device.max_hourly_kwh) : null;
  const head = { day: "Hour", week: "Day", month: "Day", year: "Month" }[kind];
  table.replaceChildren(
    h("thead", {}, h("tr", {},
      h("th", { scope: "col", text: head }),
      h("th", { scope: "col", class: "numeric", text: "kWh" }),
      answer.currency ? h("th", { scope: "col", class: "numeric", text: `Cost (${answer.currency})` }) : null)),
    // The future has no rows: nothing was used in it yet.
    h("tbody", {}, begun(entriesOf(answer)).map((entry) => {
      const over = kind === "day" && limit !== null && entry.kwh !== null && entry.kwh > limit;
      const classes = [over ? "row--over" : "", entry.estimated ? "row--estimated" : ""].join(" ").trim();
      return h("tr", { class: classes },
        h("td", { text: labelOf(kind)(entry) }),
        h("td", { class: "numeric", text: energyText(entry, over) }),
        answer.currency ? h("td", { class: "numeric cost", text: entry.cost === null ? "–" : number(entry.cost).toFixed(2) }) : null);
    })));
}

function csvQuery(kind, date) {
  // CSV reports use the range form; a day is the range of one day, hourly.
  const range = kind === "day" ? { from: date, to: date, bucket: "hour" } : queryOf(kind, date);
  return { ...range, format: "csv" };
}

async function draw() {
  const kind = view();
  const date = dateInput.value || localDate();
  const mine = ++generation;
  const how = compareInput.value;
  history.replaceState(null, "", `?view=${kind}&date=${date}`);
  // "Ask support about this day" asks about the day on screen.
  const askDay = document.querySelector("[data-ask-day]");
  if (askDay) askDay.elements.date.value = date;
  csvLink.href = `${consumptionPath}?${new URLSearchParams({ ...csvQuery(kind, date), ...zone })}`;
  status.textContent = "Loading…";
  root.setAttribute("aria-busy", "true");
  try {
    const [answer, before] = await Promise.all([
      api.get(consumptionPath, queryOf(kind, date)),
      how ? api.get(consumptionPath, queryOf(kind, comparedDate(kind, date, how))) : Promise.resolve(null),
    ]);
    if (mine !== generation) return;
    shown = { kind, date, answer, before, how };
    render();
    status.textContent = `Showing the ${kind} of ${date}: ${periodLabel(kind, date)} (${answer.timezone || "your time zone"} time).${visibilityNote(answer)}`;
  } catch (error) {
    if (mine !== generation) return;
    status.replaceChildren(failure(`Could not load the consumption: ${error.message}`, draw));
  } finally {
    if (mine === generation) root.setAttribute("aria-busy", "false");
  }
}

// Draw the last answers (again: the kWh/cost toggle needs no new request).
function render() {
  if (!shown) return;
  const { kind, answer, before, how } = shown;
  const costInput = form.querySelector('input[name="measure"][value="cost"]');
  costInput.disabled = !answer.currency;
  costInput.closest("label").title = answer.currency ? "" : "This meter has no tariff";
  const what = measure() === "cost" && answer.currency ? "cost" : "kwh";
  const entries = entriesOf(answer);
  const labels = labelOf(kind);
  chart.update({
    labels: entries.map(labels),
    values: entries.map((entry) => valueOf(entry, what)),
    estimated: entries.map((entry) => Boolean(entry.estimated)),
    limit: kind === "day" && device && what === "kwh" ? number(device.max_hourly_kwh) : null,
    // Position by position (the first hour with the first hour, day 31 with day 31 or with
    // nothing), each point named by its own period's label.
    previous: before ? {
      labels: entries.map((_, index) => (entriesOf(before)[index] ? labels(entriesOf(before)[index]) : "")),
      values: entries.map((_, index) => (entriesOf(before)[index] ? valueOf(entriesOf(before)[index], what) : null)),
    } : null,
    unit: what === "cost" ? answer.currency : "kWh",
    comparisonLabel: how === "last-year" ? "Same period last year" : "Previous period",
  });
  renderSummary(kind, answer, before);
  renderTable(kind, answer);
}

function step(direction) {
  const kind = view();
  const date = dateInput.value || localDate();
  dateInput.value = kind === "month" || kind === "year"
    ? addMonths(date, direction * (kind === "year" ? 12 : 1))
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
if (["day", "week", "month", "year"].includes(params.get("view"))) form.elements.view.value = params.get("view");

form.addEventListener("change", (event) => (event.target.name === "measure" ? render() : draw()));
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
    await api.download(consumptionPath, { ...query, ...zone }, `consumption-${deviceId.slice(0, 8)}-${query.from}-${query.to}.csv`);
  } catch (error) {
    status.replaceChildren(failure(`The download failed: ${error.message}`));
  }
});
document.addEventListener("ems:alert", (event) => { if (event.detail.device === deviceId) draw(); });

function holdsToday(kind, date) {
  const today = localDate();
  const query = queryOf(kind, date);
  return query.date ? query.date === today : query.from <= today && today <= query.to;
}

// Live demand: the current power as it comes, and the shown period redrawn (its current hour
// and day grow) when it holds now, at most every 30 s.
const demandShown = root.querySelector("[data-demand]");
let lastRedraw = Date.now();
async function loadDemand() {
  try {
    demandShown.textContent = kilowatts(await api.get(`${consumptionPath}demand/`));
  } catch {
    demandShown.textContent = "–"; // a former owner: the meter's power now is not theirs
  }
}
document.addEventListener("ems:demand", (event) => {
  if (event.detail.device !== deviceId) return;
  demandShown.textContent = kilowatts(event.detail);
  if (shown && holdsToday(shown.kind, shown.date) && Date.now() - lastRedraw > 30000) {
    lastRedraw = Date.now();
    draw();
  }
});
loadDemand();

loadDevice().then(draw);
