// The administrators' chat page /staff/chat/: every client's conversation, newest activity first,
// with unread counts and the last message; several conversations can be open side by side.
// Data: GET /api/chat/conversations/, frames on /ws/chat/ (static/js/chat.js).

import "./notifications.js";
import { api } from "./api.js";
import { ChatConnection, ConversationView, roleLabel } from "./chat.js";
import { h, failure } from "./dom.js";
import { dateTimeLabel } from "./format.js";

const root = document.querySelector("[data-staff-chat]");
const list = root.querySelector("[data-conversations]");
const panels = root.querySelector("[data-open-chats]");
const hint = root.querySelector("[data-open-hint]");
const conversations = new Map(); // id -> conversation (REST shape), kept current by frames
const open = new Map(); // id -> ConversationView

const connection = new ChatConnection({
  onOpen: ({ reconnected }) => {
    if (reconnected) loadList();
  },
  onFrame: (frame, view) => {
    if (frame.type !== "message") return;
    const conversation = conversations.get(frame.conversation);
    if (!conversation) {
      // A client who opened the chat for the first time: read the list again.
      loadList();
      return;
    }
    conversation.last_message = frame;
    conversation.last_message_at = frame.created_at;
    if (!view && frame.sender.role === "client") conversation.unread_count += 1;
    renderList();
  },
});

function preview(conversation) {
  const message = conversation.last_message;
  if (!message) return h("span", { class: "muted small", text: "No messages yet" });
  const who = message.sender.role === "client" ? message.sender.name : `${message.sender.name} (${roleLabel(message.sender.role)})`;
  return h("span", { class: "conversation__preview small" },
    h("span", { class: "conversation__who", text: `${who}: ` }),
    h("span", { text: message.body.length > 80 ? `${message.body.slice(0, 79)}…` : message.body }));
}

function renderList() {
  const sorted = [...conversations.values()].sort((a, b) =>
    (b.last_message_at || b.created_at).localeCompare(a.last_message_at || a.created_at));
  if (!sorted.length) {
    list.replaceChildren(h("li", { class: "empty", text: "No conversations yet. A conversation starts when a client opens their chat." }));
    return;
  }
  list.replaceChildren(...sorted.map((conversation) => {
    const isOpen = open.has(conversation.id);
    const unread = conversation.unread_count;
    const label = `${conversation.client_name}${unread ? `, ${unread} unread` : ""}`;
    return h("li", {},
      h("button", { type: "button", class: "conversation", "aria-pressed": isOpen ? "true" : "false", "aria-label": label,
        "data-conversation-id": conversation.id, onclick: () => toggle(conversation.id) },
        h("span", { class: "conversation__top" },
          h("span", { class: "conversation__name", text: conversation.client_name }),
          unread ? h("span", { class: "badge", "data-unread": "", text: String(unread) }) : null),
        preview(conversation),
        conversation.last_message_at
          ? h("time", { class: "muted small", datetime: conversation.last_message_at, text: dateTimeLabel(conversation.last_message_at) })
          : null));
  }));
}

function toggle(id) {
  if (open.has(id)) close(id);
  else openConversation(id);
}

function openConversation(id) {
  const conversation = conversations.get(id);
  const view = new ConversationView({
    connection,
    id,
    title: conversation.client_name,
    onClose: () => close(id),
    onRead: () => {
      conversation.unread_count = 0;
      renderList();
    },
  });
  open.set(id, view);
  panels.append(view.element);
  hint.hidden = true;
  renderList();
  view.load().then(() => view.input.focus());
}

function close(id) {
  open.get(id)?.destroy();
  open.delete(id);
  hint.hidden = open.size > 0;
  renderList();
  list.querySelector(`[data-conversation-id="${id}"]`)?.focus();
}

async function loadList() {
  list.setAttribute("aria-busy", "true");
  try {
    const rows = await api.all("/api/chat/conversations/");
    conversations.clear();
    rows.forEach((row) => conversations.set(row.id, row));
    renderList();
  } catch (error) {
    list.replaceChildren(h("li", {}, failure(`The conversations could not be loaded: ${error.message}`, loadList)));
  } finally {
    list.setAttribute("aria-busy", "false");
  }
}

// `?client=<id>` (from the support view or a client's page): that conversation opens at once.
loadList().then(() => {
  const wanted = Number(root.dataset.openConversation);
  if (wanted && conversations.has(wanted) && !open.has(wanted)) openConversation(wanted);
});
