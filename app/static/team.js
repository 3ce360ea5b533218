// The team dashboard: reads GET /api/team/dashboard with the page's filters (kept in the query
// string, so a reload or a shared link shows the same view) and draws the trend chart (uPlot,
// vendored), the heat map (a table coloured by score band) and the weakest rules with their turns.
(function () {
  "use strict";
  const {T, $, el, fmt} = window.PeilianUI;
  const P = T.team_page;
  const lang = window.PEILIAN_TEAM.lang;
  const COLOURS = ["#b4232a", "#1f5fb4", "#1f7a4d", "#b26a00", "#6a3fb4", "#0f7f86", "#8a5a2b", "#c2418d"];
  const TURN_LINKS = 12;  // turns listed per rule; the rest are counted
  let board = null;
  let chart = null;

  const query = new URLSearchParams(location.search);
  const filters = {from: query.get("from") || "", to: query.get("to") || "", persona: query.get("persona") || ""};
  $("team-from").value = filters.from;
  $("team-to").value = filters.to;

  function filterQuery() {
    const params = new URLSearchParams();
    for (const [key, value] of Object.entries(filters)) if (value) params.set(key, value);
    return params;
  }

  const locale = lang === "zh" ? "zh-CN" : "en-GB";
  const day = (at) => new Date(at).toLocaleDateString(locale);
  const moment = (at) => new Date(at).toLocaleString(locale, {month: "numeric", day: "numeric", hour: "2-digit",
                                                                minute: "2-digit"});
  const columnName = (key) => (key === "overall" ? T.overall : T.dim[key] || key);

  function band(score) {  // the heat map's colour classes, by score band
    if (score >= 85) return "heat-4";
    if (score >= 70) return "heat-3";
    if (score >= 55) return "heat-2";
    if (score >= 40) return "heat-1";
    return "heat-0";
  }

  function drawChart() {
    const column = $("team-dimension").value;
    const holder = $("team-chart");
    if (chart) { chart.destroy(); chart = null; }
    holder.replaceChildren();
    const people = board.trainees.filter((t) => t.trend.length);
    $("team-chart-empty").hidden = people.length > 0;
    if (!people.length) return;
    // uPlot wants one x array shared by every series: every session time, a gap where a trainee has none.
    const xs = [...new Set(people.flatMap((t) => t.trend.map((p) => Date.parse(p.at) / 1000)))].sort((a, b) => a - b);
    const series = people.map((t) => {
      const at = new Map(t.trend.map((p) => [Date.parse(p.at) / 1000, p.scores[column]]));
      return xs.map((x) => (at.has(x) ? at.get(x) : null));
    });
    // Sessions within a few days of each other are told apart by the hour; points never sit on the edge.
    const span = xs[xs.length - 1] - xs[0];
    const when = span < 3 * 86400 ? moment : day;
    const pad = span > 0 ? Math.max(30, span * 0.05) : 3600;
    const opts = {
      title: columnName(column),
      width: Math.max(320, holder.clientWidth || 800),
      height: 300,
      scales: {x: {time: true, range: (u, min, max) => [min - pad, max + pad]}, y: {range: [0, 100]}},
      axes: [{values: (u, splits) => splits.map((v) => when(v * 1000))}, {}],
      series: [
        {label: P.date, value: (u, v) => (v == null ? "–" : moment(v * 1000))},
        ...people.map((t, i) => ({
          label: t.username, stroke: COLOURS[i % COLOURS.length], width: 2, spanGaps: true,
          points: {show: true, size: 6}, value: (u, v) => (v == null ? "–" : String(v)),
        })),
      ],
    };
    chart = new window.uPlot(opts, [xs, ...series], holder);
  }

  function drawHeatmap(view) {
    for (const button of document.querySelectorAll(".heat-toggle button")) {
      const on = button.dataset.view === view;
      button.setAttribute("aria-pressed", String(on));
      button.classList.toggle("secondary", !on);
    }
    const table = $("team-heatmap");
    table.dataset.view = view;
    const body = table.querySelector("tbody");
    body.replaceChildren();
    for (const trainee of board.trainees) {
      const row = el("tr");
      row.dataset.trainee = trainee.username;
      row.append(el("th", "", trainee.username), el("td", "muted", trainee.coach || "–"),
                 el("td", "num", trainee.sessions));
      for (const column of board.columns) {
        const cell = trainee[view][column];
        const td = el("td", "num heat");
        td.dataset.column = column;
        if (cell) {
          td.classList.add(band(cell.score));
          td.dataset.score = cell.score;
          const link = el("a", "", cell.score);
          link.href = `/sessions/${encodeURIComponent(cell.session_id)}/replay?lang=${lang}`;
          link.title = fmt(P.open_session, {name: columnName(column)});
          td.append(link);
        } else {
          td.classList.add("heat-none");
          td.textContent = "–";
        }
        row.append(td);
      }
      body.append(row);
    }
    $("team-no-trainees").hidden = board.trainees.length > 0;
  }

  function turnLink(turn) {
    const where = turn.seq == null ? P.whole_session : fmt(P.turn_n, {seq: turn.seq});
    const link = el("a", "turn-link", `${turn.trainee} · ${day(turn.at)} · ${where}`);
    const [path, hash] = turn.url.split("#");
    link.href = `${path}?lang=${lang}${hash ? "#" + hash : ""}`;
    return link;
  }

  function drawRules() {
    const list = $("team-rules");
    list.replaceChildren();
    for (const rule of board.weakest_rules) {
      const item = el("li", "team-rule");
      item.dataset.rule = rule.rule;
      const head = el("div", "rule-head");
      head.append(el("strong", "rule-name", rule.name[lang] || rule.rule),
                  el("span", "feedback-chip", columnName(rule.dimension)),
                  el("span", "muted", fmt(P.rule_counts, {times: rule.times, lost: rule.lost, trainees: rule.trainees})));
      const turns = el("div", "rule-turns");
      for (const turn of rule.turns.slice(0, TURN_LINKS)) turns.append(turnLink(turn));
      if (rule.turns.length > TURN_LINKS) turns.append(el("span", "muted", fmt(P.more, {n: rule.turns.length - TURN_LINKS})));
      item.append(head, turns);
      list.append(item);
    }
    $("team-no-rules").hidden = board.weakest_rules.length > 0;
  }

  function fillPersonas() {
    const select = $("team-persona");
    for (const persona of board.personas) {
      const option = el("option", "", persona.name === persona.id ? persona.id : `${persona.name} · ${persona.id}`);
      option.value = persona.id;
      select.append(option);
    }
    select.value = filters.persona;
  }

  function setExportLinks() {
    for (const link of document.querySelectorAll(".export-links a[data-table]")) {
      const params = filterQuery();
      params.set("table", link.dataset.table);
      params.set("lang", lang);
      link.href = `/api/team/dashboard.csv?${params}`;
    }
  }

  async function load() {
    setExportLinks();
    const response = await fetch(`/api/team/dashboard?${filterQuery()}`, {credentials: "same-origin"});
    const body = await response.json().catch(() => ({}));
    if (!response.ok) {
      const problem = $("team-error");
      const detail = Array.isArray(body.detail) ? body.detail.map((d) => d.msg).join("; ") : body.detail;
      problem.textContent = fmt(P.load_error, {error: detail || response.status});
      problem.hidden = false;
      return;
    }
    board = body;
    $("team-summary").textContent = fmt(P.summary, {trainees: board.trainees.length, sessions: board.sessions});
    fillPersonas();
    drawChart();
    drawHeatmap("latest");
    drawRules();
  }

  $("team-dimension").addEventListener("change", () => { if (board) drawChart(); });
  for (const button of document.querySelectorAll(".heat-toggle button")) {
    button.addEventListener("click", () => { if (board) drawHeatmap(button.dataset.view); });
  }
  load();
})();
