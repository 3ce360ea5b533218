// The admin's user management page (/admin/users): every account with its role, coach (team) and
// status; change the role or coach, give a one-time password, deactivate or reactivate.
// Plain JavaScript over /api/users; data goes in by textContent only.
(function () {
  "use strict";
  const {T, $, el, fmt, failure} = window.PeilianUI;
  const U = T.users_page;
  const CFG = window.PEILIAN_USERS;
  const pad = (n) => String(n).padStart(2, "0");
  let users = [];

  const api = (method, url, body) => window.PeilianUI.api(method, url, body, {network: U.network});

  function message(text) {
    const box = $("users-message");
    box.textContent = text || "";
    box.hidden = !text;
  }

  function localText(raw) {
    if (!raw) return "–";
    const when = new Date(/(Z|[+-]\d\d:?\d\d)$/.test(raw) ? raw : `${raw}Z`);
    if (Number.isNaN(when.getTime())) return raw;
    return `${when.getFullYear()}-${pad(when.getMonth() + 1)}-${pad(when.getDate())} ${pad(when.getHours())}:${pad(when.getMinutes())}`;
  }

  function select(options, value, label) {
    const node = el("select");
    node.setAttribute("aria-label", label);
    for (const [key, text] of options) {
      const option = el("option", null, text);
      option.value = key;
      option.selected = key === value;
      node.append(option);
    }
    return node;
  }

  function cellOf(node) {
    const td = el("td");
    td.append(node);
    return td;
  }

  function button(text, cls, onClick) {
    const node = el("button", cls, text);
    node.type = "button";
    node.addEventListener("click", onClick);
    return node;
  }

  function notice(text) {
    const box = $("users-status");
    box.textContent = text;
    box.hidden = !text;
  }

  // A saved change redraws its own row only (other rows keep what is being edited there), unless the
  // role changed: that changes who may be picked as a coach in every row.
  async function change(user, body) {
    const result = await api("PATCH", `/api/users/${user.id}`, body);
    if (!result.ok) { message(failure(result)); return; }
    message("");
    if ("role" in body) {
      await load(user.username);
    } else {
      users = users.map((u) => (u.id === result.data.id ? result.data : u));
      rowOf(user.username).replaceWith(row(result.data, true));
    }
    notice(fmt(U.saved, {name: user.username}));
  }

  function rowOf(username) {
    return [...$("users-table").querySelectorAll("tbody tr")].find((tr) => tr.dataset.username === username);
  }

  function row(user, saved) {
    const tr = el("tr", user.active ? null : "inactive");
    tr.dataset.username = user.username;
    if (saved) tr.dataset.saved = "true";
    tr.append(el("td", "username", user.username));
    const role = select(Object.entries(T.roles), user.role, U.role);
    role.className = "role";
    tr.append(cellOf(role));
    const coaches = users.filter((u) => u.role === "coach" && u.active && u.id !== user.id)
      .map((u) => [u.username, u.username]);
    if (user.coach && !coaches.some(([name]) => name === user.coach)) coaches.push([user.coach, user.coach]);
    const coach = select([["", U.no_coach], ...coaches], user.coach || "", U.coach);
    coach.className = "coach";
    tr.append(cellOf(coach));
    const status = el("td", "status", user.active ? U.active : U.inactive);
    if (user.must_change_password) status.append(el("span", "tag", U.must_change));
    tr.append(status);
    tr.append(el("td", null, localText(user.created_at)));
    const actions = el("td", "actions");
    actions.append(button(U.save, "secondary save", () => {
      const body = {};
      if (role.value !== user.role) body.role = role.value;
      if (coach.value !== (user.coach || "")) body.coach = coach.value || null;
      if (Object.keys(body).length) change(user, body);
    }));
    actions.append(button(U.reset, "secondary reset", async () => {
      if (!window.confirm(fmt(U.reset_confirm, {name: user.username}))) return;
      const result = await api("POST", `/api/users/${user.id}/password-reset`);
      if (!result.ok) { message(failure(result)); return; }
      message("");
      $("users-password-text").textContent = fmt(U.new_password, {name: result.data.username, password: result.data.one_time_password});
      $("users-password").hidden = false;
      await load(user.username);
    }));
    if (user.active) {
      actions.append(button(U.deactivate, "secondary deactivate", () => {
        if (window.confirm(fmt(U.deactivate_confirm, {name: user.username}))) change(user, {active: false});
      }));
    } else {
      actions.append(button(U.reactivate, "secondary reactivate", () => change(user, {active: true})));
    }
    tr.append(actions);
    return tr;
  }

  async function load(saved) {
    const result = await api("GET", "/api/users");
    if (!result.ok) { message(failure(result)); return; }
    users = result.data;
    $("users-table").querySelector("tbody").replaceChildren(...users.map((u) => row(u, u.username === saved)));
    $("users-table").dataset.loaded = "true";
  }

  load();
})();
