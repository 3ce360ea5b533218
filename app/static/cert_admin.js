// HR certification pages: the list with the create form (/certifications) and one certification
// (/certifications/{id}): definition and edit form, enrolment by name and by CSV, results, release,
// re-grade with progress, audit log. Plain JavaScript over the JSON API; data goes in by textContent only.
(function () {
  "use strict";
  const {T, $, el, fmt} = window.PeilianUI;
  const C = T.cert;
  const CFG = window.PEILIAN_CERT;
  const LANG = CFG.lang;
  const DIMS = CFG.dims;  // the scorecard's order, from the server: never the key order of a JSON object
  const pad = (n) => String(n).padStart(2, "0");

  // ---- time: the API speaks UTC (SQLite drops the zone); people read and type local time ----
  function parseUtc(text) {
    if (!text) return null;
    const zoned = /(Z|[+-]\d\d:?\d\d)$/.test(text) ? text : `${text}Z`;
    const when = new Date(zoned);
    return Number.isNaN(when.getTime()) ? null : when;
  }
  function localText(when) {
    return when ? `${when.getFullYear()}-${pad(when.getMonth() + 1)}-${pad(when.getDate())} ${pad(when.getHours())}:${pad(when.getMinutes())}` : "–";
  }
  function localInput(when) { return localText(when).replace(" ", "T"); }
  function timeNode(raw) {
    const node = el("time", null, localText(parseUtc(raw)));
    if (raw) node.dateTime = raw;
    return node;
  }

  // ---- the API ----
  const api = (method, url, body, contentType) =>
    window.PeilianUI.api(method, url, body, {network: C.errors.network, contentType});

  // Turn an API error into [{field, text}] people can act on.
  function problems(result) {
    const detail = result.data && result.data.detail;
    if (Array.isArray(detail)) {
      return detail.map((item) => {
        const field = [...(item.loc || [])].reverse().find((part) => typeof part === "string" && part !== "body") || "";
        return {field, text: `${C.fields[field] || field}${T.colon}${item.msg}`};
      });
    }
    if (detail && typeof detail === "object") {
      const field = {bad_window: "closes_at", bad_personas: "persona_ids", bad_rubric: "rubric"}[detail.code] || "";
      const known = C.errors[detail.code];
      return [{field, text: known ? `${known} (${detail.message})` : detail.message}];
    }
    if (typeof detail === "string") {
      return [{field: detail.startsWith("rubric") ? "rubric" : "", text: detail}];
    }
    return [{field: "", text: `HTTP ${result.status}`}];
  }

  function showProblems(box, list, scope) {
    box.replaceChildren();
    if (scope) for (const node of scope.querySelectorAll(".invalid")) node.classList.remove("invalid");
    if (!list.length) { box.hidden = true; return; }
    box.append(el("strong", null, C.fix_errors));
    const ul = el("ul");
    for (const item of list) {
      ul.append(el("li", null, item.text));
      const field = scope && item.field ? scope.querySelector(`[data-field="${CSS.escape(item.field)}"]`) : null;
      if (field) field.classList.add("invalid");
    }
    box.append(ul);
    box.hidden = false;
  }

  // ---- the definition form (create and edit) ----
  const form = $("cert-form");
  let personas = [];
  let chosen = [];  // persona ids in the order HR picked them: attempt k meets the k-th

  function showOrder() {
    for (const box of form.querySelectorAll("input[name=persona_ids]")) {
      const mark = box.parentElement.querySelector(".order");
      const index = chosen.indexOf(box.value);
      box.checked = index >= 0;
      mark.textContent = index >= 0 ? String(index + 1) : "";
    }
  }

  async function loadPersonas() {
    const result = await api("GET", "/api/personas");
    const box = $("f-personas");
    box.replaceChildren();
    if (!result.ok) { box.append(el("span", "form-status", problems(result)[0].text)); return; }
    personas = result.data.sort((a, b) => (a.language !== LANG) - (b.language !== LANG) || a.id.localeCompare(b.id));
    for (const card of personas) {
      const label = el("label", "persona-check");
      const box2 = el("input");
      box2.type = "checkbox";
      box2.name = "persona_ids";
      box2.value = card.id;
      box2.addEventListener("change", () => {
        chosen = chosen.filter((id) => id !== card.id);
        if (box2.checked) chosen.push(card.id);
        showOrder();
      });
      label.append(box2);
      label.append(el("span", "order"));
      const who = el("span", null, `${card.name} · ${card.title} · ${card.organization}`);
      who.lang = card.language;  // the card's own words, in its language
      label.append(who);
      label.append(el("span", "tag", T.languages[card.language] || card.language));
      box.append(label);
    }
  }

  // What a rubric requires besides the pass mark: "提问 ≥ 60、倾听 ≥ 60" (or null for none).
  function minimumsText(minimums, separator) {
    const parts = DIMS.filter((d) => minimums && d in minimums).map((d) => `${T.dim[d]} ${fmt(C.min_at_least, {n: minimums[d]})}`);
    return parts.length ? parts.join(separator) : null;
  }

  function rubricOption() {
    const select = $("f-rubric");
    return select.options[select.selectedIndex] || null;
  }

  // Under the rubric picker: the rubric's own pass mark and its per-dimension minimums.
  function showRubricRequires() {
    const option = rubricOption();
    const box = $("f-rubric-requires");
    if (!option) { box.textContent = ""; return; }
    const mins = minimumsText(JSON.parse(option.dataset.min || "{}"), T.list_separator);
    const pass = option.dataset.passMark || "–";
    box.textContent = mins ? fmt(C.rubric_requires, {pass, mins}) : fmt(C.rubric_requires_none, {pass});
  }

  function watchRubric(proposePassMark) {
    $("f-rubric").addEventListener("change", () => {
      const option = rubricOption();
      if (proposePassMark && option && option.dataset.passMark) $("f-pass-mark").value = option.dataset.passMark;
      showRubricRequires();
    });
    showRubricRequires();
  }

  function personaName(id) {
    const card = personas.find((c) => c.id === id);
    return card ? `${card.name} · ${card.organization}` : id;
  }

  function readForm() {
    const minutes = Number($("f-time-limit").value);
    const when = (id) => { const v = $(id).value; return v ? new Date(v).toISOString() : v; };
    return {
      name: $("f-name").value.trim(),
      persona_ids: chosen.slice(),
      rubric: $("f-rubric").value,
      pass_mark: Number($("f-pass-mark").value),
      time_limit_s: Math.round(minutes * 60),
      attempts: Number($("f-attempts").value),
      opens_at: when("f-opens"),
      closes_at: when("f-closes"),
    };
  }

  function fillForm(cert) {
    $("f-name").value = cert.name;
    chosen = cert.persona_ids.slice();
    showOrder();
    $("f-rubric").value = cert.rubric;
    $("f-pass-mark").value = cert.pass_mark;
    $("f-time-limit").value = cert.time_limit_s / 60;
    $("f-attempts").value = cert.attempts;
    $("f-opens").value = localInput(parseUtc(cert.opens_at));
    $("f-closes").value = localInput(parseUtc(cert.closes_at));
    showRubricRequires();
  }

  // ---- /certifications: the list and the create form ----
  async function listPage() {
    const now = new Date();
    now.setSeconds(0, 0);
    $("f-opens").value = localInput(now);
    $("f-closes").value = localInput(new Date(now.getTime() + 7 * 24 * 3600 * 1000));
    watchRubric(true);  // a new certification starts from the rubric's own pass mark
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      const button = $("cert-submit");
      button.disabled = true;
      $("form-status").textContent = C.creating;
      const made = await api("POST", "/api/certifications", readForm());
      button.disabled = false;
      $("form-status").textContent = "";
      if (made.ok) {
        location.href = `/certifications/${encodeURIComponent(made.data.id)}?lang=${LANG}`;
        return;
      }
      showProblems($("form-errors"), problems(made), form);
    });
    await loadPersonas();
    const result = await api("GET", "/api/certifications");
    const rows = result.ok ? result.data : [];
    const body = $("cert-list").querySelector("tbody");
    for (const cert of rows) {
      const tr = el("tr");
      tr.dataset.certId = cert.id;
      const name = el("td");
      const link = el("a", "cert-name", cert.name);
      link.href = `/certifications/${encodeURIComponent(cert.id)}?lang=${LANG}`;
      name.append(link);
      tr.append(name);
      const windowCell = el("td", "cert-window");
      windowCell.append(timeNode(cert.opens_at), " – ", timeNode(cert.closes_at));
      tr.append(windowCell);
      tr.append(el("td", "num", fmt(C.minutes, {n: cert.time_limit_s / 60})));
      tr.append(el("td", "num", cert.attempts));
      tr.append(el("td", "num", cert.pass_mark));
      const released = el("td");
      released.append(el("span", `badge ${cert.released ? "pass" : "none"}`, cert.released ? C.released : C.not_released));
      tr.append(released);
      const manage = el("td");
      const open = el("a", "button small", C.open_link);
      open.href = link.href;
      manage.append(open);
      tr.append(manage);
      body.append(tr);
    }
    $("cert-list").hidden = rows.length === 0;
    $("cert-empty").hidden = rows.length > 0;
  }

  // ---- /certifications/{id} ----
  const base = CFG.certId ? `/api/certifications/${encodeURIComponent(CFG.certId)}` : "";
  let current = null;  // the certification as last read from the API

  function showDefinition(cert) {
    $("cert-name").textContent = cert.name;
    document.title = `${cert.name} · ${C.list_title}`;
    const badge = $("released-badge");
    badge.className = `badge ${cert.released ? "pass" : "none"}`;
    badge.textContent = cert.released ? C.released : C.not_released;
    $("release").textContent = cert.released ? C.release_again : C.release_button;
    const summary = $("cert-summary");
    summary.replaceChildren(timeNode(cert.opens_at), " – ", timeNode(cert.closes_at));
    const table = $("definition");
    table.replaceChildren();
    const rows = [
      [C.personas, cert.persona_ids.map((id, i) => `${i + 1}. ${personaName(id)}`).join("\n"), "personas"],
      [C.rubric, C.rubric_names[cert.rubric] || cert.rubric, "rubric"],
      [C.pass_mark, String(cert.pass_mark), "pass_mark"],
      [C.min_dimension, minimumsText(cert.min_dimension, "\n") || C.min_none, "min_dimension"],
      [C.time_limit, fmt(C.minutes, {n: cert.time_limit_s / 60}), "time_limit"],
      [C.attempts_allowed, String(cert.attempts), "attempts"],
    ];
    for (const [name, value, key] of rows) {
      const tr = el("tr");
      tr.append(el("th", null, name));
      const td = el("td", "pre", value);
      td.dataset.key = key;
      tr.append(td);
      table.append(tr);
    }
    const windowRow = el("tr");
    windowRow.append(el("th", null, C.window));
    const cell = el("td");
    cell.dataset.key = "window";
    cell.append(timeNode(cert.opens_at), " – ", timeNode(cert.closes_at));
    windowRow.append(cell);
    table.append(windowRow);
    for (const th of $("results").querySelectorAll("th[data-dim]")) {
      const least = cert.min_dimension[th.dataset.dim];
      th.querySelector(".dim-min").textContent = least === undefined ? "" : ` ${fmt(C.min_at_least, {n: least})}`;
    }
    $("regrade-rubric").value = cert.rubric;
  }

  async function loadCertification() {
    const result = await api("GET", base);
    if (!result.ok) return null;
    current = result.data;
    showDefinition(current);
    return current;
  }

  function passedText(passed) {
    if (passed === null || passed === undefined) return "–";
    return passed ? T.passed : T.not_passed;
  }

  async function loadResults() {
    const result = await api("GET", `${base}/results`);
    const rows = result.ok ? result.data : [];
    const body = $("results").querySelector("tbody");
    body.replaceChildren();
    for (const row of rows) {
      const tr = el("tr");
      tr.dataset.candidate = row.candidate;
      const cell = (col, text, cls) => { const td = el("td", cls, text); td.dataset.col = col; tr.append(td); return td; };
      cell("candidate", row.candidate);
      cell("attempts", row.attempts, "num");
      const below = row.below_minimum || [];
      const minimums = (current && current.min_dimension) || {};
      for (const dim of DIMS) {
        const td = cell(dim, row.dimensions ? row.dimensions[dim] : "–", "num");
        if (below.includes(dim)) {
          td.classList.add("below-min");
          td.title = `${C.below_min} ${fmt(C.min_at_least, {n: minimums[dim]})}`;
        }
      }
      cell("overall", row.overall === null ? "–" : row.overall, "num col-score");
      const passed = cell("passed", null);
      passed.append(el("span", `badge ${row.passed === null ? "none" : row.passed ? "pass" : "fail"}`, passedText(row.passed)));
      if (below.length) {  // why "65, not passed" against a pass mark of 50
        const items = below.map((d) => fmt(C.below_min_item, {dim: T.dim[d], score: row.dimensions[d], min: minimums[d]}));
        passed.append(el("span", "fail-reason", `${C.below_min}${T.colon}${items.join(T.list_separator)}`));
      }
      const date = cell("date", null);
      if (row.date) date.append(timeNode(row.date)); else date.textContent = "–";
      const replay = cell("replay", null);
      if (row.session_id) {
        const link = el("a", "replay-link", C.replay);
        link.href = `/sessions/${encodeURIComponent(row.session_id)}/replay?lang=${LANG}`;
        replay.append(link);
      } else {
        replay.textContent = "–";
      }
      body.append(tr);
    }
    $("results").hidden = rows.length === 0;
    $("results-empty").hidden = rows.length > 0;
  }

  function detailText(event) {
    const parts = [];
    if (event.session_id) parts.push(`session: ${event.session_id}`);
    for (const [key, value] of Object.entries(event.detail || {})) {
      parts.push(`${key}: ${typeof value === "string" ? value : JSON.stringify(value)}`);
    }
    return parts.join("; ");
  }

  async function loadAudit() {
    const result = await api("GET", `${base}/audit`);
    const body = $("audit").querySelector("tbody");
    body.replaceChildren();
    for (const event of (result.ok ? result.data : []).slice().reverse()) {
      const tr = el("tr");
      tr.dataset.action = event.action;
      const at = el("td", "nowrap");
      at.append(timeNode(event.at));
      tr.append(at);
      tr.append(el("td", event.actor ? null : "muted", event.actor || C.system));
      const action = el("td", "nowrap", C.actions[event.action] || event.action);
      action.title = event.action;
      tr.append(action);
      tr.append(el("td", "audit-detail", detailText(event)));
      body.append(tr);
    }
  }

  function listLine(label, names, cls) {
    if (!names || !names.length) return null;
    const line = el("p", `enrol-line ${cls}`);
    line.append(el("strong", null, `${label}${T.colon}`), names.join(T.list_separator));
    return line;
  }

  function showEnrolment(data) {
    const box = $("enrol-result");
    box.replaceChildren();
    for (const line of [listLine(C.enrolled, data.enrolled, "ok"), listLine(C.already, data.already, "muted"),
                        listLine(C.unknown, data.unknown, "bad")]) {
      if (line) box.append(line);
    }
    const created = data.created || [];
    if (created.length) {
      const body = $("passwords-table").querySelector("tbody");
      for (const account of created) {
        const tr = el("tr");
        tr.append(el("td", null, account.username));
        tr.append(el("td", "password", account.one_time_password));
        body.append(tr);
      }
      $("passwords").hidden = false;
    }
  }

  function enrolError(result) {
    const box = $("enrol-result");
    box.replaceChildren(el("p", "form-error", problems(result).map((p) => p.text).join("; ")));
  }

  async function afterChange() {
    await loadResults();
    await loadAudit();
  }

  // Handlers are wired before anything loads: a click that comes first must not submit the form natively.
  async function detailPage() {
    watchRubric(false);
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      $("form-status").textContent = "";
      const saved = await api("PUT", base, readForm());
      if (!saved.ok) { showProblems($("form-errors"), problems(saved), form); return; }
      showProblems($("form-errors"), [], form);
      showDefinition(saved.data);
      fillForm(saved.data);
      $("form-status").textContent = C.saved;
      await loadAudit();
    });

    $("enrol-form").addEventListener("submit", async (event) => {
      event.preventDefault();
      const usernames = $("enrol-names").value.split(/[,,、;;\n\r]+/).map((s) => s.trim()).filter(Boolean);
      if (!usernames.length) { $("enrol-result").replaceChildren(el("p", "form-error", C.enter_names)); return; }
      const result = await api("POST", `${base}/candidates`, {usernames});
      if (!result.ok) { enrolError(result); return; }
      $("enrol-names").value = "";
      showEnrolment(result.data);
      await afterChange();
    });

    // The file goes up as it is: the server detects its encoding (UTF-8, UTF-16 or GBK, as Excel saves it).
    $("csv-form").addEventListener("submit", async (event) => {
      event.preventDefault();
      const file = $("csv-file").files[0];
      if (!file) { $("enrol-result").replaceChildren(el("p", "form-error", C.choose_file)); return; }
      const result = await api("POST", `${base}/candidates.csv`, file, "text/csv");
      if (!result.ok) { enrolError(result); return; }
      $("csv-file").value = "";
      showEnrolment(result.data);
      await afterChange();
    });

    $("release").addEventListener("click", async () => {
      if (!window.confirm(C.release_confirm)) return;
      const button = $("release");
      button.disabled = true;
      const result = await api("POST", `${base}/release`);
      button.disabled = false;
      if (!result.ok) { $("release-status").textContent = problems(result)[0].text; return; }
      $("release-status").textContent = fmt(C.released_done, {n: result.data.certificates.length});
      await loadCertification();
      await afterChange();
    });

    $("regrade-form").addEventListener("submit", async (event) => {
      event.preventDefault();
      const error = $("regrade-error");
      error.hidden = true;
      const button = $("regrade-submit");
      button.disabled = true;
      const rubric = $("regrade-rubric").value;
      const body = {rubric};
      if (current && rubric !== current.rubric) {  // never a silent switch: HR confirms the new rubric
        const name = (key) => C.rubric_names[key] || key;
        if (!window.confirm(fmt(C.regrade_rubric_confirm, {from: name(current.rubric), to: name(rubric)}))) {
          button.disabled = false;
          return;
        }
        body.change_rubric = true;
      }
      const started = await api("POST", `${base}/regrade`, body);
      if (!started.ok) {
        button.disabled = false;
        error.textContent = problems(started).map((p) => p.text).join("; ");
        error.hidden = false;
        return;
      }
      $("regrade-table").hidden = true;
      $("regrade-progress").hidden = false;
      showProgress(0, started.data.total);
      pollRegrade(started.data.run_id, button);
    });

    await loadPersonas();
    const cert = await loadCertification();
    if (cert) fillForm(cert);
    await afterChange();
  }

  function showProgress(done, total) {
    const percent = total ? Math.round((100 * done) / total) : 100;
    $("regrade-bar").style.width = `${percent}%`;
    $("regrade-progress").querySelector(".progress").setAttribute("aria-valuenow", String(percent));
    $("regrade-count").textContent = fmt(C.regrade_progress, {done, total});
  }

  // Poll the run every 300 ms (one request at a time) until it is done, then show before/after.
  function pollRegrade(runId, button) {
    const poll = async () => {
      const result = await api("GET", `${base}/regrade/${runId}`);
      if (!result.ok) {
        button.disabled = false;
        $("regrade-error").textContent = problems(result)[0].text;
        $("regrade-error").hidden = false;
        return;
      }
      const run = result.data;
      showProgress(run.done, run.total);
      if (run.status === "running") { setTimeout(poll, 300); return; }
      button.disabled = false;
      if (run.status !== "done") {  // failed or interrupted: say so, and let HR start it again
        $("regrade-error").textContent = C[`regrade_${run.status}`] || run.status;
        $("regrade-error").hidden = false;
        return;
      }
      $("regrade-count").textContent = `${fmt(C.regrade_progress, {done: run.done, total: run.total})} · ${C.regrade_done}`;
      showComparison(run.comparison);
      const cert = await loadCertification();
      if (cert) fillForm(cert);
      await afterChange();
    };
    setTimeout(poll, 300);
  }

  function showComparison(rows) {
    const body = $("regrade-table").querySelector("tbody");
    body.replaceChildren();
    for (const row of rows) {
      const tr = el("tr", row.changed ? "changed" : null);
      tr.dataset.candidate = row.candidate;
      tr.append(el("td", null, row.candidate));
      tr.append(el("td", "num", row.before === null ? "–" : row.before));
      tr.append(el("td", "num col-score", row.after === null ? "–" : row.after));
      tr.append(el("td", null, passedText(row.passed_before)));
      tr.append(el("td", null, passedText(row.passed_after)));
      tr.append(el("td", row.changed ? "change-flag" : "muted", row.changed ? C.changed : C.unchanged));
      body.append(tr);
    }
    $("regrade-table").hidden = false;
  }

  (CFG.page === "list" ? listPage() : detailPage()).catch((error) => {
    const box = $("form-errors");
    if (box) showProblems(box, [{field: "", text: String(error)}]);
  });
})();
