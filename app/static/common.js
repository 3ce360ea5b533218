// What every page script shares: the UI text of the page's language, and small DOM helpers.
// Text always goes in through textContent, never innerHTML.
window.PeilianUI = (function () {
  "use strict";
  const T = JSON.parse(document.getElementById("ui-text").textContent);
  const $ = (id) => document.getElementById(id);
  const el = (tag, cls, text) => {
    const node = document.createElement(tag);
    if (cls) node.className = cls;
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  };
  const fmt = (template, values) => template.replace(/\{(\w+)\}/g, (_, k) => values[k]);

  // One JSON API call: {ok, status, data}. A body goes as JSON unless a content type is given (a file
  // goes as it is); a network failure answers {detail: network} with status 0; no body reads as null.
  async function api(method, url, body, {network, contentType} = {}) {
    const init = {method, headers: {}};
    if (body !== undefined) {
      init.headers["Content-Type"] = contentType || "application/json";
      init.body = contentType ? body : JSON.stringify(body);
    }
    let response;
    try {
      response = await fetch(url, init);
    } catch (error) {
      return {ok: false, status: 0, data: {detail: network}};
    }
    const data = await response.json().catch(() => null);
    return {ok: response.ok, status: response.status, data};
  }

  // What went wrong, in words from the answer: its detail, the validation messages, or the status.
  function failure(result) {
    const detail = result.data && result.data.detail;
    if (typeof detail === "string") return detail;
    if (Array.isArray(detail)) return detail.map((item) => item.msg).join("; ");
    if (detail && detail.message) return detail.message;
    return `HTTP ${result.status}`;
  }

  return {T, $, el, fmt, api, failure};
})();

// The customer's replies in a conversation page (chat and certification attempt), kept by turn
// number (`bySeq`) so a reconnect can put them right: `bubble(seq)` makes a reply's bubble in its place.
window.PeilianReplies = function (addBubble) {
  "use strict";
  const bySeq = new Map();  // seq -> bubble of a customer reply
  const messages = document.getElementById("messages");
  return {
    bySeq,
    // A reply cut off with the socket is taken down: the server sends it again whole, perhaps under
    // a new number (a server that died mid-reply leaves no half turn behind).
    dropCut() {
      for (const [seq, bubble] of bySeq) {
        if (bubble.classList.contains("typing")) { bubble.remove(); bySeq.delete(seq); }
      }
    },
    // A reply sent again after a reconnect goes back to its place among the turns: before every
    // later turn and every line not yet acknowledged (it will get a later number).
    bubble(seq) {
      const bubble = addBubble("customer", "");
      bubble.dataset.seq = seq;
      const later = [...messages.children].find((item) => item !== bubble && (item.dataset.seq
        ? Number(item.dataset.seq) > seq : item.classList.contains("trainee")));
      if (later) later.before(bubble);
      bySeq.set(seq, bubble);
      return bubble;
    },
  };
};

// A textarea with maxlength and data-count="<id>" shows how many characters are left once it is near
// its limit (the server refuses longer lines). Pages clear the box on send without an input event,
// so the count is read again after every key and submit.
(function () {
  "use strict";
  const {T, fmt} = window.PeilianUI;
  for (const box of document.querySelectorAll("textarea[maxlength][data-count]")) {
    const counter = document.getElementById(box.dataset.count);
    const max = Number(box.getAttribute("maxlength"));
    const update = () => {
      const left = max - box.value.length;
      counter.hidden = left > Math.max(20, Math.round(max * 0.1));
      counter.textContent = fmt(T.chars_left, {left, max});
      counter.classList.toggle("near", left > 0);
      counter.classList.toggle("full", left <= 0);
    };
    const later = () => setTimeout(update, 0);
    box.addEventListener("input", update);
    box.addEventListener("keydown", later);
    if (box.form) box.form.addEventListener("submit", later);
  }
})();
