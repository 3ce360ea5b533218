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
  return {T, $, el, fmt};
})();

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
