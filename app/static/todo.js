// The trainee's to-do on the home page: each assigned persona with its due date, target, status and
// best score since it was assigned, and a button that starts a session with it (chat.js starts the
// session named by ?persona=). Hidden when nothing is assigned.
(function () {
  "use strict";
  const {T, $, el} = window.PeilianUI;
  const A = T.assign;
  const box = $("todo");
  const pad = (n) => String(n).padStart(2, "0");
  if (!box || $("picker").hidden) return;

  function timeNode(raw) {
    const when = new Date(raw);
    const node = el("time", null,
      `${when.getFullYear()}-${pad(when.getMonth() + 1)}-${pad(when.getDate())} ${pad(when.getHours())}:${pad(when.getMinutes())}`);
    node.dateTime = raw;
    return node;
  }

  async function load() {
    const response = await fetch("/api/assignments/todo");
    if (!response.ok) return;
    const items = await response.json();
    const body = box.querySelector("tbody");
    for (const item of items) {
      const row = el("tr");
      row.dataset.personaId = item.persona_id;
      row.dataset.status = item.status;
      const due = el("td", "due");
      due.append(timeNode(item.due_at));
      const status = el("td", "status-cell");
      status.append(el("span", `status status-${item.status}`, A.statuses[item.status] || item.status));
      const actions = el("td", "actions");
      const start = el("a", "button small start", item.status === "done" || item.status === "late" ? A.again : A.start);
      const lang = window.PEILIAN.lang;
      start.href = `/?lang=${lang}&persona=${encodeURIComponent(item.persona_id)}`;
      actions.append(start);
      row.append(el("td", null, item.persona_name || item.persona_id), due, el("td", "target", item.target_score),
        status, el("td", "best", item.best === null ? "–" : item.best), el("td", null, item.assigned_by), actions);
      body.append(row);
    }
    box.hidden = items.length === 0;
    box.dataset.loaded = "true";
  }
  load();
})();
