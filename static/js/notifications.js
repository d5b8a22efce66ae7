// Live alerts over the WebSocket /ws/notifications/: a toast and the nav counter go up for each
// frame {"type": "alert", ...alert fields}; pages listen for the "ems:alert" event to add it
// to what they show. Delivery is best effort: after each (re)connection the counter is read
// again over REST and "ems:reconnected" tells pages to refresh.

import { accessToken, api } from "./api.js";
import { kwh, dateTimeLabel } from "./format.js";
import { toast } from "./toast.js";

const PATH = "/ws/notifications/";
const MAX_DELAY_MS = 30000;

// ASSUMPTION, to adapt when the realtime server is merged: the socket authenticates with the
// session's short-lived access token as the `token` query parameter. This function is the only
// place that knows how the socket authenticates.
export async function socketUrl(path = PATH) {
  const url = new URL(path, location.href);
  url.protocol = url.protocol === "https:" ? "wss:" : "ws:";
  url.searchParams.set("token", await accessToken());
  return url.href;
}

const badge = document.querySelector("[data-alert-count]");
const badgeValue = document.querySelector("[data-alert-count-value]");
let count = 0;

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

function onFrame(frame) {
  if (frame.type !== "alert") return;
  changeAlertCount(1);
  toast(`${kwh(frame.kwh)} in the hour of ${dateTimeLabel(frame.hour_start)} (maximum ${kwh(frame.max_hourly_kwh)}).`, {
    kind: "alert",
    title: "Consumption over the limit:",
    href: `/devices/${frame.device}/`,
    timeout: 0,
  });
  document.dispatchEvent(new CustomEvent("ems:alert", { detail: frame }));
}

let attempt = 0;
let everOpened = false;

async function connect() {
  let socket;
  try {
    socket = new WebSocket(await socketUrl());
  } catch (error) {
    console.debug("live alerts unavailable:", error.message);
    return retry();
  }
  socket.addEventListener("open", () => {
    attempt = 0;
    if (everOpened) {
      // Frames sent while the socket was down are lost: catch up over REST.
      refreshAlertCount();
      document.dispatchEvent(new CustomEvent("ems:reconnected"));
    }
    everOpened = true;
  });
  socket.addEventListener("message", (event) => {
    try {
      onFrame(JSON.parse(event.data));
    } catch (error) {
      console.debug("ignored a frame:", error.message);
    }
  });
  socket.addEventListener("close", (event) => {
    // 4xxx: the server refused the socket; a fresh token may be what it needs.
    if (event.code >= 4000) accessToken({ renew: true }).catch(() => {});
    retry();
  });
}

function retry() {
  // Exponential back-off with jitter, so a restarted server is not hit by every tab at once.
  const delay = Math.min(MAX_DELAY_MS, 1000 * 2 ** attempt) * (0.5 + Math.random() / 2);
  attempt += 1;
  setTimeout(connect, delay);
}

if (document.body.dataset.role === "client") {
  refreshAlertCount();
  connect();
}
