// /my/certifications: the signed-in candidate's certifications (GET /api/certifications), each with
// its window, attempts used, a Start button while the window is open and attempts remain, and the
// result once HR has released it (…/my-result). Data goes in by textContent only.
(function () {
  "use strict";
  const {T, $, el, fmt} = window.PeilianUI;
  const C = T.cert;
  const CFG = window.PEILIAN_CERT;
  const LANG = CFG.lang;
  const pad = (n) => String(n).padStart(2, "0");
  const parseUtc = (text) => (text ? new Date(/(Z|[+-]\d\d:?\d\d)$/.test(text) ? text : `${text}Z`) : null);
  const localText = (when) => (when ? `${when.getFullYear()}-${pad(when.getMonth() + 1)}-${pad(when.getDate())} ${pad(when.getHours())}:${pad(when.getMinutes())}` : "–");
  function timeNode(raw) {
    const node = el("time", null, localText(parseUtc(raw)));
    if (raw) node.dateTime = raw;
    return node;
  }

  async function getJson(url, init) {
    const response = await fetch(url, init);
    let data = null;
    try { data = await response.json(); } catch (error) { data = null; }
    return {ok: response.ok, status: response.status, data};
  }

  function errorText(result) {
    const detail = result.data && result.data.detail;
    if (detail && typeof detail === "object" && !Array.isArray(detail)) return C.errors[detail.code] || detail.message;
    return typeof detail === "string" ? detail : `HTTP ${result.status}`;
  }

  function status(cert, now) {
    if (now < parseUtc(cert.opens_at)) return ["not_open", C.status_not_open];
    if (now > parseUtc(cert.closes_at)) return ["closed", C.status_closed];
    if (cert.attempts_used >= cert.attempts) return ["no_attempts", C.status_no_attempts];
    return ["open", C.status_open];
  }

  function fact(list, name, value) {
    const row = el("div", "fact");
    row.append(el("dt", null, name));
    const dd = el("dd");
    if (value instanceof Node) dd.append(value); else dd.textContent = value;
    row.append(dd);
    list.append(row);
    return dd;
  }

  async function startAttempt(cert, button, message) {
    button.disabled = true;
    button.textContent = C.starting;
    const result = await getJson(`/api/certifications/${encodeURIComponent(cert.id)}/attempts`, {method: "POST"});
    if (result.ok) {
      location.href = `/certifications/${encodeURIComponent(cert.id)}/attempt/${encodeURIComponent(result.data.id)}?lang=${LANG}`;
      return;
    }
    button.disabled = false;
    button.textContent = C.start_attempt;
    message.textContent = errorText(result);
    message.hidden = false;
  }

  async function showResult(cert, box) {
    const result = await getJson(`/api/certifications/${encodeURIComponent(cert.id)}/my-result`);
    box.replaceChildren();
    if (!result.ok) return;
    const mine = result.data;
    if (!mine.released) {
      if (cert.attempts_used > 0) box.append(el("p", "result-pending", C.result_pending));
      return;
    }
    box.append(el("h3", null, C.your_result));
    if (mine.overall === null || mine.overall === undefined) { box.append(el("p", "empty", C.no_result)); return; }
    const head = el("div", "score-head");
    head.append(el("div", "overall", mine.overall));
    head.append(el("div", null, `${T.overall} · ${C.pass_mark} ${cert.pass_mark}`));
    head.append(el("span", `badge ${mine.passed ? "pass" : "fail"}`, mine.passed ? T.passed : T.not_passed));
    box.append(head);
    const minimums = cert.min_dimension || {};
    const below = mine.below_minimum || [];
    if (below.length) {  // why a score above the pass mark did not pass
      const items = below.map((d) => fmt(C.below_min_item, {dim: T.dim[d] || d, score: mine.dimensions[d], min: minimums[d]}));
      box.append(el("p", "fail-reason", `${C.below_min}${T.colon}${items.join(T.list_separator)}`));
    }
    const bars = el("div", "bars");
    for (const [key, value] of Object.entries(mine.dimensions || {})) {
      const name = el("span", null, T.dim[key] || key);
      if (key in minimums) name.append(el("span", "dim-min", ` ${fmt(C.min_at_least, {n: minimums[key]})}`));
      bars.append(name);
      const bar = el("div", "bar");
      const fill = el("span");
      fill.style.width = `${value}%`;
      bar.append(fill);
      bars.append(bar);
      bars.append(el("span", below.includes(key) ? "dim-value below-min" : "dim-value", value));
    }
    box.append(bars);
    if (mine.session_id) {  // the whole scorecard, with what to do next time, is on the attempt's replay
      const full = el("a", "full-scorecard-link", C.full_scorecard);
      full.href = `/sessions/${encodeURIComponent(mine.session_id)}/replay?lang=${LANG}`;
      const p = el("p");
      p.append(full);
      box.append(p);
    }
    if (mine.certificate) {
      const link = el("a", "button certificate-link", C.view_certificate);
      link.href = `/certificates/${encodeURIComponent(mine.certificate)}?lang=${LANG}`;
      const p = el("p");
      p.append(link);
      box.append(p);
    }
  }

  function card(cert, now) {
    const box = el("article", "panel my-cert");
    box.dataset.certId = cert.id;
    const [key, label] = status(cert, now);
    const head = el("div", "section-head");
    head.append(el("h2", null, cert.name));
    head.append(el("span", `badge status-${key} ${key === "open" ? "pass" : "none"}`, label));
    box.append(head);
    const facts = el("dl", "facts-list");
    const windowValue = el("span");
    windowValue.append(timeNode(cert.opens_at), " – ", timeNode(cert.closes_at));
    fact(facts, C.window, windowValue);
    fact(facts, C.time_limit, fmt(C.minutes, {n: cert.time_limit_s / 60}));
    fact(facts, C.attempts, fmt(C.used_of, {used: cert.attempts_used, allowed: cert.attempts})).classList.add("attempts-used");
    fact(facts, C.pass_mark, String(cert.pass_mark));
    box.append(facts);

    const message = el("p", "form-error", "");
    message.hidden = true;
    const running = CFG.running[cert.id];
    if (running) {
      const go = el("a", "button continue-attempt", C.continue_attempt);
      go.href = `/certifications/${encodeURIComponent(cert.id)}/attempt/${encodeURIComponent(running)}?lang=${LANG}`;
      box.append(go);
    } else if (key === "open") {
      const start = el("button", "start-attempt", C.start_attempt);
      start.type = "button";
      start.addEventListener("click", () => startAttempt(cert, start, message));
      box.append(start);
    }
    box.append(message);
    const result = el("div", "my-result");
    box.append(result);
    showResult(cert, result);
    return box;
  }

  async function load() {
    const result = await getJson("/api/certifications");
    if (!result.ok) { $("my-error").textContent = errorText(result); $("my-error").hidden = false; return; }
    const mine = result.data.filter((cert) => cert.attempts_used !== undefined);  // HR gets every one, not as a candidate
    const now = new Date();
    const list = $("my-certs");
    for (const cert of mine) list.append(card(cert, now));
    $("my-empty").hidden = mine.length > 0;
  }

  load().catch((error) => { $("my-error").textContent = String(error); $("my-error").hidden = false; });
})();
