// "The customer is thinking…": shown from the server's `thinking` frame (sent as soon as a
// trainee line is taken) until the reply to that line starts, or the session ends. Shared by the
// chat page and the certification attempt page; each passes every frame to PeilianThinking.frame.
window.PeilianThinking = (function () {
  "use strict";
  const box = document.getElementById("thinking");
  let replyTo = null;  // the trainee line the customer is thinking about

  function show(seq) {
    replyTo = seq;
    box.hidden = false;
  }

  function hide() {
    replyTo = null;
    box.hidden = true;
  }

  function frame(f) {
    if (!box) return;
    if (f.type === "thinking") show(f.reply_to);
    else if (f.type === "customer_start" && replyTo !== null && f.seq > replyTo) hide();
    else if (f.type === "scorecard" || f.type === "ended") hide();
    else if (f.type === "error" && (f.code === "session_ended" || f.code === "time_up")) hide();
  }

  return {frame, hide};
})();
