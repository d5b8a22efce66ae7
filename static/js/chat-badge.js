// The nav's unread-chat badge of a client: how many support messages they have not read yet,
// read once per page from GET /api/chat/conversations/ (the chat page itself reads them).

import { api } from "./api.js";

const badge = document.querySelector("[data-chat-unread]");
const value = document.querySelector("[data-chat-unread-value]");

export function setChatUnread(count) {
  if (!badge) return;
  value.textContent = String(count);
  badge.hidden = count === 0;
}

async function refresh() {
  try {
    const page = await api.get("/api/chat/conversations/");
    setChatUnread(page.results.reduce((sum, conversation) => sum + conversation.unread_count, 0));
  } catch (error) {
    console.debug("chat unread count unavailable:", error.message);
  }
}

if (badge && !document.querySelector("[data-client-chat]")) refresh();
