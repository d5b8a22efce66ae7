// The client's page /chat/: their one support conversation (created by the server the first
// time they open the chat; its id comes in the socket's "ready" frame).

import "./notifications.js";
import { ChatConnection, ConversationView } from "./chat.js";

const root = document.querySelector("[data-client-chat]");
let view = null;

// onReady runs once the socket has connected, long after `connection` is assigned.
const connection = new ChatConnection({
  onReady: (frame) => {
    if (view) return;
    view = new ConversationView({ connection, id: frame.conversation, title: "EMS support" });
    root.replaceChildren(view.element);
    root.setAttribute("aria-busy", "false");
    view.load();
  },
});
