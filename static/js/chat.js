// The chat, shared by the client's page (/chat/) and the administrators' (/staff/chat/): one
// socket to /ws/chat/ (static/js/socket.js) carries every conversation the person may see, and
// a ConversationView shows one of them: history over REST ("load older"), live messages with the
// sender's name and role, the other side's typing, and "Read" on one's own messages once the
// other side has read them. Frames: docs/realtime.md.

import { api, csrfToken } from "./api.js";
import { h } from "./dom.js";
import { dateTimeLabel, hourLabel, localDate } from "./format.js";
import { liveSocket } from "./socket.js";
import { toast } from "./toast.js";

const PAGE_SIZE = 30;
// "Stopped typing" is sent after this long without a keystroke (and on send).
const TYPING_PAUSE_MS = 2500;
// A "typing" that is never followed by "stopped" (the typist's tab closed) fades after this.
const TYPING_STALE_MS = 8000;

export const roleLabel = (role) => (role === "admin" ? "Support" : "Client");

// The socket, dispatching frames by conversation. Views register with `watch`.
export class ChatConnection {
  constructor({ onReady = () => {}, onFrame = () => {}, onOpen = () => {} } = {}) {
    // Known from the page until the socket's "ready" frame confirms it.
    const { userId, role } = document.body.dataset;
    this.me = { id: Number(userId), role };
    this.views = new Map(); // conversation id -> ConversationView
    this.socket = liveSocket("/ws/chat/", {
      name: "chat",
      onFrame: (frame) => this.dispatch(frame, onReady, onFrame),
      onOpen: (state) => {
        onOpen(state);
        if (state.reconnected) this.views.forEach((view) => view.catchUp());
      },
      onClose: () => this.views.forEach((view) => view.setOffline(true)),
    });
  }

  dispatch(frame, onReady, onFrame) {
    if (frame.type === "ready") {
      this.me = frame.user;
      document.body.dataset.chatReady = "true";
      this.views.forEach((view) => view.setOffline(false));
      onReady(frame);
      return;
    }
    if (frame.type === "error") {
      toast(`Chat: ${frame.detail}`, { kind: "error" });
      return;
    }
    const view = this.views.get(frame.conversation);
    if (view) view.receive(frame);
    onFrame(frame, view);
  }

  send(frame) {
    return this.socket.send(frame);
  }

  watch(view) {
    this.views.set(view.id, view);
  }

  unwatch(view) {
    this.views.delete(view.id);
  }
}

let instances = 0;

// An alert's card acknowledges it (either side): the web process acknowledges the alert and
// posts "Alert ... acknowledged by X" in the conversation, which arrives as a message frame.
async function acknowledgeFromCard(button, conversationId, alertId) {
  button.disabled = true;
  try {
    const response = await fetch(`/chat/${conversationId}/alerts/${alertId}/acknowledge/`, {
      method: "POST",
      credentials: "same-origin",
      headers: { "X-CSRFToken": csrfToken(), Accept: "application/json" },
    });
    const data = await response.json().catch(() => ({}));
    if (!response.ok) throw new Error(data.detail || `Request failed (${response.status}).`);
    button.textContent = data.acknowledged ? "Acknowledged" : `Already ${data.state.replace("_", " ")}`;
  } catch (error) {
    button.disabled = false;
    toast(error.message, { kind: "warning", title: "The alert was not acknowledged" });
  }
}

// "Ask about this": the meter, period and energy a message is about, with a link to that chart
// (the client's own page, or the support view for staff). Figures come from the server.
function referenceCard(reference, staff, conversationId) {
  const limit = `${Number(reference.max_hourly_kwh).toFixed(2)} kWh per hour`;
  let figures;
  if (reference.kind === "alert") figures = `${Number(reference.kwh).toFixed(2)} kWh in the hour, maximum ${limit}`;
  else if (reference.kind === "day") figures = reference.kwh === null ? `No data that day · maximum ${limit}` : `${Number(reference.kwh).toFixed(2)} kWh that day · maximum ${limit}`;
  else figures = `Maximum ${limit}`;
  const card = h("div", { class: "chat__card", "data-reference": reference.kind },
    h("p", { class: "chat__card-title" }, h("strong", { text: reference.device_name }), ` · ${reference.period}`),
    h("p", { class: "chat__card-figures", text: figures }),
    h("a", { href: staff ? reference.support_url : reference.client_url, text: staff ? "Open the client's view of this chart" : "Open this chart" }));
  if (reference.kind === "alert" && reference.alert_id) {
    const button = h("button", { type: "button", class: "button button--quiet chat__card-acknowledge", text: "Acknowledge this alert" });
    button.addEventListener("click", () => acknowledgeFromCard(button, conversationId, reference.alert_id));
    card.append(" ", button);
  }
  return card;
}

