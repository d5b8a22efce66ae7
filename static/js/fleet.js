// The fleet overview (/staff/fleet/): the server renders and sorts the rows; this module sizes
// the hour bars and reads the current page's rows again when an alert arrives (live, through
// notifications.js) and every half minute, so ages, kWh, statuses and counts stay current.

import "./notifications.js";

const rows = document.querySelector("[data-fleet-rows]");
const REFRESH_MS = 30_000;
let pending = null;

function sizeBars(root) {
  for (const bar of root.querySelectorAll(".bar[aria-valuenow]")) {
    bar.querySelector(".bar__fill").style.width = `${Number(bar.getAttribute("aria-valuenow"))}%`;
  }
}

// The parts of the page that change: the rows, the status counts and the line with the total.
const PARTS = ["[data-fleet-rows]", "[data-fleet-filters]", "[data-fleet-total]"];

async function refresh() {
  try {
    const response = await fetch(window.location.href, { credentials: "same-origin", headers: { Accept: "text/html" } });
    if (!response.ok) return;
    // Parsed as an inert document (no script runs) and moved over: the server escaped the text.
    const fresh = new DOMParser().parseFromString(await response.text(), "text/html");
    for (const selector of PARTS) {
      const incoming = fresh.querySelector(selector);
      if (incoming) document.querySelector(selector)?.replaceChildren(...incoming.childNodes);
    }
    sizeBars(rows);
    document.body.dataset.fleetRefreshed = String(Date.now());
  } catch (error) {
    console.debug("fleet refresh failed:", error.message);
  }
}

// Several alerts at once (a burst of readings) make one read, not one each, 6 s after the last
// (the server reuses the fleet's figures for a few seconds: MONITORING_FLEET_SNAPSHOT_SECONDS);
// but a steady stream of alerts or reconnections still gets a read within 15 s of the first.
const QUIET_MS = 6000;
const LATEST_MS = 15_000;
let firstAt = null;

function soon() {
  clearTimeout(pending);
  firstAt ??= Date.now();
  const wait = Math.max(0, Math.min(QUIET_MS, firstAt + LATEST_MS - Date.now()));
  pending = setTimeout(() => {
    firstAt = null;
    refresh();
  }, wait);
}

// The alert's own figures mark its row at once; the read that follows brings the rest. Each
// kind marks its own status (the labels of apps/web/fleet.py), and never lowers a worse one:
// a warning does not replace "over".
const MARKS = {
  over_limit: ["over", "Over the limit"],
  warning: ["warning", "Heading over"],
  silent: ["silent", "Silent"],
};
const SEVERITY = ["over", "warning", "silent", "unassigned", "ok"];

function markRow(event) {
  const alert = event.detail;
  const mark = MARKS[alert.kind || "over_limit"];
  const row = rows.querySelector(`tr[data-device-id="${CSS.escape(String(alert.device))}"]`);
  // An over-the-limit alert or a warning of an hour that is over says nothing about now (late
  // data can alert an old hour); a silence is news whenever it comes.
  const running = alert.kind === "silent" || Date.parse(alert.hour_start) + 3_600_000 > Date.now();
  if (mark && row && running) {
    const badge = row.querySelector("[data-status]");
    const [status, label] = mark;
    if (SEVERITY.indexOf(status) < SEVERITY.indexOf(badge.dataset.status)) {
      badge.className = `status status--${status}`;
      badge.dataset.status = status;
      badge.textContent = label;
      row.className = `fleet__row fleet__row--${status}`;
    }
  }
  soon();
}

if (rows) {
  sizeBars(rows);
  document.addEventListener("ems:alert", markRow);
  document.addEventListener("ems:alert-withdrawn", soon);
  document.addEventListener("ems:reconnected", soon);
  setInterval(refresh, REFRESH_MS);
}
