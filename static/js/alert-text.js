// What an alert says, in words, the same in toasts, lists and cards: its kind, the meter's
// description (carried by every alert), the hour in the reader's time zone, and for staff the
// client's name (read once from GET /api/users/, which only administrators may call: monitoring
// keeps no names, see docs/monitoring.md "Alerts that say what they are").

import { api } from "./api.js";
import { dateTimeLabel, hourLabel, kwh } from "./format.js";

const HOUR_MS = 3600 * 1000;

export const meterName = (alert) => alert.description || `Meter ${String(alert.device).slice(0, 8)}`;

// "27 Nov 2026, 10:00–11:00" in the reader's zone.
export function hourRange(iso) {
  const end = new Date(Date.parse(iso) + HOUR_MS).toISOString();
  return `${dateTimeLabel(iso)}–${hourLabel(end)}`;
}

export const TITLES = {
  over_limit: "Consumption over the limit:",
  warning: "Heading over the limit:",
  silent: "Meter silent:",
};

export const title = (alert) => TITLES[alert.kind] || TITLES.over_limit;

// The sentence after the meter's name.
export function summary(alert) {
  if (alert.kind === "silent") {
    return `no reading since ${dateTimeLabel(alert.hour_start)}.`;
  }
  if (alert.kind === "warning") {
    return `${kwh(alert.kwh)} expected in the hour ${hourRange(alert.hour_start)} at the present rate (maximum ${kwh(alert.max_hourly_kwh)}).`;
  }
  return `${kwh(alert.kwh)} in the hour ${hourRange(alert.hour_start)} (maximum ${kwh(alert.max_hourly_kwh)}).`;
}

// What became of an alert that is no longer open.
export function outcome(alert) {
  switch (alert.state) {
    case "withdrawn": return `Withdrawn ${dateTimeLabel(alert.withdrawn_at)}: later readings brought the hour within its limit`;
    case "resolved": return `Readings resumed ${dateTimeLabel(alert.resolved_at)}`;
    case "realised": return "The hour did go over its limit";
    case "not_realised": return "Not realised: the hour stayed within its limit";
    case "acknowledged": return `Acknowledged ${dateTimeLabel(alert.acknowledged_at)}`;
    default: return "";
  }
}

let owners = null;

// Account id -> name, for administrators (null for anyone else or if the list is unavailable).
export function ownerNames() {
  if (document.body.dataset.role !== "admin") return Promise.resolve(null);
  owners ??= api.all("/api/users/")
    .then((users) => new Map(users.map((user) => [user.id, user.name || user.username])))
    .catch(() => null);
  return owners;
}

export const ownerLabel = (names, alert) =>
  (names && alert.owner != null ? names.get(alert.owner) || `account ${alert.owner}` : null);
