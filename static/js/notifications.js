// Live alerts over the WebSocket /ws/notifications/ (static/js/socket.js: token in the
// subprotocol header, back-off, fresh token after a refusal): a toast and the nav counter go up
// for each frame {"type": "alert", ...alert fields}; pages listen for the "ems:alert" event to add
// it to what they show. A frame {"type": "alert.withdrawn", ...} says late readings brought the
// hour within its limit: a short notice, the counter read again, and "ems:alert-withdrawn" for
// the pages (an alert withdrawn and raised again comes as a new "alert" frame). A frame
// {"type": "alert.updated", ...} says a silent meter sent readings again or a warning was settled:
// the counter read again, a notice for a resolved silence, "ems:alert-updated" for the pages.
// Every toast names the meter (the alert's description) and, for staff, the client. Delivery is best effort: after a reconnection the alerts raised since the
// last one seen are read over REST (GET /api/alerts/?since=<id>) and handled like live frames,
// the counter is read again, and "ems:reconnected" tells pages to refresh.

import { api } from "./api.js";
// Every client page loads this module: it also brings the nav's unread-chat badge.
import "./chat-badge.js";
import { kwh, dateTimeLabel } from "./format.js";
import { hourRange, meterName, ownerLabel, ownerNames, summary, title } from "./alert-text.js";
import { liveSocket } from "./socket.js";
import { toast } from "./toast.js";

const PATH = "/ws/notifications/";
const isClient = document.body.dataset.role === "client";

const badge = document.querySelector("[data-alert-count]");
const badgeValue = document.querySelector("[data-alert-count-value]");
let count = 0;
let lastAlertId = 0;
const seen = new Set();

export function setAlertCount(value) {
  count = Math.max(0, value);
  if (!badge) return;
  badgeValue.textContent = String(count);
  badge.hidden = count === 0;
}

export const changeAlertCount = (delta) => setAlertCount(count + delta);

export async function refreshAlertCount() {
  try {
    const page = await api.get("/api/alerts/", { acknowledged: "false", page_size: 1 });
    setAlertCount(page.count);
  } catch (error) {
    console.debug("alert count unavailable:", error.message);
  }
}

// "Kitchen meter: ..." for a client; "Kitchen meter (Alice Client): ..." for staff.
async function subject(alert) {
  const owner = ownerLabel(await ownerNames(), alert);
  return owner ? `${meterName(alert)} (${owner})` : meterName(alert);
}

async function announce(alert, { counted = true } = {}) {
  // The same alert may come live and again in a catch-up page: handle it once.
  if (seen.has(alert.id) || alert.state !== "open") return;
  seen.add(alert.id);
  lastAlertId = Math.max(lastAlertId, alert.id);
  if (counted) changeAlertCount(1);
  toast(`${await subject(alert)}: ${summary(alert)}`, {
    kind: alert.kind === "warning" ? "warning" : "alert",
    title: title(alert),
    // Device pages are the client's; an administrator has the admin for meters.
    href: isClient ? `/devices/${alert.device}/` : "",
    timeout: 0,
  });
  document.dispatchEvent(new CustomEvent("ems:alert", { detail: alert }));
}

async function withdraw(alert) {
  // If the hour goes over again, the same alert is raised again: announce it then.
  seen.delete(alert.id);
  refreshAlertCount();
  toast(`${await subject(alert)}: later readings show ${kwh(alert.kwh)} in the hour ${hourRange(alert.hour_start)}, within the maximum of ${kwh(alert.max_hourly_kwh)}.`, {
    kind: "info",
    title: "Alert withdrawn:",
    href: isClient ? `/devices/${alert.device}/` : "",
    timeout: 8000,
  });
  document.dispatchEvent(new CustomEvent("ems:alert-withdrawn", { detail: alert }));
}

async function update(alert) {
  refreshAlertCount();
  if (alert.kind === "silent" && alert.state === "resolved") {
    toast(`${await subject(alert)}: readings again since ${dateTimeLabel(alert.resolved_at)}.`, {
      kind: "info",
      title: "Meter back:",
      href: isClient ? `/devices/${alert.device}/` : "",
      timeout: 8000,
    });
  }
  document.dispatchEvent(new CustomEvent("ems:alert-updated", { detail: alert }));
}

async function latestAlertId() {
  try {
    // Lists are in time order (newest hour first), not in the order alerts were raised: the
    // highest id of the first page is the newest raised but for a late alert of an old hour.
    const page = await api.get("/api/alerts/", { page_size: 50 });
    // Remember where we are, so a reconnect asks only for what is newer.
    for (const alert of page.results) lastAlertId = Math.max(lastAlertId, alert.id);
  } catch (error) {
    console.debug("alerts unavailable:", error.message);
  }
}

async function catchUp() {
  try {
    const missed = await api.all("/api/alerts/", { since: lastAlertId });
    // Oldest first, so toasts come in the order the alerts were raised.
    missed.sort((a, b) => a.id - b.id).forEach((alert) => announce(alert, { counted: false }));
  } catch (error) {
    console.debug("missed alerts unavailable:", error.message);
  }
  // The counter is read afresh rather than added to: alerts may also have been acknowledged.
  await refreshAlertCount();
  document.dispatchEvent(new CustomEvent("ems:reconnected"));
}

// Alerts: clients on every page; an administrator's page asks for them with data-live-alerts
// on <body>. The socket is open on every signed-in page of the site layout for the chat badge:
// a frame {"type": "chat.unread"} (a new message for this person, or their read position moved)
// makes chat-badge.js read the unread count again ("ems:chat-unread").
const liveAlerts = isClient || "liveAlerts" in document.body.dataset;
const chatUnread = () => document.dispatchEvent(new CustomEvent("ems:chat-unread"));
if (document.body.dataset.role) {
  if (isClient) refreshAlertCount();
  (liveAlerts ? latestAlertId() : Promise.resolve()).then(() =>
    liveSocket(PATH, {
      name: "notifications",
      onFrame: (frame) => {
        if (frame.type === "chat.unread") chatUnread();
        else if (!liveAlerts) return;
        else if (frame.type === "alert") announce(frame);
        else if (frame.type === "alert.withdrawn") withdraw(frame);
        else if (frame.type === "alert.updated") update(frame);
        // A meter's current power (throttled per meter by the worker): pages that show it listen.
        else if (frame.type === "demand") document.dispatchEvent(new CustomEvent("ems:demand", { detail: frame }));
      },
      onOpen: ({ reconnected }) => {
        if (!reconnected) return;
        chatUnread();
        if (liveAlerts) catchUp();
      },
    }));
}
