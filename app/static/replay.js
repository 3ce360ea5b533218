// Replay page: a finished session played back with its real timing (DESIGN 4.1 times), the
// timeline of golden silences (2.4), every trainee line's label and its reason (2.3) beside any
// coach correction, the scorecard (4.1b) led by its next steps, with its rubric and its points
// grouped by dimension and linked to turns (scorecard.js), a radar of the five
// dimensions, the trainee's trend, and comments. Plain JavaScript, no build step, no library:
// text goes in with textContent only.
(function () {
  "use strict";
  const {T, $, el, fmt} = window.PeilianUI;
  const S = window.PeilianScorecard;
  const R = T.replay;
  const CFG = window.PEILIAN;
  const API = `/api/sessions/${encodeURIComponent(CFG.sessionId)}`;
  const SVG_NS = "http://www.w3.org/2000/svg";
  const LABELS = ["exploratory", "extension", "control", "confirmation", "commitment_request", "statement"];
  const TOPICS = ["process", "expectation", "need", "motive"];
  const DIMS = ["questioning", "listening", "commitment", "concerns", "motive_fit"];
  const TICK_MS = 50;

  const svg = (tag, attrs, text) => {
    const node = document.createElementNS(SVG_NS, tag);
    for (const [key, value] of Object.entries(attrs || {})) node.setAttribute(key, value);
    if (text !== undefined && text !== null) node.textContent = text;
    return node;
  };
  const titled = (node, text) => { node.append(svg("title", {}, text)); return node; };
  const pad = (n) => String(n).padStart(2, "0");
  const clock = (seconds) => {
    const s = Math.max(0, seconds || 0);
    let minutes = Math.floor(s / 60);
    let rest = (s - minutes * 60).toFixed(1);
    if (rest === "60.0") { minutes += 1; rest = "0.0"; }  // 59.96 s is 01:00.0, not 00:60.0
    return `${pad(minutes)}:${rest.padStart(4, "0")}`;
  };
  const secs = (value) => value.toFixed(1);  // a figure the grader already rounded (scoring/display.py)
  const localTime = (iso) => {
    const when = new Date(/Z|[+-]\d\d:\d\d$/.test(iso) ? iso : `${iso}Z`);
    return `${when.getFullYear()}-${pad(when.getMonth() + 1)}-${pad(when.getDate())} ${pad(when.getHours())}:${pad(when.getMinutes())}`;
  };
  const labelName = (label, topic, pitch) => {
    let name = T.labels[label] || label;
    if (topic) name += ` · ${T.topics[topic] || topic}`;
    if (pitch) name += ` · ${T.labels.pitch}`;
    return name;
  };
  const button = (text, cls, onClick) => {
    const node = el("button", cls, text);
    node.type = "button";
    node.addEventListener("click", onClick);
    return node;
  };

  // ---- data ----
  const data = {transcript: null, scorecard: null, corrections: {labels: [], scores: []}, comments: [], trend: []};
  let turns = [];              // {seq, speaker, text, start, doneAt, sentAt, node, state}
  const bySeq = new Map();
  let info = new Map();        // trainee seq -> the scorecard's turn (label, topic, pitch, reason, notes)
  let marks = [];              // silences after questions and answers
  let duration = 0;

  async function getJson(path) {
    const response = await fetch(path, {headers: {Accept: "application/json"}});
    if (!response.ok) {
      const error = new Error(`${path}: ${response.status}`);
      error.status = response.status;
      throw error;
    }
    return response.json();
  }

  async function send(method, path, body) {
    const response = await fetch(path, {method, headers: {"Content-Type": "application/json"}, body: JSON.stringify(body)});
    const payload = await response.json().catch(() => ({}));
    if (!response.ok) throw new Error(typeof payload.detail === "string" ? payload.detail : `${response.status}`);
    return payload;
  }

  async function load() {
    const [transcript, corrections, comments, trend] = await Promise.all([
      getJson(`${API}/transcript`), getJson(`${API}/corrections`), getJson(`${API}/comments`),
      getJson(`${API}/trend`),
    ]);
    let scorecard = null;
    try {
      // An unreleased certification attempt has no scorecard for this reader (the API says 403).
      if (!CFG.unreleased) scorecard = await getJson(`${API}/scorecard`);
    } catch (error) {
      if (error.status !== 409) throw error;  // 409: the session has not ended; no scorecard yet
    }
    Object.assign(data, {transcript, scorecard, corrections, comments, trend});
    info = new Map(((scorecard && scorecard.turns) || []).map((t) => [t.seq, t]));
    noteNew();
    buildTurns();
    marks = computeMarks();
    renderConversation();
    renderTurnSelect();
    renderTimeline();
    renderScorecard();
    renderCharts();
    renderComments();
    // The whole conversation shows at once; Play replays it from the start at its real pace.
    setTime(duration);
    const wanted = /^#turn-(\d+)$/.exec(location.hash);
    if (wanted && bySeq.has(Number(wanted[1]))) highlight(Number(wanted[1]));
    document.body.dataset.replayReady = "true";
  }

  // ---- the turns and their times ----
  function buildTurns() {
    let last = 0;
    turns = data.transcript.turns.map((t) => {
      let start;
      let doneAt;
      if (t.speaker === "trainee") {
        doneAt = t.sent_at ?? t.typing_started_at ?? last;
        start = Math.min(t.typing_started_at ?? doneAt, doneAt);
      } else {
        start = t.started_at ?? t.ended_at ?? last;
        doneAt = Math.max(t.ended_at ?? start, start);
      }
      last = Math.max(last, doneAt);
      return {seq: t.seq, speaker: t.speaker, text: t.text, chars: Array.from(t.text), start, doneAt,
              firstKey: start, node: null, state: null, acts: t.acts || null};
    });
    bySeq.clear();
    for (const turn of turns) bySeq.set(turn.seq, turn);
    duration = turns.reduce((m, t) => Math.max(m, t.doneAt), 0);
    $("clock-total").textContent = ` / ${clock(duration)}`;
  }

  // Silences (DESIGN 2.4) as the grader judged them (the scorecard's `question_pauses` and `pauses`),
  // with the figures it rounded: green only for a silence that met the norm, red for a deduction,
  // neutral when the customer answered before the norm was reached (nothing to hold).
  function computeMarks() {
    const card = data.scorecard;
    if (!card) return [];
    const threshold = (card.silence && card.silence.threshold_s) || CFG.thresholdS;
    const reasons = new Map();
    for (const p of card.points || []) if (p.rule && p.rule.startsWith("listening.")) reasons.set(`${p.rule}:${p.seq}`, p.reason);
    const found = [];
    for (const q of card.question_pauses || []) {
      const turn = bySeq.get(q.seq);
      if (!turn || !q.verdict) continue;
      const rule = q.verdict === "broken" ? "question_broken" : "question_held";
      found.push({kind: `question_${q.verdict}`, cls: q.verdict, seq: q.seq, from: turn.doneAt, to: turn.doneAt + q.gap_s,
                  seconds: q.shown_s, threshold, reason: reasons.get(`listening.${rule}:${q.seq}`) || null});
    }
    for (const pause of card.pauses || []) {
      const answer = bySeq.get(pause.answer_seq);
      if (!answer) continue;
      const kind = pause.held ? "answer_held" : "answer_missed";
      found.push({kind, cls: pause.held ? "held" : "missed", seq: pause.seq, answerSeq: pause.answer_seq,
                  from: answer.doneAt, to: answer.doneAt + pause.pause_s, seconds: pause.shown_s, threshold,
                  reason: reasons.get(`listening.${kind}:${pause.seq}`) || null});
    }
    return found;
  }

  function markText(mark) {
    const values = {s: secs(mark.seconds), norm: mark.threshold, n: mark.seq, a: mark.answerSeq};
    return fmt(R.marks[mark.kind], values);
  }

  // ---- the conversation ----
  function renderConversation() {
    const list = $("turns");
    list.replaceChildren();
    for (const turn of turns) {
      turn.node = buildTurn(turn);
      list.append(turn.node);
    }
    if (!turns.length) list.append(el("li", "empty", R.no_turns));
  }

  function buildTurn(turn) {
    const item = el("li", `msg ${turn.speaker} turn`);
    item.id = `turn-${turn.seq}`;
    item.dataset.seq = turn.seq;
    item.hidden = true;
    const head = el("div", "turn-head");
    head.append(button(`#${turn.seq}`, "link seq", () => jump(turn.seq)));
    head.append(el("span", "who", turn.speaker === "trainee" ? R.trainee : R.customer));
    head.append(el("span", "turn-time", clock(turn.doneAt)));
    item.append(head);
    item.append(el("div", "typing-dots", turn.speaker === "trainee" ? R.trainee_typing : T.customer_typing));
    item.append(el("div", "text"));
    const extra = el("div", "turn-extra");
    if (turn.speaker === "trainee") {
      extra.append(el("div", "turn-labels"));
      const silences = el("div", "turn-silences");
      for (const mark of marks.filter((m) => m.seq === turn.seq)) {
        const chip = el("span", `silence-chip ${mark.cls}`, markText(mark));
        chip.dataset.kind = mark.kind;
        if (mark.reason) chip.title = mark.reason;
        silences.append(chip);
      }
      extra.append(silences);
    } else if (turn.acts) {
      extra.append(actChips(turn.acts));
    }
    extra.append(el("ul", "turn-comments"));
    if (CFG.canRetry && turn.speaker === "trainee") extra.append(window.PeilianScorecard.retryButton(CFG.sessionId, turn.seq));
    if (CFG.canAnnotate) extra.append(buildAnnotate(turn));
    item.append(extra);
    item.addEventListener("click", (event) => {
      if (event.target.closest("button, select, textarea, input, form, a")) return;
      highlight(turn.seq, false);
    });
    renderTurnLabels(turn, extra);
    renderTurnComments(turn, extra);
    return item;
  }

  // What the customer decided on this turn (the engine's record), so a coach sees why it said what it said.
  function actChips(acts) {
    const A = R.acts;
    const box = el("div", "turn-acts chips");
    box.title = A.title;
    for (const act of acts) {
      const parts = [A.kinds[act.kind] || act.kind];
      if (act.subject) parts.push(T.subjects[act.subject] || act.subject);
      if (act.level) parts.push(T.concerns[act.level] || act.level);
      if (act.reason) parts.push(A.reasons[act.reason] || act.reason);
      if (act.rank) parts.push(fmt(A.rank, {n: act.rank}));
      const chip = el("span", `act-chip act-${act.kind}`, parts.join(" · "));
      chip.dataset.kind = act.kind;
      box.append(chip);
    }
    return box;
  }

  function renderTurnLabels(turn, extra) {
    const box = (extra || turn.node.querySelector(".turn-extra")).querySelector(".turn-labels");
    if (!box) return;
    box.replaceChildren();
    const auto = info.get(turn.seq);
    if (!auto) return;
    const fix = data.corrections.labels.find((c) => c.seq === turn.seq);
    const chips = el("div", "chips");
    const autoChip = el("span", `feedback-chip label-${auto.label} auto${fix ? " superseded" : ""}`);
    autoChip.append(el("span", "chip-who", R.automatic));
    autoChip.append(document.createTextNode(labelName(auto.label, auto.topic, auto.pitch)));
    autoChip.dataset.label = auto.label;
    chips.append(autoChip);
    if (fix) {
      const coachChip = el("span", `feedback-chip label-${fix.label} coach`);
      coachChip.append(el("span", "chip-who", `${R.coach} ${fix.author}`));
      coachChip.append(document.createTextNode(labelName(fix.label, fix.topic, false)));
      coachChip.dataset.label = fix.label;
      chips.append(coachChip);
    }
    box.append(chips);
    box.append(el("div", "feedback-reason", auto.reason || ""));
    if (auto.notes && auto.notes.length) {
      const notes = el("ul", "turn-notes");
      for (const note of auto.notes) notes.append(el("li", null, note));
      box.append(notes);
    }
  }

  function renderTurnComments(turn, extra) {
    const list = (extra || turn.node.querySelector(".turn-extra")).querySelector(".turn-comments");
    list.replaceChildren();
    for (const comment of threads().filter((c) => c.seq === turn.seq)) list.append(commentItem(comment, false));
  }

  // Comments with their replies under them, oldest first.
  function threads() {
    const replies = new Map();
    for (const c of data.comments) {
      if (c.parent_id !== null) replies.set(c.parent_id, [...(replies.get(c.parent_id) || []), c]);
    }
    return data.comments.filter((c) => c.parent_id === null).map((c) => ({...c, replies: replies.get(c.id) || []}));
  }

  function commentItem(comment, withTarget) {
    const item = el("li", "comment");
    item.dataset.seq = comment.seq === null ? "" : String(comment.seq);
    item.dataset.commentId = String(comment.id);
    const meta = el("div", "comment-meta");
    if (newIds.has(comment.id)) {
      item.classList.add("is-new");
      const mark = el("span", "comment-new", R.new_comment);
      mark.title = R.new_comment_title;
      meta.append(mark);
    }
    meta.append(el("strong", null, comment.author));
    meta.append(el("span", null, ` · ${T.roles[comment.role] || comment.role} · ${localTime(comment.created_at)}`));
    if (withTarget) {
      if (comment.seq === null) meta.append(el("span", "comment-target", R.whole_session));
      else meta.append(button(`#${comment.seq}`, "link comment-target", () => jump(comment.seq)));
    }
    item.append(meta);
    item.append(el("div", "comment-text", comment.text));
    if (!comment.replies) return item;
    if (comment.replies.length) {
      const list = el("ul", "replies");
      for (const reply of comment.replies) list.append(commentItem(reply, false));
      item.append(list);
    }
    if (CFG.canReply) item.append(replyBox(comment));
    return item;
  }

  // A reply to a comment, from its coach or the trainee; it shows under the comment.
  function replyBox(comment) {
    const box = el("div", "reply");
    const form = el("form", "reply-form");
    form.hidden = true;
    const text = el("textarea", "reply-text");
    text.rows = 2;
    text.maxLength = 4000;
    text.setAttribute("aria-label", R.reply_text);
    const post = el("button", "small reply-save", R.send_reply);
    post.type = "submit";
    const status = el("span", "form-status");
    form.append(text, post, status);
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      if (!text.value.trim()) return;
      status.textContent = "";
      post.disabled = true;
      try {
        await sendComment({parent_id: comment.id, text: text.value.trim()});
      } catch (error) {
        status.textContent = `${T.error}${T.colon}${error.message}`;
      } finally {
        post.disabled = false;
      }
    });
    box.append(button(R.reply, "link reply-open", () => { form.hidden = !form.hidden; if (!form.hidden) text.focus(); }), form);
    return box;
  }

  // A coach's controls on one turn: correct the label (trainee lines), comment on the turn.
  function buildAnnotate(turn) {
    const box = el("div", "annotate");
    const bar = el("div", "annotate-bar");
    const forms = el("div", "annotate-forms");
    if (turn.speaker === "trainee" && info.has(turn.seq)) {
      bar.append(button(R.correct_label, "link fix-open", () => toggle(labelForm)));
    }
    bar.append(button(R.comment_turn, "link comment-open", () => toggle(commentForm)));
    box.append(bar, forms);

    const toggle = (form) => {
      const open = form.hidden;
      for (const f of forms.children) f.hidden = true;
      form.hidden = !open;
      if (open) { const first = form.querySelector("select, textarea"); if (first) first.focus(); }
    };

    const labelForm = el("form", "fix-form");
    labelForm.hidden = true;
    if (turn.speaker === "trainee" && info.has(turn.seq)) {
      const current = data.corrections.labels.find((c) => c.seq === turn.seq) || info.get(turn.seq);
      const labelSelect = el("select", "fix-label");
      labelSelect.setAttribute("aria-label", R.label);
      for (const name of LABELS) {
        const option = el("option", null, T.labels[name]);
        option.value = name;
        labelSelect.append(option);
      }
      labelSelect.value = current.label;
      const topicSelect = el("select", "fix-topic");
      topicSelect.setAttribute("aria-label", R.topic);
      const none = el("option", null, R.no_topic);
      none.value = "";
      topicSelect.append(none);
      for (const name of TOPICS) {
        const option = el("option", null, T.topics[name]);
        option.value = name;
        topicSelect.append(option);
      }
      topicSelect.value = current.topic || "";
      const syncTopic = () => {
        topicSelect.disabled = labelSelect.value !== "exploratory";
        if (topicSelect.disabled) topicSelect.value = "";
      };
      labelSelect.addEventListener("change", syncTopic);
      syncTopic();
      const save = el("button", "small fix-save", R.save);
      save.type = "submit";
      const status = el("span", "form-status");
      labelForm.append(labelSelect, topicSelect, save, status);
      labelForm.addEventListener("submit", async (event) => {
        event.preventDefault();
        status.textContent = "";
        try {
          await send("PUT", `${API}/corrections/labels/${turn.seq}`,
                     {label: labelSelect.value, topic: topicSelect.value || null});
          data.corrections = await getJson(`${API}/corrections`);
          renderTurnLabels(turn);
          labelForm.hidden = true;
        } catch (error) {
          status.textContent = `${T.error}${T.colon}${error.message}`;
        }
      });
    }

    const commentForm = el("form", "turn-comment-form");
    commentForm.hidden = true;
    const text = el("textarea", "turn-comment-text");
    text.rows = 2;
    text.maxLength = 4000;
    text.setAttribute("aria-label", R.comment);
    text.placeholder = fmt(R.comment_placeholder, {n: turn.seq});
    const post = el("button", "small turn-comment-save", R.add_comment);
    post.type = "submit";
    const status = el("span", "form-status");
    commentForm.append(text, post, status);
    commentForm.addEventListener("submit", async (event) => {
      event.preventDefault();
      if (!text.value.trim()) return;
      status.textContent = "";
      try {
        await sendComment({seq: turn.seq, text: text.value.trim()});
        text.value = "";
        commentForm.hidden = true;
      } catch (error) {
        status.textContent = `${T.error}${T.colon}${error.message}`;
      }
    });
    forms.append(labelForm, commentForm);
    return box;
  }

  async function sendComment(body) {
    await send("POST", `${API}/comments`, body);
    data.comments = await getJson(`${API}/comments`);
    noteNew();
    renderComments();
    for (const turn of turns) renderTurnComments(turn);
  }

  // Comments new to this reader keep their mark for the whole visit; the server hears they were shown.
  const newIds = new Set();
  function noteNew() {
    for (const c of data.comments) if (c.new) newIds.add(c.id);
    const last = data.comments.reduce((m, c) => Math.max(m, c.id), 0);
    if (CFG.canReply && last) send("POST", `${API}/comments/seen`, {last_id: last}).catch(() => {});
  }

  // ---- the player ----
  let now = 0;
  let playing = false;
  let speed = 1;
  let timer = null;
  let lastTick = 0;

  function setTime(t, fromPlay) {
    now = Math.min(Math.max(t, 0), duration);
    let appeared = null;
    for (const turn of turns) {
      let state;
      if (now < turn.start) state = "hidden";
      else if (now < turn.doneAt) state = turn.speaker === "trainee" ? "typing" : "speaking";
      else state = "done";
      const node = turn.node;
      const text = node.querySelector(".text");
      if (state !== turn.state) {
        if (turn.state === "hidden" || turn.state === null) appeared = state === "hidden" ? appeared : turn;
        turn.state = state;
        node.hidden = state === "hidden";
        node.dataset.state = state;
        node.classList.toggle("typing", state === "typing" || state === "speaking");
        if (state === "done") text.textContent = turn.text;
        else if (state !== "speaking") text.textContent = "";
      }
      if (state === "speaking") {
        // The customer's words appear as they were typed out, between started_at and ended_at.
        const share = (now - turn.start) / Math.max(turn.doneAt - turn.start, 0.001);
        text.textContent = turn.chars.slice(0, Math.max(1, Math.ceil(turn.chars.length * share))).join("");
      }
    }
    $("clock").textContent = clock(now);
    const head = $("timeline").querySelector(".playhead");
    if (head) { const x = timeX(now); head.setAttribute("x1", x); head.setAttribute("x2", x); }
    if (fromPlay && appeared) appeared.node.scrollIntoView({block: "nearest"});
  }

  function play() {
    if (!turns.length) return;
    if (now >= duration) setTime(0);
    playing = true;
    lastTick = performance.now();
    clearInterval(timer);
    timer = setInterval(tick, TICK_MS);
    $("play").textContent = `❚❚ ${R.pause}`;
    $("play").classList.add("playing");
  }

  function pause() {
    playing = false;
    clearInterval(timer);
    timer = null;
    $("play").textContent = `▶ ${R.play}`;
    $("play").classList.remove("playing");
  }

  function tick() {
    const at = performance.now();
    const elapsed = (at - lastTick) / 1000;
    lastTick = at;
    setTime(now + elapsed * speed, true);
    if (now >= duration) pause();
  }

  function setSpeed(value) {
    speed = value;
    for (const b of document.querySelectorAll(".speed")) b.setAttribute("aria-pressed", String(Number(b.dataset.speed) === value));
  }

  function highlight(seq, scroll) {
    for (const node of document.querySelectorAll(".turn.highlight")) node.classList.remove("highlight");
    for (const node of $("timeline").querySelectorAll(".selected")) node.classList.remove("selected");
    const turn = bySeq.get(seq);
    if (!turn) return;
    turn.node.classList.add("highlight");
    for (const node of $("timeline").querySelectorAll(`[data-seq="${seq}"]`)) node.classList.add("selected");
    $("turn-select").value = String(seq);
    if (scroll !== false) turn.node.scrollIntoView({block: "center"});
  }

  // Jump to a turn: the clock goes to the moment it was complete, and the turn is highlighted.
  function jump(seq) {
    const turn = bySeq.get(seq);
    if (!turn) return;
    setTime(turn.doneAt);
    highlight(seq);
    if (history.replaceState) history.replaceState(null, "", `#turn-${seq}`);
  }

  function renderTurnSelect() {
    const select = $("turn-select");
    const target = $("comment-target");
    for (const turn of turns) {
      const excerpt = turn.chars.length > 22 ? `${turn.chars.slice(0, 22).join("")}…` : turn.text;
      const text = `#${turn.seq} ${turn.speaker === "trainee" ? R.trainee : R.customer}${T.colon}${excerpt}`;
      const option = el("option", null, text);
      option.value = String(turn.seq);
      select.append(option);
      if (target) {
        const copy = el("option", null, text);
        copy.value = String(turn.seq);
        target.append(copy);
      }
    }
  }

  $("play").addEventListener("click", () => (playing ? pause() : play()));
  for (const b of document.querySelectorAll(".speed")) b.addEventListener("click", () => setSpeed(Number(b.dataset.speed)));
  $("turn-select").addEventListener("change", (event) => { if (event.target.value) jump(Number(event.target.value)); });
  $("show-all").addEventListener("click", () => { pause(); setTime(duration); });
  document.addEventListener("keydown", (event) => {
    if (event.key !== " " || event.target.closest("input, textarea, select, button, a")) return;
    event.preventDefault();
    playing ? pause() : play();
  });

  // ---- the timeline (SVG): lanes for typing and speaking, every pause, and the silence marks ----
  // A turn's bar and a silence mark act as buttons: reached with Tab, pressed with Enter or Space.
  function pressable(node, name, onPress) {
    node.setAttribute("tabindex", "0");
    node.setAttribute("role", "button");
    node.setAttribute("aria-label", name);
    node.addEventListener("click", (event) => { event.stopPropagation(); onPress(); });
    node.addEventListener("keydown", (event) => {
      if (event.key !== "Enter" && event.key !== " ") return;
      event.preventDefault();
      event.stopPropagation();
      onPress();
    });
    return node;
  }

  const TL = {left: 64, right: 14, width: 900};
  const timeX = (t) => TL.left + (duration ? t / duration : 0) * (TL.width - TL.left - TL.right);

  function renderTimeline() {
    const box = $("timeline");
    box.replaceChildren();
    TL.width = Math.max(box.clientWidth || 0, 480);
    const height = 132;
    box.setAttribute("viewBox", `0 0 ${TL.width} ${height}`);
    box.setAttribute("height", String(height));
    const lanes = {trainee: 10, customer: 32, silence: 54};
    const laneH = 16;
    const backdrop = svg("rect", {x: TL.left, y: 4, width: TL.width - TL.left - TL.right, height: 96, class: "backdrop"});
    box.append(backdrop);
    box.append(svg("text", {x: 4, y: lanes.trainee + 12, class: "lane-label"}, R.trainee));
    box.append(svg("text", {x: 4, y: lanes.customer + 12, class: "lane-label"}, R.customer));
    box.append(svg("text", {x: 4, y: lanes.silence + 12, class: "lane-label"}, R.silence_lane));

    // Every pause: the gaps when nobody was typing or speaking.
    const busy = turns.map((t) => [t.start, t.doneAt]).sort((a, b) => a[0] - b[0]);
    let cursor = 0;
    for (const [from, to] of busy) {
      if (from - cursor >= 0.3) {
        // A pause the grader measured reads as the grader rounded it.
        const graded = marks.find((m) => m.kind.startsWith("answer") && Math.abs(m.from - cursor) < 0.01 && Math.abs(m.to - from) < 0.01);
        const seconds = graded ? secs(graded.seconds) : (from - cursor).toFixed(1);
        box.append(titled(svg("rect", {x: timeX(cursor), y: lanes.silence + 4, width: timeX(from) - timeX(cursor),
                                       height: laneH - 8, class: "pause"}), fmt(R.pause_title, {s: seconds})));
      }
      cursor = Math.max(cursor, to);
    }

    for (const turn of turns) {
      const lane = turn.speaker === "trainee" ? lanes.trainee : lanes.customer;
      const width = Math.max(timeX(turn.doneAt) - timeX(turn.start), 3);
      const bar = svg("rect", {x: timeX(turn.start), y: lane, width, height: laneH, rx: 3,
                               class: `bar ${turn.speaker === "trainee" ? "typing" : "speaking"}`, "data-seq": turn.seq});
      const label = info.get(turn.seq);
      const name = `#${turn.seq} ${turn.speaker === "trainee" ? R.trainee : R.customer} ${clock(turn.start)}–${clock(turn.doneAt)}${label ? " · " + labelName(label.label, label.topic, label.pitch) : ""}`;
      box.append(pressable(titled(bar, name), name, () => jump(turn.seq)));
    }

    // Marks; their seconds printed below, the faults first so that a label never hides one.
    const taken = {84: [], 97: []};
    const priority = {question_broken: 0, answer_missed: 1, answer_held: 2, question_held: 3, question_answered: 4};
    for (const mark of [...marks].sort((a, b) => priority[a.kind] - priority[b.kind])) {
      const group = svg("g", {class: `mark ${mark.cls}`, "data-kind": mark.kind, "data-seq": mark.seq});
      const x1 = timeX(mark.from);
      const x2 = Math.max(timeX(mark.to), x1 + 2);
      group.append(svg("rect", {x: x1, y: lanes.silence + 2, width: x2 - x1, height: laneH - 4, rx: 2}));
      group.append(svg("circle", {cx: x2, cy: lanes.silence + laneH / 2, r: 4.5}));
      // After a question the norm is "nothing more before the answer"; after an answer, a pause of ≥ 4 s.
      const text = mark.kind.startsWith("question_") && mark.kind !== "question_broken" ? `${secs(mark.seconds)} s` : `${secs(mark.seconds)}/${mark.threshold} s`;
      const row = mark.kind.startsWith("question") ? 84 : 97;
      const span = [x1 - 2, x1 + text.length * 5.6 + 2];
      if (!taken[row].some(([a, b]) => span[0] < b && a < span[1])) {
        taken[row].push(span);
        group.append(svg("text", {x: x1, y: row, class: "mark-label"}, text));
      }
      titled(group, `#${mark.seq} ${markText(mark)}${mark.reason ? "\n" + mark.reason : ""}`);
      box.append(pressable(group, `#${mark.seq} ${markText(mark)}`, () => jump(mark.seq)));
    }

    // Axis with a tick every 5/10/15/30/60/120 s.
    const axisY = 104;
    box.append(svg("line", {x1: TL.left, x2: TL.width - TL.right, y1: axisY, y2: axisY, class: "axis"}));
    const step = [5, 10, 15, 30, 60, 120, 300].find((s) => duration / s <= 12) || 600;
    for (let t = 0; t <= duration + 0.001; t += step) {
      box.append(svg("line", {x1: timeX(t), x2: timeX(t), y1: axisY, y2: axisY + 4, class: "axis"}));
      box.append(svg("text", {x: timeX(t), y: axisY + 16, class: "tick", "text-anchor": "middle"}, clock(t).slice(0, 5)));
    }
    box.append(svg("line", {x1: timeX(now), x2: timeX(now), y1: 2, y2: axisY, class: "playhead"}));
    box.onclick = (event) => {
      const rect = box.getBoundingClientRect();
      const x = ((event.clientX - rect.left) / rect.width) * TL.width;
      if (x < TL.left) return;
      setTime(((x - TL.left) / (TL.width - TL.left - TL.right)) * duration);
    };
  }

  // ---- scorecard ----
  const noScorecard = () => (CFG.unreleased ? R.unreleased_hint : R.not_ended);

  function coachScores() {
    return new Map(data.corrections.scores.map((c) => [c.dimension, c]));
  }

  function renderScorecard() {
    const box = $("scorecard");
    box.replaceChildren();
    const card = data.scorecard;
    if (!card) { box.append(el("p", "hint", noScorecard())); return; }
    const head = el("div", "score-head");
    head.append(el("div", "overall", String(card.overall)));
    const badge = card.passed === null
      ? el("span", "badge none", T.no_pass_mark)
      : el("span", `badge ${card.passed ? "pass" : "fail"}`, card.passed ? T.passed : T.not_passed);
    head.append(badge);
    if (card.outcome) head.append(el("span", `tag outcome-${card.outcome}`, R.outcomes[card.outcome] || card.outcome));
    if (card.talk_percent !== null && card.talk_percent !== undefined) {
      const share = el("span", "tag talk-share", fmt(R.talk_ratio, {p: card.talk_percent}));
      share.id = "talk-share";
      head.append(share);
    }
    box.append(head);
    const steps = S.nextSteps(card, jump);  // what to do next time comes first
    if (steps) box.append(steps);

    box.append(el("h3", null, T.dimensions));
    const fixes = coachScores();
    const bars = el("div", "bars dims");
    bars.id = "dimensions";
    for (const key of Object.keys(card.dimensions)) {
      const value = card.dimensions[key];
      const fix = fixes.get(key);
      const name = el("span", "dim-name", T.dim[key] || key);
      const bar = el("div", "bar");
      const fill = el("span");
      fill.style.width = `${value}%`;
      bar.append(fill);
      if (fix) {
        const coachMark = el("i", "coach-mark");
        coachMark.style.left = `${fix.score}%`;
        bar.append(coachMark);
      }
      const values = el("span", "dim-value");
      values.dataset.dimension = key;
      values.append(el("span", "auto-score", String(value)));
      if (fix) values.append(el("span", "coach-score", `${R.coach} ${fix.score}`));
      bars.append(name, bar, values);
      if (CFG.canAnnotate) {
        const fixBox = el("span", "score-fix");
        const open = button(R.correct, "link score-fix-open", () => { form.hidden = !form.hidden; if (!form.hidden) input.focus(); });
        const form = el("form", "score-fix-form");
        form.hidden = true;
        const input = el("input");
        input.type = "number"; input.min = "0"; input.max = "100"; input.required = true;
        input.value = String(fix ? fix.score : value);
        input.setAttribute("aria-label", `${T.dim[key] || key} · ${R.coach}`);
        const save = el("button", "small", R.save);
        save.type = "submit";
        const status = el("span", "form-status");
        form.append(input, save, status);
        form.addEventListener("submit", async (event) => {
          event.preventDefault();
          try {
            await send("PUT", `${API}/corrections/scores/${key}`, {score: Number(input.value)});
            data.corrections = await getJson(`${API}/corrections`);
            renderScorecard();
            renderCharts();
          } catch (error) {
            status.textContent = `${T.error}${T.colon}${error.message}`;
          }
        });
        fixBox.append(open, form);
        bars.append(fixBox);
      } else {
        bars.append(el("span"));
      }
    }
    box.append(bars);
    const rubric = S.rubric(card);
    if (rubric) box.append(rubric);

    box.append(el("h3", null, T.silence_stats));
    const s = card.silence;
    const silence = el("table", "compact");
    silence.append(row([T.after_question, `${T.held} ${s.after_question.held} · ${T.broken} ${s.after_question.broken}`]));
    silence.append(row([T.after_answer, `${T.held} ${s.after_answer.held} · ${T.missed} ${s.after_answer.missed}`]));
    silence.append(row([T.threshold, `≥ ${s.threshold_s} s`]));
    box.append(silence);

    box.append(el("h3", null, T.counts));
    const counts = el("table", "compact counts");
    for (const [key, value] of Object.entries(card.counts)) counts.append(row([T.labels[key] || key, String(value)]));
    box.append(counts);

    box.append(el("h3", null, T.commitment));
    const c = card.commitment;
    const commit = el("table", "compact");
    commit.append(row([T.requested, c.requested ? T.yes : T.no]));
    const secured = el("tr");
    secured.append(el("td", null, T.secured));
    const securedCell = el("td", null, c.secured ? T.yes : T.no);
    if (c.secured && c.seq) { securedCell.append(" "); securedCell.append(button(`#${c.seq}`, "link", () => jump(c.seq))); }
    secured.append(securedCell);
    commit.append(secured);
    commit.append(row([T.elements, (c.elements || []).map((e) => T.element_names[e] || e).join(T.list_separator) || "–"]));
    box.append(commit);

    S.points(card, $("points"), jump);  // grouped by dimension, by name
  }

  function row(cells) {
    const tr = el("tr");
    for (const cell of cells) tr.append(el("td", null, cell));
    return tr;
  }

  // ---- charts: radar of the five dimensions, the trainee's trend ----
  function renderCharts() {
    renderRadar();
    renderTrend();
  }

  function renderRadar() {
    const box = $("radar");
    box.replaceChildren();
    const card = data.scorecard;
    if (!card) { box.append(el("p", "hint", noScorecard())); return; }
    const size = 300;
    const cx = size / 2;
    const cy = 138;
    const radius = 92;
    const chart = svg("svg", {viewBox: `0 0 ${size} 270`, class: "radar", role: "img", "aria-label": R.radar});
    const angle = (i) => (-90 + (360 / DIMS.length) * i) * (Math.PI / 180);
    const point = (i, value) => [cx + Math.cos(angle(i)) * radius * (value / 100), cy + Math.sin(angle(i)) * radius * (value / 100)];
    const polygon = (values) => values.map((v, i) => point(i, v).map((n) => n.toFixed(1)).join(",")).join(" ");
    for (const level of [25, 50, 75, 100]) {
      chart.append(svg("polygon", {points: polygon(DIMS.map(() => level)), class: "ring"}));
    }
    DIMS.forEach((key, i) => {
      const [x, y] = point(i, 100);
      chart.append(svg("line", {x1: cx, y1: cy, x2: x, y2: y, class: "spoke"}));
      const [lx, ly] = point(i, 122);
      const anchor = Math.abs(lx - cx) < 8 ? "middle" : lx > cx ? "start" : "end";
      chart.append(svg("text", {x: lx, y: ly + 4, "text-anchor": anchor, class: "radar-label"}, T.dim[key] || key));
    });
    const autoValues = DIMS.map((k) => card.dimensions[k] ?? 0);
    chart.append(svg("polygon", {points: polygon(autoValues), class: "area auto"}));
    autoValues.forEach((v, i) => {
      const [x, y] = point(i, v);
      chart.append(titled(svg("circle", {cx: x, cy: y, r: 3, class: "dot auto"}), `${T.dim[DIMS[i]]}${T.colon}${v}`));
    });
    const fixes = coachScores();
    if (fixes.size) {
      const coachValues = DIMS.map((k) => (fixes.has(k) ? fixes.get(k).score : card.dimensions[k] ?? 0));
      chart.append(svg("polygon", {points: polygon(coachValues), class: "area coach"}));
      coachValues.forEach((v, i) => {
        const [x, y] = point(i, v);
        chart.append(titled(svg("circle", {cx: x, cy: y, r: 3, class: "dot coach"}), `${T.dim[DIMS[i]]} · ${R.coach}${T.colon}${v}`));
      });
    }
    box.append(chart);
    const legend = el("div", "chart-legend");
    legend.append(el("span", "key auto", R.automatic));
    if (fixes.size) legend.append(el("span", "key coach", R.coach_overlay));
    box.append(legend);
  }

  function renderTrend() {
    const box = $("trend");
    box.replaceChildren();
    const series = data.trend.filter((p) => p.overall !== null && p.overall !== undefined);
    if (!series.length) { box.append(el("p", "hint", R.no_trend)); return; }
    const width = Math.max(box.clientWidth || 0, 260);
    const height = 150;
    const pad = {left: 30, right: 14, top: 12, bottom: 24};
    const chart = svg("svg", {viewBox: `0 0 ${width} ${height}`, width: "100%", height, class: "trend", role: "group", "aria-label": R.trend});  // its points are links
    const x = (i) => pad.left + (series.length === 1 ? 0.5 : i / (series.length - 1)) * (width - pad.left - pad.right);
    const y = (v) => pad.top + (1 - v / 100) * (height - pad.top - pad.bottom);
    for (const level of [0, 50, 100]) {
      chart.append(svg("line", {x1: pad.left, x2: width - pad.right, y1: y(level), y2: y(level), class: "grid"}));
      chart.append(svg("text", {x: pad.left - 6, y: y(level) + 4, "text-anchor": "end", class: "tick"}, String(level)));
    }
    chart.append(svg("polyline", {points: series.map((p, i) => `${x(i).toFixed(1)},${y(p.overall).toFixed(1)}`).join(" "), class: "line"}));
    series.forEach((p, i) => {
      const current = p.session_id === CFG.sessionId;
      const link = svg("a", {href: `/sessions/${encodeURIComponent(p.session_id)}/replay?lang=${CFG.lang}`, class: current ? "point current" : "point"});
      link.setAttribute("data-session-id", p.session_id);
      link.append(svg("circle", {cx: x(i), cy: y(p.overall), r: current ? 6.5 : 4}));
      const name = `${localTime(p.created_at)} · ${p.persona_id} · ${T.overall} ${p.overall}`;
      link.setAttribute("aria-label", name);
      titled(link, name);
      chart.append(link);
      if (current) chart.append(svg("text", {x: x(i), y: y(p.overall) - 10, "text-anchor": "middle", class: "current-label"}, String(p.overall)));
    });
    const first = series[0].created_at;
    const last = series[series.length - 1].created_at;
    chart.append(svg("text", {x: pad.left, y: height - 6, class: "tick"}, localTime(first).slice(5, 10)));
    if (series.length > 1) chart.append(svg("text", {x: width - pad.right, y: height - 6, "text-anchor": "end", class: "tick"}, localTime(last).slice(5, 10)));
    box.append(chart);
    box.append(el("p", "hint", fmt(R.trend_hint, {n: series.length})));
  }

  // ---- comments ----
  function renderComments() {
    const list = $("comments");
    list.replaceChildren();
    if (!data.comments.length) list.append(el("li", "empty", R.no_comments));
    for (const comment of threads()) list.append(commentItem(comment, true));
  }

  const form = $("comment-form");
  if (form) {
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      const text = $("comment-text").value.trim();
      if (!text) return;
      const target = $("comment-target").value;
      const submit = $("comment-submit");
      submit.disabled = true;
      try {
        await sendComment({seq: target ? Number(target) : null, text});
        $("comment-text").value = "";
      } catch (error) {
        alert(`${T.error}${T.colon}${error.message}`);
      } finally {
        submit.disabled = false;
      }
    });
  }

  let resizeTimer = null;
  window.addEventListener("resize", () => {
    clearTimeout(resizeTimer);
    resizeTimer = setTimeout(() => { if (data.transcript) { renderTimeline(); renderTrend(); highlightKeep(); } }, 150);
  });
  function highlightKeep() {
    const current = document.querySelector(".turn.highlight");
    if (current) highlight(Number(current.dataset.seq), false);
  }

  load().catch((error) => {
    const hint = $("replay-hint");
    hint.textContent = `${T.error}${T.colon}${error.message}`;
    hint.classList.add("form-error");
  });
})();
