// A WebSocket to the realtime server that stays connected: it authenticates with the session's
// access token in the Sec-WebSocket-Protocol header (["ems.jwt", access], docs/realtime.md;
// never in the URL, which ends up in logs), reconnects with exponential back-off and jitter,
// and asks for a fresh token when the server refused the socket (close codes >= 4000).

import { accessToken } from "./api.js";

const MAX_DELAY_MS = 30000;
export const PROTOCOL = "ems.jwt";

export function socketUrl(path) {
  const url = new URL(path, location.href);
  url.protocol = url.protocol === "https:" ? "wss:" : "ws:";
  return url.href;
}

// onFrame(frame) for each JSON frame; onOpen({reconnected}) after each connection;
// onClose() when it drops. Returns {send(frame) -> bool, get open()}. The socket's state is kept
// on <body> as data-socket-<name>="connecting|open|closed" (styles and tests can wait on it).
export function liveSocket(path, { name, onFrame, onOpen = () => {}, onClose = () => {} }) {
  const stateKey = `socket${name[0].toUpperCase()}${name.slice(1)}`;
  const setState = (state) => { document.body.dataset[stateKey] = state; };
  setState("connecting");
  let socket = null;
  let attempt = 0;
  let everOpened = false;
  let renew = false;

  function retry() {
    // Jitter, so a restarted server is not hit by every tab at the same moment.
    const delay = Math.min(MAX_DELAY_MS, 1000 * 2 ** attempt) * (0.5 + Math.random() / 2);
    attempt += 1;
    setTimeout(connect, delay);
  }

  async function connect() {
    try {
      const token = await accessToken({ renew });
      renew = false;
      socket = new WebSocket(socketUrl(path), [PROTOCOL, token]);
    } catch (error) {
      console.debug(`${path} unavailable:`, error.message);
      return retry();
    }
    socket.addEventListener("open", () => {
      attempt = 0;
      setState("open");
      onOpen({ reconnected: everOpened });
      everOpened = true;
    });
    socket.addEventListener("message", (event) => {
      let frame;
      try {
        frame = JSON.parse(event.data);
      } catch (error) {
        return console.debug("ignored a frame that is not JSON:", error.message);
      }
      onFrame(frame);
    });
    socket.addEventListener("close", (event) => {
      socket = null;
      setState("closed");
      // 4xxx: the server refused the socket (4401: the token expired); the next try gets a new one.
      if (event.code >= 4000) renew = true;
      onClose(event);
      retry();
    });
  }

  connect();
  return {
    get open() {
      return socket !== null && socket.readyState === WebSocket.OPEN;
    },
    send(frame) {
      if (!this.open) return false;
      socket.send(JSON.stringify(frame));
      return true;
    },
  };
}
