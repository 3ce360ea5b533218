// A certification attempt: the locked-down chat. No silence timer, no line feedback, no scorecard;
// a countdown of the time left, but the server is the authority: it ends the attempt at time-up
// ({"type":"error","code":"time_up"} then {"type":"ended","reason":"time_up"}). Frames: DESIGN 4.2.
(function () {
  "use strict";
  const {T, $, el} = window.PeilianUI;
  const C = T.cert;
  const PAGE = window.PEILIAN_ATTEMPT;

  let ws = null;
  let ended = false;
  let endRequested = false;
  let typingSent = false;
  let lastSeq = 0;  // the last customer turn shown whole; resume asks for those after it
  let retries = 0;
  const pending = new Map();   // client id -> bubble, until acknowledged
  const replies = window.PeilianReplies(addBubble);  // the customer's replies by turn number
  const customer = replies.bySeq;

  // ---- the countdown: shown from the server's time left when the page loaded ----
  let deadline = null;
  let ticker = null;
  function clockText(seconds) {
    const whole = Math.max(0, Math.ceil(seconds));
    return `${String(Math.floor(whole / 60)).padStart(2, "0")}:${String(whole % 60).padStart(2, "0")}`;
  }
  function tick() {
    const left = Math.max(0, (deadline - performance.now()) / 1000);
    $("countdown-value").textContent = clockText(left);
    $("countdown").classList.toggle("low", left < 60);
    $("countdown").classList.toggle("over", left <= 0);
  }
  function startCountdown(seconds) {
    deadline = performance.now() + seconds * 1000;
    tick();
    ticker = setInterval(tick, 250);
  }
  function stopCountdown(zero) {
    clearInterval(ticker);
    if (zero) $("countdown-value").textContent = clockText(0);
  }

  // ---- bubbles ----
  function addBubble(speaker, text) {
    const item = el("li", `msg ${speaker}`);
    item.append(el("span", "text", text));
    item.append(el("span", "meta", ""));
    $("messages").append(item);
    scrollDown();
    return item;
  }
  function scrollDown() { const box = $("messages"); box.scrollTop = box.scrollHeight; }
  function showError(text) { addBubble("error", `${T.error}${T.colon}${text}`).classList.add("error"); }
  function seen(seq) { if (seq > lastSeq) lastSeq = seq; }

  // ---- the socket ----
  function connect() {
    const scheme = location.protocol === "https:" ? "wss" : "ws";
    ws = new WebSocket(`${scheme}://${location.host}${PAGE.ws_url}`);
    $("conn").textContent = T.connecting;
    ws.addEventListener("open", () => {
      const again = retries > 0;
      retries = 0;
      $("conn").textContent = T.connected;
      if (again) replies.dropCut();
      if (again || lastSeq > 0) send({type: "resume", last_seq: lastSeq});
    });
    ws.addEventListener("close", () => {
      $("conn").textContent = T.disconnected;
      if (!ended && retries < 5) {
        retries += 1;
        setTimeout(connect, 1000 * retries);
      }
    });
    ws.addEventListener("message", (event) => onFrame(JSON.parse(event.data)));
  }

  function send(frame) {
    if (ws && ws.readyState === WebSocket.OPEN) ws.send(JSON.stringify(frame));
  }

  function onFrame(frame) {
    window.PeilianThinking.frame(frame);
    switch (frame.type) {
      case "ack": {
        const bubble = pending.get(frame.id);
        if (bubble) {
          bubble.dataset.seq = frame.seq;
          bubble.querySelector(".meta").textContent = `#${frame.seq} · ${T.delivered}`;
          pending.delete(frame.id);
        }
        break;
      }
      case "customer_start": {
        if (customer.has(frame.seq)) break;
        const bubble = replies.bubble(frame.seq);
        bubble.classList.add("typing");
        bubble.querySelector(".meta").textContent = T.customer_typing;
        break;
      }
      case "customer_delta": {  // the reply arrives word by word
        const bubble = customer.get(frame.seq);
        if (bubble && bubble.classList.contains("typing")) {
          bubble.querySelector(".text").textContent += frame.text;
          scrollDown();
        }
        break;
      }
      case "customer_end": {
        const bubble = customer.get(frame.seq) || replies.bubble(frame.seq);
        bubble.classList.remove("typing");
        bubble.querySelector(".text").textContent = frame.text;
        bubble.querySelector(".meta").textContent = `#${frame.seq}`;
        typingSent = false;
        seen(frame.seq);
        scrollDown();
        break;
      }
      case "error":
        if (frame.code === "time_up") { $("time-up-note").hidden = false; finish("time_up"); }
        else if (frame.code === "session_ended") finish("end");
        else showError(T.ws_errors[frame.code] || T.ws_errors.other);
        break;
      case "ended":
        finish(frame.reason);
        break;
      default:  // a certification attempt shows no feedback and no scorecard, whatever arrives
        break;
    }
  }

  // ---- the end: by the candidate (confirmed) or by the server at time-up ----
  function lock() {
    for (const id of ["send", "end", "input"]) $(id).disabled = true;
  }

  function finish(reason) {
    lock();
    if (reason === "time_up") { $("time-up-note").hidden = false; stopCountdown(true); }
    else stopCountdown(false);
    if (ended) return;
    ended = true;
    $("submitted-message").textContent = C.submitted;
    $("submitted").hidden = false;
    $("chat").classList.add("attempt-ended");
    $("submitted").scrollIntoView({behavior: "smooth"});
    if (ws) ws.close();
  }

  function newId() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    return `m-${Date.now()}-${Math.random().toString(16).slice(2)}`;
  }

  function sendMessage() {
    const input = $("input");
    const text = input.value.trim();
    if (!text || ended || endRequested) return;
    const id = newId();
    pending.set(id, addBubble("trainee", text));
    send({type: "message", id, text});
    input.value = "";
    typingSent = false;
  }

  $("composer").addEventListener("submit", (event) => { event.preventDefault(); sendMessage(); });
  $("input").addEventListener("keydown", (event) => {
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) { event.preventDefault(); sendMessage(); }
  });
  $("input").addEventListener("input", () => {
    if (!typingSent && $("input").value.length > 0) { typingSent = true; send({type: "typing"}); }
  });
  $("end").addEventListener("click", () => {
    if (ended || endRequested || !window.confirm(C.end_confirm)) return;
    endRequested = true;
    lock();
    $("submitted-message").textContent = C.submitting;
    $("submitted").hidden = false;
    send({type: "end"});
  });

  // ---- a reload shows what was said so far ----
  async function history() {
    const response = await fetch(`/api/sessions/${encodeURIComponent(PAGE.session_id)}/transcript`);
    if (!response.ok) return;
    const transcript = await response.json();
    for (const turn of transcript.turns || []) {
      if (!turn.text) continue;
      const bubble = addBubble(turn.speaker === "trainee" ? "trainee" : "customer", turn.text);
      bubble.dataset.seq = turn.seq;
      bubble.querySelector(".meta").textContent = `#${turn.seq}`;
      if (turn.speaker !== "trainee") { customer.set(turn.seq, bubble); seen(turn.seq); }
    }
  }

  async function main() {
    await history();
    if (PAGE.ended) {
      $("conn").textContent = "";
      $("countdown-value").textContent = clockText(0);
      finish("end");
      return;
    }
    startCountdown(PAGE.seconds_left === null ? PAGE.time_limit_s : PAGE.seconds_left);
    connect();
    $("input").focus();
  }

  main().catch((error) => showError(String(error)));
})();
