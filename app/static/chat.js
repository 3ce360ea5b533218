// Trainee chat page: pick a persona, talk over the session WebSocket, see the scorecard (its
// next steps, rubric and grouped points come from scorecard.js).
// Plain JavaScript, no build step. Frames follow DESIGN 4.2.
(function () {
  "use strict";
  const {T, $, el, fmt} = window.PeilianUI;
  const THRESHOLD = window.PEILIAN.thresholdS;

  let ws = null;
  let session = null;
  let typingSent = false;
  let ended = false;
  const pending = new Map();   // client id -> {bubble, text}, until acknowledged
  const replies = window.PeilianReplies(addBubble);  // the customer's replies by turn number
  const customer = replies.bySeq;

  // ---- persona picker ----
  async function loadPersonas() {
    const grid = $("personas");
    const response = await fetch("/api/personas");
    const cards = await response.json();
    for (const card of cards) {
      const box = el("article", "persona");
      box.dataset.personaId = card.id;
      // The card's own words are in the card's language: marked so (screen readers, fonts).
      const own = (tag, cls, text) => { const node = el(tag, cls, text); node.lang = card.language; return node; };
      box.append(own("h3", null, card.name));
      box.append(own("div", "who", `${card.title} · ${card.organization}`));
      const tags = el("div", "tags");
      tags.append(el("span", "tag", T.languages[card.language] || card.language));
      tags.append(el("span", "tag", `${T.motive}${T.colon}${T.motives[card.motive] || card.motive}`));
      tags.append(el("span", "tag", `${T.concern}${T.colon}${T.concerns[card.concern_level] || card.concern_level}`));
      tags.append(el("span", "tag", `${T.difficulty}${T.colon}${T.difficulties[card.difficulty] || card.difficulty}`));
      box.append(tags);
      const selling = el("div", "who", `${T.selling}${T.colon}`);
      selling.append(own("span", null, card.selling));
      box.append(selling);
      if (card.brief) box.append(own("p", "brief", card.brief));
      const start = el("button", "start", T.start);
      start.type = "button";
      start.setAttribute("aria-label", fmt(T.start_with, {name: card.name}));  // which of the twelve, for a screen reader
      start.addEventListener("click", () => startSession(card));
      box.append(start);
      grid.append(box);
    }
    const query = new URLSearchParams(location.search);
    const wanted = query.get("persona");
    const version = query.get("version");  // a built card's version: its editor plays a draft from the builder
    if (version) {
      const response = await fetch(`/api/personas/${encodeURIComponent(wanted)}`);
      if (!response.ok) { showError((await response.json()).detail); return; }
      const built = await response.json();
      startSession({...built.card, version: Number(version)}, true);
      return;
    }
    const chosen = cards.find((card) => card.id === wanted);
    if (chosen) startSession(chosen, true);
  }

  async function startSession(card, fromLink) {
    const response = await fetch("/api/sessions", {
      method: "POST",
      headers: {"Content-Type": "application/json"},
      body: JSON.stringify(card.version ? {persona_id: card.id, version: card.version} : {persona_id: card.id}),
    });
    if (!response.ok) { showError((await response.json()).detail); return; }
    session = await response.json();
    showChat(card);
    // The session gets its own address, so a reload, Back/Forward or the language switch come back
    // to it. A link that named the persona is replaced (going back to it would start another session).
    const url = practiceUrl(session.id, window.PEILIAN.lang);
    if (fromLink) history.replaceState(null, "", url); else history.pushState(null, "", url);
    const other = document.querySelector(".lang-switch");
    if (other) other.href = practiceUrl(session.id, window.PEILIAN.lang === "zh" ? "en" : "zh");
    connect();
    $("input").focus();
  }

  function practiceUrl(id, lang) { return `/practice/${encodeURIComponent(id)}?lang=${lang}`; }
  window.addEventListener("popstate", () => location.reload());  // Back to the picker, Forward to the session

  function showChat(card) {
    $("picker").hidden = true;
    $("chat").hidden = false;
    $("persona-name").textContent = `${card.name} · ${card.title} · ${card.organization}`;
    $("persona-name").lang = $("persona-brief").lang = card.language;
    $("persona-brief").textContent = card.brief || "";
  }

  // ---- picking a session up at its own address: the turns so far, then the socket (or the result) ----
  let restored = false;
  async function resumeSession(id) {
    const get = async (path) => {
      const response = await fetch(path);
      if (!response.ok) throw new Error((await response.json().catch(() => ({}))).detail || response.status);
      return response.json();
    };
    const api = `/api/sessions/${encodeURIComponent(id)}`;
    const [info, transcript] = await Promise.all([get(api), get(`${api}/transcript`)]);
    session = {id, ws_url: `/ws/sessions/${encodeURIComponent(id)}`};
    showChat(info.persona);
    if (info.retry_of) $("persona-brief").after(el("p", "hint retry-note", fmt(T.retry_note, {n: info.retry_of.seq})));
    for (const turn of transcript.turns) {
      const bubble = turn.speaker === "trainee" ? addBubble("trainee", turn.text) : replies.bubble(turn.seq);
      bubble.dataset.seq = turn.seq;
      bubble.querySelector(".text").textContent = turn.text;
      bubble.querySelector(".meta").textContent = turn.speaker === "trainee" ? `#${turn.seq} · ${T.delivered}` : `#${turn.seq}`;
      if (turn.speaker === "customer") seen(turn.seq);
    }
    restored = true;
    if (info.status !== "ended") { connect(); $("input").focus(); return; }
    lockComposer();
    if (info.scored) showScorecard(await get(`${api}/scorecard`));
    else showUnscored();
  }

  // ---- WebSocket ----
  // A dropped socket is reopened with growing delays; then `resume` asks for what was missed and
  // every message not yet acknowledged is sent again (the server stores a message id once).
  // A reply cut off with the socket is taken down: the server sends it again whole, perhaps under
  // a new number (a server that died mid-reply leaves no half turn behind).
  let lastSeq = 0;  // the last customer turn shown whole; resume asks for those after it
  let retries = 0;
  let closedOnPurpose = false;

  function connect() {
    const scheme = location.protocol === "https:" ? "wss" : "ws";
    ws = new WebSocket(`${scheme}://${location.host}${session.ws_url}`);
    window.PEILIAN.socket = ws;
    setConn(retries ? T.reconnecting : T.connecting);
    ws.addEventListener("open", () => {
      setConn(T.connected);
      if (retries > 0 || restored) {
        replies.dropCut();
        // A reloaded page asks for everything once: the turns it has are kept, their labels come back.
        ws.send(JSON.stringify({type: "resume", last_seq: retries > 0 ? lastSeq : 0}));
        for (const [id, item] of pending) ws.send(JSON.stringify({type: "message", id, text: item.text}));
      }
      retries = 0;
    });
    ws.addEventListener("close", () => {
      if (closedOnPurpose) { setConn(T.disconnected); return; }
      const delay = Math.min(500 * 2 ** retries, 10000);
      retries += 1;
      setConn(T.reconnecting);
      setTimeout(connect, delay);
    });
    ws.addEventListener("message", (event) => onFrame(JSON.parse(event.data)));
  }

  function setConn(text) { $("conn").textContent = text; }

  function send(frame) {
    if (ws && ws.readyState === WebSocket.OPEN) ws.send(JSON.stringify(frame));
  }

  function seen(seq) { if (seq > lastSeq) lastSeq = seq; }

  function onFrame(frame) {
    window.PeilianThinking.frame(frame);
    switch (frame.type) {
      case "ack": {
        const item = pending.get(frame.id);
        if (item) {
          item.bubble.dataset.seq = frame.seq;
          item.bubble.querySelector(".meta").textContent = `#${frame.seq} · ${T.delivered}`;
          pending.delete(frame.id);
        }
        break;
      }
      case "feedback": {
        const bubble = [...document.querySelectorAll(".msg.trainee")].find((b) => b.dataset.seq === String(frame.seq));
        if (bubble && !bubble.querySelector(".feedback-chip")) {
          const name = (T.labels[frame.label] || frame.label) + (frame.topic ? ` · ${T.topics[frame.topic] || frame.topic}` : "");
          const chip = el("span", `feedback-chip label-${frame.label}`, frame.pitch ? `${name} · ${T.labels.pitch}` : name);
          chip.title = frame.reason;
          bubble.append(chip);
          bubble.append(el("span", "feedback-reason", frame.reason));
        }
        break;
      }
      case "customer_start": {
        if (customer.has(frame.seq)) break;  // replayed after a reconnect: already on the page
        stopSilence();
        const bubble = replies.bubble(frame.seq);
        bubble.classList.add("typing");
        bubble.querySelector(".meta").textContent = T.customer_typing;
        break;
      }
      case "customer_delta": {
        const bubble = customer.get(frame.seq);
        if (bubble) { bubble.querySelector(".text").textContent += frame.text; scrollDown(); }
        break;
      }
      case "customer_end": {
        seen(frame.seq);
        const bubble = customer.get(frame.seq) || replies.bubble(frame.seq);
        bubble.classList.remove("typing");
        bubble.querySelector(".text").textContent = frame.text;
        bubble.querySelector(".meta").textContent = `#${frame.seq}`;
        typingSent = false;
        startSilence();
        scrollDown();
        break;
      }
      case "scorecard":
        closedOnPurpose = true;
        lockComposer();  // the trainee ended, or the customer closed the meeting
        showScorecard(frame);
        break;
      case "ended":  // ended with no trainee line: nothing to score
        closedOnPurpose = true;
        lockComposer();
        showUnscored();
        break;
      case "error":
        if (frame.code === "session_ended" && !ended) { closedOnPurpose = true; location.reload(); break; }  // closed while away
        showError(T.ws_errors[frame.code] || T.ws_errors.other);
        break;
    }
  }

  // ---- composing ----
  function addBubble(speaker, text) {
    const item = el("li", `msg ${speaker}`);
    item.append(el("span", "text", text));
    item.append(el("span", "meta", ""));
    $("messages").append(item);
    scrollDown();
    return item;
  }

  function scrollDown() { const box = $("messages"); box.scrollTop = box.scrollHeight; }

  function showError(text) {
    const item = addBubble("error", `${T.error}${T.colon}${text}`);
    item.classList.add("error");
  }

  function newId() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    return `m-${Date.now()}-${Math.random().toString(16).slice(2)}`;
  }

  function sendMessage() {
    const input = $("input");
    const text = input.value.trim();
    if (!text || ended) return;
    const id = newId();
    const bubble = addBubble("trainee", text);
    pending.set(id, {bubble, text});
    send({type: "message", id, text});
    input.value = "";
    typingSent = false;
    stopSilence();
  }

  $("composer").addEventListener("submit", (event) => { event.preventDefault(); sendMessage(); });
  $("input").addEventListener("keydown", (event) => {
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) { event.preventDefault(); sendMessage(); }
  });
  $("input").addEventListener("input", () => {
    if (!typingSent && $("input").value.length > 0) {
      typingSent = true;
      send({type: "typing"});
      stopSilence(true);
    }
  });
  function lockComposer() {
    ended = true;
    $("send").disabled = true; $("end").disabled = true; $("input").disabled = true;
    stopSilence();
  }

  $("end").addEventListener("click", () => {
    if (ended || !window.confirm(T.end_confirm)) return;
    lockComposer();
    const result = $("result");
    result.hidden = false;
    result.textContent = T.grading;
    send({type: "end"});
  });

  // ---- golden-silence timer: starts when the customer finishes, stops at the first keystroke ----
  let silenceStart = null;
  let silenceTimer = null;
  function startSilence() {
    silenceStart = performance.now();
    clearInterval(silenceTimer);
    silenceTimer = setInterval(renderSilence, 100);
    renderSilence();
  }
  function renderSilence() {
    if (silenceStart === null) return;
    const seconds = (performance.now() - silenceStart) / 1000;
    const box = $("silence");
    $("silence-value").textContent = `${seconds.toFixed(1)} s`;
    box.classList.toggle("held", seconds >= THRESHOLD);
    box.classList.toggle("running", seconds < THRESHOLD);
  }
  function stopSilence(keep) {
    clearInterval(silenceTimer);
    if (keep && silenceStart !== null) renderSilence();
    silenceStart = null;
  }

  // ---- scorecard ----
  function showScorecard(card) {
    const result = $("result");
    result.replaceChildren();
    result.hidden = false;
    result.append(el("h2", null, T.scorecard));

    const head = el("div", "score-head");
    head.append(el("div", "overall", String(card.overall)));
    head.append(el("div", null, T.overall));
    const badge = card.passed === null
      ? el("span", "badge none", T.no_pass_mark)
      : el("span", `badge ${card.passed ? "pass" : "fail"}`, card.passed ? T.passed : T.not_passed);
    head.append(badge);
    result.append(head);

    const S = window.PeilianScorecard;
    const steps = S.nextSteps(card, null);  // what to do next time comes first
    if (steps) result.append(steps);
    result.append(window.PeilianFactRecap.section(session.id));

    const grid = el("div", "grid2");
    const left = el("div");
    left.append(el("h3", null, T.dimensions));
    const bars = el("div", "bars");
    for (const [key, value] of Object.entries(card.dimensions)) {
      bars.append(el("span", null, T.dim[key] || key));
      const bar = el("div", "bar");
      const fill = el("span");
      fill.style.width = `${value}%`;
      bar.append(fill);
      bars.append(bar);
      bars.append(el("span", "dim-value", String(value)));
    }
    left.append(bars);
    const rubric = S.rubric(card);
    if (rubric) left.append(rubric);

    left.append(el("h3", null, T.silence_stats));
    const s = card.silence;
    const silenceTable = el("table");
    silenceTable.append(row([T.after_question, `${T.held} ${s.after_question.held} · ${T.broken} ${s.after_question.broken}`]));
    silenceTable.append(row([T.after_answer, `${T.held} ${s.after_answer.held} · ${T.missed} ${s.after_answer.missed}`]));
    silenceTable.append(row([T.threshold, `${s.threshold_s} s`]));
    left.append(silenceTable);

    left.append(el("h3", null, T.commitment));
    const c = card.commitment;
    const elements = (c.elements || []).map((e) => T.element_names[e] || e).join(T.list_separator) || "–";
    const commitTable = el("table");
    commitTable.append(row([T.requested, c.requested ? T.yes : T.no]));
    commitTable.append(row([T.secured, c.secured ? `${T.yes}${c.seq ? " (#" + c.seq + ")" : ""}` : T.no]));
    commitTable.append(row([T.elements, elements]));
    left.append(commitTable);
    grid.append(left);

    const right = el("div");
    right.append(el("h3", null, T.counts));
    const counts = el("table");
    for (const [key, value] of Object.entries(card.counts)) counts.append(row([T.labels[key] || key, String(value)]));
    right.append(counts);
    grid.append(right);
    result.append(grid);

    if (card.points && card.points.length) {
      result.append(el("h3", null, T.points));
      const table = S.points(card, el("table", "points"), null);
      table.id = "points";
      result.append(table);
    }

    result.append(el("h3", null, T.turn_feedback));
    const list = el("ol", "feedback");
    for (const turn of card.turns) {
      const item = el("li");
      item.value = turn.seq;
      const name = T.labels[turn.label] || turn.label;
      const topic = turn.topic ? ` · ${T.topics[turn.topic] || turn.topic}` : "";
      item.append(el("span", "label", `#${turn.seq} ${name}${topic}`));
      if (turn.reason) item.append(el("div", "reason", turn.reason));
      for (const note of turn.notes || []) item.append(el("div", "note", note));
      item.append(S.retryButton(session.id, turn.seq));
      list.append(item);
    }
    result.append(list);
    resultLinks(result);
  }

  function showUnscored() {
    const result = $("result");
    result.replaceChildren(el("p", "not-scored", T.not_scored));
    result.hidden = false;
    resultLinks(result);
  }

  function resultLinks(result) {
    const replay = el("a", "button replay-link", T.open_replay);
    replay.href = `/sessions/${encodeURIComponent(session.id)}/replay?lang=${window.PEILIAN.lang}`;
    result.append(replay);
    result.append(" ");

    const again = el("a", "button new-session", T.new_session);
    again.href = `/?lang=${window.PEILIAN.lang}`;
    result.append(again);
    result.scrollIntoView({behavior: "smooth"});
  }

  function row(cells) {
    const tr = el("tr");
    for (const cell of cells) tr.append(el("td", null, cell));
    return tr;
  }

  if (window.PEILIAN.sessionId) resumeSession(window.PEILIAN.sessionId).catch((error) => showError(String(error)));
  else loadPersonas().catch((error) => showError(String(error)));
})();
