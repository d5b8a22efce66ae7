// The nav's unread-chat badge, for clients (support messages not read yet) and for staff
// (clients' messages this administrator has not read): read over REST
// (GET /api/chat/conversations/) when the page loads and again whenever the notifications socket
// says a count changed ("ems:chat-unread", static/js/notifications.js), so it is live on every page.

import { api } from "./api.js";

const badge = document.querySelector("[data-chat-unread]");
const value = document.querySelector("[data-chat-unread-value]");
let pending = null;

export function setChatUnread(count) {
  if (!badge) return;
  value.textContent = String(count);
  badge.hidden = count === 0;
}

async function refresh() {
  try {
    const conversations = await api.all("/api/chat/conversations/");
    setChatUnread(conversations.reduce((sum, conversation) => sum + conversation.unread_count, 0));
  } catch (error) {
    console.debug("chat unread count unavailable:", error.message);
  }
}

if (badge) {
  if (!document.querySelector("[data-client-chat]")) refresh();
  document.addEventListener("ems:chat-unread", () => {
    // A burst of messages makes one read.
    clearTimeout(pending);
    pending = setTimeout(refresh, 300);
  });
}
