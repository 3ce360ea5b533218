// The assignments page (/assignments): a coach (or admin) assigns personas to trainees or a whole team,
// edits and deletes what they made, and reads who has done what. Plain JavaScript over
// /api/assignments; data goes in by textContent only. Times: the API speaks UTC, people read local time.
(function () {
  "use strict";
  const {T, $, el, fmt} = window.PeilianUI;
  const A = T.assign;
  const CFG = window.PEILIAN_ASSIGN;
  const names = Object.fromEntries(CFG.personas.map((p) => [p.id, p.name]));
  const pad = (n) => String(n).padStart(2, "0");
  const form = $("assign-form");
  let editing = null;  // the assignment being edited, or null for a new one

  function localText(raw) {
    const when = new Date(raw);
    return `${when.getFullYear()}-${pad(when.getMonth() + 1)}-${pad(when.getDate())} ${pad(when.getHours())}:${pad(when.getMinutes())}`;
  }
  function timeNode(raw) {
    const node = el("time", null, localText(raw));
    node.dateTime = raw;
    return node;
  }
  function statusNode(status) { return el("span", `status status-${status}`, A.statuses[status] || status); }
  function score(value) { return value === null || value === undefined ? "–" : value; }

  const api = (method, url, body) => window.PeilianUI.api(method, url, body, {network: A.network});

  function say(text, isError) {
    $("assign-message").hidden = !isError;
    $("assign-status").hidden = Boolean(isError);
    (isError ? $("assign-message") : $("assign-status")).textContent = text;
  }
  function detailText(data) {
    const detail = data && data.detail;
    if (Array.isArray(detail)) return detail.map((d) => d.msg).join("; ");
    return typeof detail === "string" ? detail : A.network;
  }

  // ---- lists ----
  async function loadList() {
    const result = await api("GET", "/api/assignments");
    const body = $("assign-list").querySelector("tbody");
    body.replaceChildren();
    if (!result.ok) { say(detailText(result.data), true); return []; }
    if (!result.data.length) {
      const row = el("tr");
      const cell = el("td", "hint", A.empty);
      cell.colSpan = 6;
      row.append(cell);
      body.append(row);
    }
    for (const item of result.data) {
      const row = el("tr");
      row.dataset.assignmentId = item.id;
      row.append(el("td", null, item.persona_name || item.persona_id));
      row.append(el("td", "audience", item.team_of ? fmt(A.team_of, {coach: item.team_of}) : item.trainees.join(T.list_separator)));
      const due = el("td");
      due.append(timeNode(item.due_at));
      row.append(due, el("td", null, item.target_score), el("td", null, item.created_by));
      const actions = el("td", "actions");
      if (item.editable && form) {
        const edit = el("button", "small secondary edit", A.edit);
        edit.type = "button";
        edit.addEventListener("click", () => startEdit(item));
        const remove = el("button", "small secondary delete", A.delete);
        remove.type = "button";
        remove.addEventListener("click", () => removeItem(item));
        actions.append(edit, " ", remove);
      }
      row.append(actions);
      body.append(row);
    }
    return result.data;
  }

  async function loadProgress() {
    const result = await api("GET", "/api/assignments/progress");
    const body = $("assign-progress").querySelector("tbody");
    body.replaceChildren();
    if (!result.ok) { say(detailText(result.data), true); return; }
    if (!result.data.length) {
      const row = el("tr");
      const cell = el("td", "hint", A.no_rows);
      cell.colSpan = 8;
      row.append(cell);
      body.append(row);
    }
    for (const item of result.data) {
      const row = el("tr");
      row.dataset.assignmentId = item.assignment_id;
      row.dataset.trainee = item.trainee;
      row.dataset.status = item.status;
      const due = el("td");
      due.append(timeNode(item.due_at));
      const status = el("td", "status-cell");
      status.append(statusNode(item.status));
      const best = el("td", "best");
      if (item.best_session_id) {
        const link = el("a", null, item.best);
        link.href = `/sessions/${encodeURIComponent(item.best_session_id)}/replay?lang=${CFG.lang}`;
        best.append(link);
      } else {
        best.textContent = score(item.best);
      }
      row.append(el("td", null, item.persona_name || item.persona_id), el("td", "trainee", item.trainee), due,
        el("td", null, item.target_score), status, best, el("td", "latest", score(item.latest)),
        el("td", "attempts", item.attempts));
      body.append(row);
    }
    $("assign-progress").dataset.loaded = "true";
  }

  async function refresh() {
    await Promise.all([loadList(), loadProgress()]);
  }

  // ---- the form ----
  function checked(name) {
    return [...form.querySelectorAll(`input[name=${name}]:checked`)].map((input) => input.value);
  }
  function audience() { return form.querySelector("input[name=audience]:checked").value; }

  function defaultDue() {
    const when = new Date(Date.now() + 7 * 86400000);
    when.setHours(18, 0, 0, 0);
    return when;
  }
  function inputValue(when) { return localText(when.toISOString()).replace(" ", "T"); }

  function reset() {
    editing = null;
    form.reset();
    $("assign-due").value = inputValue(defaultDue());
    for (const input of form.querySelectorAll("input[name=persona]")) input.type = "checkbox";
    $("assign-form-heading").textContent = $("assign-form-heading").dataset.new;
    $("assign-submit").textContent = $("assign-submit").dataset.new;
    $("assign-cancel").hidden = true;
  }

  function startEdit(item) {
    reset();
    editing = item;
    // one persona per assignment: the choice becomes a radio group while editing
    for (const input of form.querySelectorAll("input[name=persona]")) {
      input.type = "radio";
      input.checked = input.value === item.persona_id;
    }
    form.querySelector(`input[name=audience][value=${item.team_of ? "team" : "trainees"}]`).checked = true;
    for (const input of form.querySelectorAll("input[name=trainee]")) input.checked = item.trainees.includes(input.value);
    if (item.team_of && $("assign-coach")) $("assign-coach").value = item.team_of;
    $("assign-due").value = inputValue(new Date(item.due_at));
    $("assign-target").value = item.target_score;
    $("assign-form-heading").textContent = $("assign-form-heading").dataset.edit;
    $("assign-submit").textContent = $("assign-submit").dataset.edit;
    $("assign-cancel").hidden = false;
    form.scrollIntoView({behavior: "smooth"});
  }

  async function removeItem(item) {
    if (!window.confirm(A.delete_confirm)) return;
    const result = await api("DELETE", `/api/assignments/${item.id}`);
    if (!result.ok) { say(detailText(result.data), true); return; }
    if (editing && editing.id === item.id) reset();
    say(A.deleted, false);
    await refresh();
  }

  async function submit(event) {
    event.preventDefault();
    const personas = checked("persona");
    const team = audience() === "team";
    const trainees = team ? [] : checked("trainee");
    const due = $("assign-due").value ? new Date($("assign-due").value) : null;
    if (!personas.length) { say(A.need_persona, true); return; }
    if (!team && !trainees.length) { say(A.need_trainee, true); return; }
    if (!due || Number.isNaN(due.getTime())) { say(A.need_due, true); return; }
    const body = {trainees, team, due_at: due.toISOString(), target_score: Number($("assign-target").value)};
    if (team && $("assign-coach")) body.coach = $("assign-coach").value;
    const result = editing
      ? await api("PUT", `/api/assignments/${editing.id}`, {...body, persona_id: personas[0]})
      : await api("POST", "/api/assignments", {...body, persona_ids: personas});
    if (!result.ok) { say(detailText(result.data), true); return; }
    say(editing ? A.saved : fmt(A.created, {n: result.data.length}), false);
    reset();
    await refresh();
  }

  if (form) {
    reset();
    form.addEventListener("submit", submit);
    $("assign-cancel").addEventListener("click", reset);
  }
  refresh();
})();
