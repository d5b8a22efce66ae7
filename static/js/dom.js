// Building elements from data without innerHTML, so text from the API is never parsed as HTML.

export function h(tag, attributes = {}, ...children) {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === false || value === null || value === undefined) continue;
    if (name === "class") element.className = value;
    else if (name === "text") element.textContent = value;
    // Through the CSSOM: the Content-Security-Policy (ems/csp.py) blocks style attributes.
    else if (name === "style") element.style.cssText = value;
    else if (name.startsWith("on")) element.addEventListener(name.slice(2), value);
    else element.setAttribute(name, value === true ? "" : value);
  }
  element.append(...children.flat().filter((child) => child !== null && child !== undefined && child !== false));
  return element;
}

// A notice that stands in for content that could not load, with a way to try again.
export function failure(message, retry) {
  return h("div", { class: "notice notice--error", role: "alert" },
    h("span", { text: message }), " ",
    retry ? h("button", { type: "button", class: "button button--quiet", onclick: retry, text: "Try again" }) : null);
}