export class ConversationView {
  // title: whom the conversation is with, as this person sees it; onClose: a close button.
  constructor({ connection, id, title, onClose = null, onRead = () => {} }) {
    this.connection = connection;
    this.id = id;
    this.onRead = onRead;
    this.messages = new Map(); // id -> {message, element}
    this.olderUrl = null;
    this.newestId = 0;
    this.readSent = 0;
    this.otherReadUpTo = 0;
    this.typingSent = false;
    this.typingTimer = null;
    this.typists = new Map(); // sender id -> {name, timer}
    const n = (instances += 1);

    this.log = h("ol", { class: "chat__log", role: "log", "aria-live": "polite", "aria-label": `Messages with ${title}`, tabindex: "0" });
    this.older = h("button", { type: "button", class: "button button--quiet chat__older", hidden: true, text: "Load older messages", onclick: () => this.loadOlder() });
    this.typing = h("p", { class: "chat__typing muted small", "aria-live": "polite", "data-typing": "" });
    this.status = h("p", { class: "chat__status small", role: "status", hidden: true, text: "Reconnecting… Messages can be sent again in a moment." });
    this.input = h("textarea", { id: `chat-input-${n}`, rows: "2", maxlength: "4000", required: true, autocomplete: "off" });
    this.sendButton = h("button", { type: "submit", class: "button button--primary", text: "Send" });
    this.form = h("form", { class: "chat__form" },
      h("label", { for: this.input.id, class: "visually-hidden", text: `Message to ${title}` }),
      this.input, this.sendButton);
    const heading = h("h2", { id: `chat-title-${n}`, class: "chat__title", text: title });
    this.element = h("section", { class: "chat", "aria-labelledby": heading.id, "data-conversation": id },
      h("header", { class: "chat__head" }, heading,
        onClose ? h("button", { type: "button", class: "button button--quiet", "aria-label": `Close the conversation with ${title}`, text: "Close", onclick: onClose }) : null),
      this.older, this.log, this.typing, this.status, this.form);

    this.input.addEventListener("input", () => this.typed());
    this.input.addEventListener("keydown", (event) => {
      // Enter sends, Shift+Enter starts a new line (as in most chat programs).
      if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
        event.preventDefault();
        this.form.requestSubmit();
      }
    });
    this.form.addEventListener("submit", (event) => {
      event.preventDefault();
      this.submit();
    });
    this.log.addEventListener("focus", () => this.markRead());
    this.onVisibility = () => this.markRead();
    document.addEventListener("visibilitychange", this.onVisibility);
    connection.watch(this);
  }

  get mine() {
    // "Own side": a client's own messages, or the support team's for an administrator.
    return (message) => message.sender.role === this.connection.me.role;
  }

  async load() {
    this.log.setAttribute("aria-busy", "true");
    try {
      const page = await api.get(`/api/chat/conversations/${this.id}/messages/`, { page_size: PAGE_SIZE });
      // Messages pushed while the page was on its way (one sent at once, say) are newer than
      // it may know: kept, in id order, not wiped with the placeholder.
      const live = [...this.messages.values()].map((entry) => entry.message);
      this.log.replaceChildren();
      this.messages.clear();
      page.results.forEach((message) => this.append(message));
      live.forEach((message) => this.append(message));
      // Read marks of receipts sent before this page loaded.
      this.otherRead(page.other_side_read_up_to || 0);
      this.setOlder(page.previous);
      if (!this.messages.size) this.log.append(h("li", { class: "chat__empty muted", text: "No messages yet. Write the first one below." }));
      this.scrollToEnd();
      this.markRead();
    } catch (error) {
      toast(`The conversation could not be loaded: ${error.message}`, { kind: "error" });
    } finally {
      this.log.setAttribute("aria-busy", "false");
    }
  }

  setOlder(url) {
    this.olderUrl = url;
    this.older.hidden = !url;
  }

  async loadOlder() {
    if (!this.olderUrl) return;
    this.older.disabled = true;
    try {
      const url = new URL(this.olderUrl, location.href);
      const page = await api.get(url.pathname + url.search);
      // Keep the reader where they were while older messages appear above.
      const fromBottom = this.log.scrollHeight - this.log.scrollTop;
      const first = this.log.firstElementChild;
      for (const message of page.results) {
        if (this.messages.has(message.id)) continue;
        const element = this.render(message);
        this.messages.set(message.id, { message, element });
        this.log.insertBefore(element, first);
      }
      this.log.scrollTop = this.log.scrollHeight - fromBottom;
      this.setOlder(page.previous);
    } catch (error) {
      toast(`Older messages could not be loaded: ${error.message}`, { kind: "error" });
    } finally {
      this.older.disabled = false;
    }
  }

  // After a reconnection: what was said while the socket was down.
  async catchUp() {
    try {
      const missed = await api.all(`/api/chat/conversations/${this.id}/messages/`, { after: this.newestId, page_size: 200 });
      missed.forEach((message) => this.append(message));
      this.scrollToEnd();
      this.markRead();
    } catch (error) {
      console.debug("chat catch-up failed:", error.message);
    }
  }

  render(message) {
    const own = this.mine(message);
    const item = h("li", { class: own ? "chat__message chat__message--own" : "chat__message", "data-message-id": message.id },
      h("p", { class: "chat__meta" },
        h("span", { class: "chat__sender", text: message.sender.name }), " ",
        h("span", { class: `chat__role chat__role--${message.sender.role}`, text: roleLabel(message.sender.role) }), " ",
        h("time", { datetime: message.created_at, title: dateTimeLabel(message.created_at),
          text: localDate(new Date(message.created_at)) === localDate() ? hourLabel(message.created_at) : dateTimeLabel(message.created_at) })),
      h("p", { class: "chat__body", text: message.body }));
    if (message.reference) item.append(referenceCard(message.reference, this.connection.me.role === "admin", this.id));
    if (own) {
      const mark = h("span", { class: "chat__read small", "data-read": "", hidden: message.id > this.otherReadUpTo, text: "Read" });
      item.append(mark);
    }
    return item;
  }

  append(message) {
    if (this.messages.has(message.id)) return;
    this.log.querySelector(".chat__empty")?.remove();
    const element = this.render(message);
    this.messages.set(message.id, { message, element });
    // Frames arrive in order, but a catch-up page may interleave with live frames: keep id order.
    const later = [...this.messages.values()].find((entry) => entry.message.id > message.id && entry.element.isConnected);
    this.log.insertBefore(element, later ? later.element : null);
    this.newestId = Math.max(this.newestId, message.id);
  }

  receive(frame) {
    if (frame.type === "message") {
      const atEnd = this.log.scrollHeight - this.log.scrollTop - this.log.clientHeight < 40;
      this.append(frame);
      this.stoppedTyping(frame.sender.id);
      if (atEnd || this.mine(frame)) this.scrollToEnd();
      this.markRead();
    } else if (frame.type === "typing") {
      if (frame.state === "started") this.startedTyping(frame.sender);
      else this.stoppedTyping(frame.sender.id);
    } else if (frame.type === "read") {
      const me = this.connection.me;
      if (frame.reader.role !== me.role) this.otherRead(frame.message_id);
    }
  }

  otherRead(messageId) {
    this.otherReadUpTo = Math.max(this.otherReadUpTo, messageId);
    for (const { message, element } of this.messages.values()) {
      const mark = element.querySelector("[data-read]");
      if (mark && message.id <= this.otherReadUpTo) mark.hidden = false;
    }
  }

  startedTyping(sender) {
    clearTimeout(this.typists.get(sender.id)?.timer);
    const timer = setTimeout(() => this.stoppedTyping(sender.id), TYPING_STALE_MS);
    this.typists.set(sender.id, { name: sender.name, timer });
    this.showTypists();
  }

  stoppedTyping(senderId) {
    const typist = this.typists.get(senderId);
    if (!typist) return;
    clearTimeout(typist.timer);
    this.typists.delete(senderId);
    this.showTypists();
  }

  showTypists() {
    const names = [...this.typists.values()].map((typist) => typist.name);
    this.typing.textContent = names.length ? `${names.join(" and ")} ${names.length > 1 ? "are" : "is"} typing…` : "";
  }

  typed() {
    clearTimeout(this.typingTimer);
    if (!this.input.value.trim()) return this.stopTyping();
    if (!this.typingSent) {
      this.typingSent = this.connection.send({ type: "typing", conversation: this.id, state: "started" });
    }
    this.typingTimer = setTimeout(() => this.stopTyping(), TYPING_PAUSE_MS);
  }

  stopTyping() {
    clearTimeout(this.typingTimer);
    if (this.typingSent) this.connection.send({ type: "typing", conversation: this.id, state: "stopped" });
    this.typingSent = false;
  }

  submit() {
    const body = this.input.value.trim();
    if (!body) return;
    this.stopTyping();
    if (!this.connection.send({ type: "message", conversation: this.id, body })) {
      toast("Not connected: the message was not sent. Try again in a moment.", { kind: "error" });
      return;
    }
    // The message appears when the server pushes it back, stored, with its id and time.
    this.input.value = "";
    this.input.focus();
  }

  // Tell the other side we have read up to the newest of their messages, when it is visible.
  markRead() {
    if (document.visibilityState !== "visible" || !this.element.isConnected) return;
    let newestOther = 0;
    for (const { message } of this.messages.values()) {
      if (!this.mine(message)) newestOther = Math.max(newestOther, message.id);
    }
    if (newestOther > this.readSent && this.connection.send({ type: "read", conversation: this.id, message_id: newestOther })) {
      this.readSent = newestOther;
      this.onRead(this.id);
    }
  }

  setOffline(offline) {
    this.status.hidden = !offline;
    this.sendButton.disabled = offline;
    if (!offline) this.markRead();
  }

  scrollToEnd() {
    this.log.scrollTop = this.log.scrollHeight;
  }

  destroy() {
    this.stopTyping();
    document.removeEventListener("visibilitychange", this.onVisibility);
    this.connection.unwatch(this);
    this.element.remove();
  }
}
