// What every page that shows a scorecard shows alike (the chat page's result, the replay): the
// three next steps first, the rubric (pass mark, weights, minimums), and the credits and
// deductions grouped by dimension. Points and steps are shown by their names; the rule ids stay
// in the JSON. Scorecards stored before these fields existed show what they have.
window.PeilianScorecard = (function () {
  "use strict";
  const {T, el, fmt} = window.PeilianUI;
  const DIMS = ["questioning", "listening", "commitment", "concerns", "motive_fit"];

  function share(card, dim) {
    const weights = card.weights || {};
    const sum = Object.values(weights).reduce((a, b) => a + b, 0);
    return sum > 0 && dim in weights ? Math.round((100 * weights[dim]) / sum) : null;
  }

  // "Line 7", a button that jumps there when the page can, or "whole session".
  function turnRef(seq, jump) {
    if (seq === null || seq === undefined) return el("span", "turn-ref", T.whole_session);
    const text = fmt(T.turn, {n: seq});
    if (!jump) return el("span", "turn-ref", text);
    const node = el("button", "link turn-ref point-turn", text);
    node.type = "button";
    node.addEventListener("click", () => jump(seq));
    return node;
  }

  function labelled(cls, label, text) {
    const line = el("div", cls);
    line.append(el("span", "next-label", `${label}${T.colon}`));
    line.append(el("span", "next-text", text));
    return line;
  }

  // The three things to do next time, each tied to a turn, with a better line; null when none.
  function nextSteps(card, jump) {
    const steps = card.next_steps || [];
    if (!steps.length) return null;
    const box = el("section", "next-steps");
    box.id = "next-steps";
    box.append(el("h3", null, T.next_steps));
    box.append(el("p", "hint", T.next_steps_hint));
    const list = el("ol");
    for (const step of steps) {
      const item = el("li", `next-step ${step.kind}`);
      item.dataset.seq = step.seq === null ? "" : String(step.seq);
      item.dataset.dimension = step.dimension;
      const head = el("div", "next-head");
      head.append(el("strong", "next-name", step.name), " ", turnRef(step.seq, jump), " ",
                  el("span", "tag", T.dim[step.dimension] || step.dimension), " ",
                  el("span", "next-worth", fmt(T.worth, {n: step.cost})));
      item.append(head);
      item.append(labelled("next-why", T.why, step.why));
      item.append(labelled("next-do", T.how, step.do));
      item.append(labelled("next-line", T.better_line, `“${step.better_line}”`));
      list.append(item);
    }
    box.append(list);
    return box;
  }

  // The pass mark, and each dimension's score, weight and minimum; null for a scorecard without them.
  function rubric(card) {
    if (!("pass_mark" in card) && !card.weights) return null;
    const box = el("section", "rubric");
    box.id = "rubric";
    box.append(el("h3", null, T.rubric));
    if ("pass_mark" in card) {
      const line = card.pass_mark === null ? T.no_pass_mark_line : fmt(T.pass_mark_line, {n: card.pass_mark});
      box.append(el("p", "pass-mark", line));
    }
    if (!card.weights || !Object.keys(card.weights).length) return box;
    const table = el("table", "compact rubric-table");
    const head = el("tr");
    for (const text of [T.dimension, T.score, T.weight, T.minimum]) head.append(el("th", null, text));
    table.append(head);
    const mins = card.min_dimension || {};
    for (const dim of DIMS) {
      const score = card.dimensions[dim];
      const tr = el("tr");
      tr.dataset.dimension = dim;
      tr.append(el("td", null, T.dim[dim] || dim));
      const below = dim in mins && score < mins[dim];
      const cell = el("td", `num${below ? " below" : ""}`, String(score));
      if (below) cell.title = T.below_minimum;
      tr.append(cell);
      tr.append(el("td", "num weight", `${share(card, dim)}%`));
      tr.append(el("td", "num minimum", dim in mins ? `≥ ${mins[dim]}` : "–"));
      table.append(tr);
    }
    box.append(table);
    return box;
  }

  // Every credit and deduction, grouped by dimension, into `table` (emptied first).
  function points(card, table, jump) {
    table.replaceChildren();
    for (const dim of DIMS) {
      const mine = (card.points || []).filter((p) => p.dimension === dim);
      if (!mine.length) continue;
      const group = el("tbody", "dim-group");
      group.dataset.dimension = dim;
      const weight = share(card, dim);
      const name = T.dim[dim] || dim;
      const title = weight === null ? `${name} · ${card.dimensions[dim]}`
        : fmt(T.dim_group, {name, score: card.dimensions[dim], weight});
      const head = el("tr", "dim-head");
      const th = el("th", null, title);
      th.colSpan = 4;
      head.append(th);
      group.append(head);
      for (const p of mine) {
        const tr = el("tr", "point");
        if (p.seq !== null && p.seq !== undefined) tr.dataset.seq = p.seq;
        tr.append(el("td", `delta ${p.delta >= 0 ? "plus" : "minus"}`, (p.delta > 0 ? "+" : "") + p.delta));
        tr.append(el("td", "point-name", p.name || ""));
        const where = el("td", "where");
        where.append(p.seq === null || p.seq === undefined ? el("span", null, "–") : turnRef(p.seq, jump));
        tr.append(where);
        tr.append(el("td", "reason", p.reason));
        group.append(tr);
      }
      table.append(group);
    }
    return table;
  }

  // "Try this turn again": a new session from the customer's state just before trainee turn `seq`.
  function retryButton(sessionId, seq) {
    const button = el("button", "secondary small retry-turn", T.retry_turn);
    button.type = "button";
    button.dataset.seq = seq;
    button.title = fmt(T.retry_turn_hint, {n: seq});
    button.addEventListener("click", async () => {
      button.disabled = true;
      const response = await fetch(`/api/sessions/${encodeURIComponent(sessionId)}/retry`, {
        method: "POST", headers: {"Content-Type": "application/json"}, body: JSON.stringify({seq}),
      });
      const payload = await response.json().catch(() => ({}));
      if (!response.ok) {
        button.disabled = false;
        button.after(el("span", "error retry-error", String(payload.detail || response.status)));
        return;
      }
      location.href = `/practice/${encodeURIComponent(payload.id)}?lang=${window.PEILIAN.lang}`;
    });
    return button;
  }

  return {nextSteps, rubric, points, retryButton};
})();
