// Short notices in the page's aria-live region (#toasts): screen readers announce them, and
// they leave by themselves unless they matter (an alert stays until dismissed).

const region = () => document.getElementById("toasts");

export function toast(message, { kind = "info", title = "", timeout = 6000, href = "" } = {}) {
  const container = region();
  if (!container) return null;
  const item = document.createElement("div");
  item.className = `toast toast--${kind}`;
  item.setAttribute("role", kind === "alert" || kind === "warning" ? "alert" : "status");

  const text = document.createElement("div");
  text.className = "toast__text";
  if (title) {
    const heading = document.createElement("strong");
    heading.textContent = title;
    text.append(heading, " ");
  }
  if (href) {
    const link = document.createElement("a");
    link.href = href;
    link.textContent = message;
    text.append(link);
  } else {
    text.append(message);
  }

  const close = document.createElement("button");
  close.type = "button";
  close.className = "toast__close";
  close.setAttribute("aria-label", "Dismiss");
  close.textContent = "×";
  close.addEventListener("click", () => item.remove());

  item.append(text, close);
  container.append(item);
  if (timeout > 0) setTimeout(() => item.remove(), timeout);
  return item;
}
