// The fact recap after a session: which of the customer's hidden facts the trainee uncovered,
// out of how many, by subject (GET /api/sessions/<id>/facts). Missed facts are only counted.
window.PeilianFactRecap = (function () {
  "use strict";
  const {T, el, fmt} = window.PeilianUI;

  function fill(box, recap) {
    const R = T.recap;
    box.append(el("p", "recap-count", fmt(R.count, recap)));
    if (!recap.total) { box.append(el("p", "hint", R.none)); return; }
    const list = el("ul", "recap-subjects");
    for (const group of recap.subjects) {
      const state = group.uncovered === group.total ? "complete" : group.uncovered ? "partial" : "missed";
      const item = el("li", `recap-subject ${state}`);
      item.dataset.subject = group.subject;
      const head = el("div", "recap-head");
      head.append(el("span", "recap-name", T.subjects[group.subject] || group.subject));
      head.append(el("span", "recap-n", fmt(R.subject_count, group)));
      item.append(head);
      if (group.facts.length) {
        const facts = el("ul", "recap-facts");
        for (const fact of group.facts) {
          const line = el("li", null, fact.text);
          line.append(el("span", "meta", fmt(R.from_turn, fact)));
          facts.append(line);
        }
        item.append(facts);
      }
      const missed = group.total - group.uncovered;
      if (missed) item.append(el("div", "recap-missed", fmt(R.missed, {n: missed})));
      list.append(item);
    }
    box.append(list);
  }

  // A section that fills itself once the recap has loaded.
  function section(sessionId) {
    const box = el("section", "fact-recap");
    box.id = "fact-recap";
    box.append(el("h3", null, T.recap.title));
    fetch(`/api/sessions/${encodeURIComponent(sessionId)}/facts`)
      .then((response) => (response.ok ? response.json() : Promise.reject(new Error(String(response.status)))))
      .then((recap) => fill(box, recap))
      .catch(() => box.append(el("p", "hint", T.recap.unavailable)));
    return box;
  }

  return {section};
})();
