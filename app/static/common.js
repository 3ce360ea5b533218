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
