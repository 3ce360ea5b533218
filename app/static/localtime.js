// Show every <time datetime="…"> in the reader's own time zone (the server writes UTC).
(function () {
  "use strict";
  const pad = (n) => String(n).padStart(2, "0");
  for (const node of document.querySelectorAll("time[datetime]")) {
    const when = new Date(node.getAttribute("datetime"));
    if (Number.isNaN(when.getTime())) continue;
    node.title = node.textContent;
    node.textContent = `${when.getFullYear()}-${pad(when.getMonth() + 1)}-${pad(when.getDate())} ${pad(when.getHours())}:${pad(when.getMinutes())}`;
  }
})();
