// HR's rubrics (on /certifications): the shipped and uploaded rubrics, and the form to upload one under
// a new name. A new rubric joins the form's rubric choices at once. Data goes in by textContent only.
(function () {
  "use strict";
  const {T, $, el, fmt, api, failure} = window.PeilianUI;
  const C = T.cert;

  const call = (method, body) => api(method, "/api/rubrics", body, {network: C.errors.network});

  async function load() {
    const result = await call("GET");
    if (!result.ok) return;
    const body = $("rubric-list").querySelector("tbody");
    body.replaceChildren(...result.data.map((rubric) => {
      const tr = el("tr");
      tr.dataset.name = rubric.name;
      tr.append(el("td", null, C.rubric_names[rubric.name] || rubric.name));
      tr.append(el("td", null, C.rubric_source[rubric.source] || rubric.source));
      tr.append(el("td", "num", rubric.pass_mark === null ? "–" : rubric.pass_mark));
      // Shipped rubrics describe themselves as "中文 / English": show the page's half.
      const [zh, en] = rubric.description.split(" / ", 2);
      tr.append(el("td", null, en === undefined ? zh : (document.documentElement.lang.startsWith("zh") ? zh : en)));
      return tr;
    }));
  }

  function offer(name) {
    const select = $("f-rubric");
    if (!select || [...select.options].some((option) => option.value === name)) return;
    const option = el("option", null, name);
    option.value = name;
    select.append(option);
  }

  $("rubric-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const out = $("rubric-result");
    const file = $("rubric-file").files[0];
    if (!file) { out.replaceChildren(el("p", "form-error", C.choose_file)); return; }
    const name = $("rubric-name").value.trim();
    const result = await call("POST", {name, yaml: await file.text()});
    if (!result.ok) { out.replaceChildren(el("p", "form-error", failure(result))); return; }
    out.replaceChildren(el("p", "hint", fmt(C.rubric_uploaded, {name: result.data.name})));
    $("rubric-form").reset();
    offer(result.data.name);
    await load();
  });

  load();
})();
