// The scenario builder (/personas/new, /personas/{id}/edit): a form for every field of a persona card
// over /api/personas. Saving stores a new draft version; problems come back tied to their field and
// are shown beside it; the check plays scripted trainees and shows their transcripts; publishing is
// refused until the check passes. Text always goes in through textContent.
(function () {
  "use strict";
  const {T, $, el, fmt} = window.PeilianUI;
  const B = T.builder;
  const CONFIG = window.PEILIAN_BUILDER;
  const lang = CONFIG.lang;
  let cardId = CONFIG.card_id;
  let version = null;
  let saved = null;  // the card as last saved: an unchanged form is not saved again as a new version

  const CONCERNS = CONFIG.concerns;
  const SECTIONS = [
    ["who", "", [["id", "text"], ["language", "select", ["zh", "en"]], ["name", "text"], ["title", "text"],
      ["organization", "text"], ["industry", "text"], ["selling", "text"], ["brief", "area"],
      ["stage", "int"], ["difficulty", "select", ["easy", "medium", "hard"]], ["trust", "int"], ["patience", "int"]]],
    ["motive", "", [["motive", "select", ["growth", "rescue", "balanced", "complacent"]],
      ["motive_cues.fit", "list"], ["motive_cues.misfit", "list"]]],
    ["concern", "", [["concern.level", "select", CONCERNS], ["concern.objection", "area"], ["concern.topic", "area"],
      ["concern.cues", "list"], ["concern.remedy.text", "area"], ["concern.remedy.cues", "list"],
      ["concern.false_objection", "check"], ["concern.real.level", "select", [""].concat(CONCERNS)],
      ["concern.real.objection", "area"], ["concern.real.topic", "area"], ["concern.real.cues", "list"],
      ["concern.real.remedy.text", "area"], ["concern.real.remedy.cues", "list"]]],
    ["other_person", "", [["other_person.id", "text"], ["other_person.name", "text"], ["other_person.text", "area"],
      ["other_person.paraphrases", "list"], ["other_person.min_trust", "int"]]],
  ];
  const ROWS = {
    facts: [["id", "text"], ["subject", "select", CONFIG.subjects],
      ["category", "select", ["", "process", "expectation", "need", "motive", "competition"]], ["text", "area"],
      ["paraphrases", "list"], ["terms", "list"], ["reveal.on", "list"], ["reveal.topics", "list"],
      ["reveal.min_trust", "int"]],
    commitments: [["id", "text"], ["action", "area"], ["max_concern", "select", CONCERNS], ["min_trust", "int"],
      ["cues", "list"], ["small", "check"]],
  };
  const ROW_LABEL = {facts: "fact_", commitments: "commitment_"};
  const form = $("builder-form");

  const label = (key) => B.f[key.replace(/\./g, "_")] || key;

  function control(path, kind, options, text) {
    const wrap = el("label", "field");
    wrap.append(el("span", null, text));
    let input;
    if (kind === "area" || kind === "list") {
      input = el("textarea");
      input.rows = kind === "list" ? 3 : 2;
      if (kind === "list") input.placeholder = B.one_per_line;
    } else if (kind === "select") {
      input = el("select");
      for (const value of options) {
        const option = el("option", null, value === "" ? "—" : (B.o[value] || value));
        option.value = value;
        input.append(option);
      }
    } else {
      input = el("input");
      input.type = kind === "int" ? "number" : kind === "check" ? "checkbox" : "text";
    }
    input.dataset.path = path;
    input.dataset.kind = kind;
    const error = el("span", "field-error");
    error.id = `err-${path}`;
    error.hidden = true;
    wrap.append(input, error);
    return wrap;
  }

  function addRow(list, values) {
    const box = $(`rows-${list}`);
    const index = box.children.length;
    const row = el("fieldset", "builder-row");
    row.dataset.list = list;
    row.append(el("legend", null, fmt(B[`${list}_row`], {n: index + 1})));
    for (const [key, kind, options] of ROWS[list]) {
      row.append(control(`${list}.${index}.${key}`, kind, options, label(ROW_LABEL[list] + key)));
    }
    const remove = el("button", "small", B.remove);
    remove.type = "button";
    remove.addEventListener("click", () => { row.remove(); renumber(list); });
    row.append(remove);
    box.append(row);
    if (values) fill(values, `${list}.${index}.`, row);
  }

  function renumber(list) {
    [...$(`rows-${list}`).children].forEach((row, index) => {
      row.querySelector("legend").textContent = fmt(B[`${list}_row`], {n: index + 1});
      for (const input of row.querySelectorAll("[data-path]")) {
        input.dataset.path = input.dataset.path.replace(/^(\w+)\.\d+\./, `$1.${index}.`);
        input.nextElementSibling.id = `err-${input.dataset.path}`;
      }
    });
  }

  function build() {
    for (const [key, , fields] of SECTIONS) {
      const set = el("fieldset");
      set.append(el("legend", null, B.sections[key]));
      for (const [path, kind, options] of fields) set.append(control(path, kind, options, label(path)));
      form.append(set);
    }
    for (const list of Object.keys(ROWS)) {
      const set = el("fieldset");
      set.append(el("legend", null, B.sections[list]));
      if (list === "commitments") set.append(el("p", "hint", B.commitments_hint));
      const rows = el("div");
      rows.id = `rows-${list}`;
      const add = el("button", "small", B[`add_${list}`]);
      add.type = "button";
      add.id = `add-${list}`;
      add.addEventListener("click", () => addRow(list));
      set.append(rows, add);
      form.append(set);
    }
  }

  const get = (data, path) => path.split(".").reduce((node, key) => (node == null ? undefined : node[key]), data);
  function put(data, path, value) {
    const keys = path.split(".");
    let node = data;
    keys.slice(0, -1).forEach((key, i) => {
      if (node[key] === undefined) node[key] = /^\d+$/.test(keys[i + 1]) ? [] : {};
      node = node[key];
    });
    node[keys[keys.length - 1]] = value;
  }

  function fill(data, prefix, scope) {
    for (const input of scope.querySelectorAll("[data-path]")) {
      if (!input.dataset.path.startsWith(prefix)) continue;
      const value = get(data, input.dataset.path.slice(prefix.length));
      if (input.dataset.kind === "check") input.checked = Boolean(value);
      else if (input.dataset.kind === "list") input.value = (value || []).join("\n");
      else input.value = value === undefined || value === null ? "" : value;
    }
  }

  function load(card) {
    form.replaceChildren();
    build();
    fill(card, "", form);
    for (const list of Object.keys(ROWS)) for (const row of card[list] || []) addRow(list, row);
  }

  function collect() {
    const data = {};
    for (const input of form.querySelectorAll("[data-path]")) {
      const {path, kind} = input.dataset;
      let value;
      if (kind === "check") value = input.checked;
      else if (kind === "list") value = input.value.split("\n").map((s) => s.trim()).filter(Boolean);
      else if (kind === "int") value = input.value === "" ? undefined : Number(input.value);
      else value = input.value.trim() === "" ? undefined : input.value.trim();
      if (value !== undefined) put(data, path, value);
    }
    const real = data.concern && data.concern.real;
    if (real && !real.level && !real.objection && !real.topic) delete data.concern.real;
    if (data.concern && !data.concern.false_objection && real && !real.level) delete data.concern.real;
    for (const list of Object.keys(ROWS)) data[list] = (data[list] || []).filter(Boolean);
    return data;
  }

  function showProblems(problems) {
    for (const node of form.querySelectorAll(".field-error")) { node.hidden = true; node.textContent = ""; }
    for (const input of form.querySelectorAll("[aria-invalid]")) input.removeAttribute("aria-invalid");
    const box = $("builder-problems");
    box.replaceChildren();
    box.hidden = !problems.length;
    if (!problems.length) return;
    box.append(el("strong", null, fmt(B.problems, {n: problems.length})));
    const list = el("ul");
    for (const problem of problems) {
      const words = problem[lang] || problem.en;
      list.append(el("li", null, `${problem.field}${T.colon}${words}`));
      const spot = document.getElementById(`err-${problem.field}`);
      if (spot) {
        spot.hidden = false;
        spot.textContent = words;
        const input = spot.previousElementSibling;
        input.setAttribute("aria-invalid", "true");
        input.setAttribute("aria-describedby", spot.id);
      }
    }
    box.append(list);
  }

  function showState(card) {
    version = card.version;
    cardId = card.id;
    $("builder-state").textContent = fmt(B.state, {id: card.id, version: card.version, status: B.o[card.status]});
    const play = $("builder-play");
    play.href = `/?lang=${lang}&persona=${encodeURIComponent(card.id)}&version=${card.version}`;
    play.hidden = card.problems.length > 0;
    const out = $("builder-export");
    out.href = `/api/personas/${encodeURIComponent(card.id)}/yaml`;
    out.hidden = false;
    showProblems(card.problems);
  }

  async function call(method, path, body) {
    const response = await fetch(path, {method, headers: {"Content-Type": "application/json"},
      body: body === undefined ? undefined : JSON.stringify(body)});
    return {response, data: await response.json().catch(() => ({}))};
  }

  function failed(data) {
    const detail = data.detail;
    const words = typeof detail === "string" ? detail : (detail && detail.message) || JSON.stringify(detail);
    showProblems([]);
    const box = $("builder-problems");
    box.hidden = false;
    box.replaceChildren(el("strong", null, words));
  }

  async function save(body) {
    if (body.card && cardId && JSON.stringify(body.card) === saved) return {id: cardId, version};
    const {response, data} = cardId ? await call("PUT", `/api/personas/${encodeURIComponent(cardId)}`, body)
      : await call("POST", "/api/personas", body);
    if (!response.ok) { failed(data); return null; }
    if (!CONFIG.card_id || body.yaml) {
      history.replaceState(null, "", `/personas/${encodeURIComponent(data.id)}/edit?lang=${lang}`);
      CONFIG.card_id = data.id;
      if (body.yaml) load(data.card);
    }
    saved = JSON.stringify(collect());
    showState(data);
    return data;
  }

  function showCheck(check) {
    $("builder-result").hidden = false;
    $("builder-verdict").textContent = check.passed ? B.check_passed : B.check_failed;
    $("builder-verdict").className = check.passed ? "good" : "form-error";
    const body = $("builder-plays").querySelector("tbody");
    body.replaceChildren();
    const transcripts = $("builder-transcripts");
    transcripts.replaceChildren();
    for (const play of check.plays) {
      const row = el("tr");
      row.dataset.kind = play.kind;
      row.append(el("td", null, B.kinds[play.kind] || play.kind), el("td", null, B.musts[play.must] || play.must),
        el("td", null, play.granted_ranks.length ? play.granted_ranks.join(", ") : "—"),
        el("td", play.passed ? "good" : "bad", play.passed ? B.ok : B.not_ok));
      body.append(row);
      const details = el("details", "builder-transcript");
      details.dataset.kind = play.kind;
      details.append(el("summary", null, fmt(B.transcript_of, {kind: B.kinds[play.kind] || play.kind})));
      const lines = el("ol");
      for (const turn of play.transcript.turns) {
        const line = el("li", turn.speaker, `${turn.speaker === "trainee" ? B.trainee : B.customer}${T.colon}${turn.text}`);
        line.lang = play.transcript.language;
        lines.append(line);
      }
      details.append(lines);
      transcripts.append(details);
    }
  }

  $("builder-save").addEventListener("click", () => save({card: collect()}));
  $("builder-check").addEventListener("click", async () => {
    if (!(await save({card: collect()}))) return;
    const {response, data} = await call("GET", `/api/personas/${encodeURIComponent(cardId)}/check`);
    if (response.ok) showCheck(data); else failed(data);
  });
  $("builder-publish").addEventListener("click", async () => {
    if (!(await save({card: collect()}))) return;
    const {response, data} = await call("POST", `/api/personas/${encodeURIComponent(cardId)}/publish`);
    if (response.ok) { showState(data); $("builder-result").hidden = true; $("builder-verdict").textContent = ""; return; }
    if (response.status === 409 && data.detail && data.detail.check) { showCheck(data.detail.check); failed(data); return; }
    failed(data);
  });
  $("builder-import-go").addEventListener("click", () => save({yaml: $("builder-yaml").value}));

  async function start() {
    if (!cardId) { load({language: lang, stage: 3, trust: 20, difficulty: "medium", facts: [{}], commitments: [{}]}); return; }
    const {response, data} = await call("GET", `/api/personas/${encodeURIComponent(cardId)}`);
    if (!response.ok) { failed(data); return; }
    load(data.card);
    saved = JSON.stringify(collect());
    showState(data);
  }
  start();
})();
