/* Who else has this article or translation open (includes/presence.html): while the change
   form is open, a heartbeat tells the desk so, renewing this editor's edit lock, and the banner
   shows what the desk answers: who edits, who else looks, and whether someone took over.
   The rules are the server's (articles/editorial/locks.py); this only asks and shows. */
"use strict";
(function () {
  const banner = document.getElementById("desk-presence");
  if (!banner) return;
  const token = document.querySelector("input[name=csrfmiddlewaretoken]");
  const csrf = token ? token.value : "";
  const status = banner.querySelector(".desk-presence__status");
  const others = banner.querySelector(".desk-presence__others");
  const button = banner.querySelector(".desk-presence__take-over");
  let held = banner.dataset.held === "1";
  let at = banner.dataset.at;
  let lost = false;
  let timer = null;

  function show(state) {
    status.textContent = state.status;
    others.textContent = state.others;
    banner.classList.toggle("desk-presence--quiet", !state.status && !state.others);
    banner.classList.toggle("desk-presence--alert", state.lost);
    if (button) button.hidden = !state.may_take_over;
    held = state.mine;
    at = state.at;
    if (state.lost) {
      // Someone else holds the lock now: this page's changes cannot be saved. It stops
      // asking, so that it never takes the lock back by itself.
      lost = true;
      clearInterval(timer);
    }
  }

  async function post(url, fields) {
    const body = new FormData();
    for (const [name, value] of Object.entries(fields)) body.append(name, value);
    try {
      const response = await fetch(url, {
        method: "POST",
        body: body,
        headers: { "X-CSRFToken": csrf },
        credentials: "same-origin",
      });
      return response.ok ? await response.json() : null;
    } catch (error) {
      return null; // offline for a moment: the next heartbeat asks again
    }
  }

  async function beat() {
    if (lost) return;
    const state = await post(banner.dataset.presenceUrl, { held: held ? "1" : "0" });
    if (state) show(state);
  }

  function start() {
    clearInterval(timer);
    if (!lost) timer = setInterval(beat, Number(banner.dataset.heartbeat) || 20000);
  }

  if (button) {
    button.addEventListener("click", async () => {
      const state = await post(banner.dataset.takeOverUrl, {});
      if (state) show(state);
    });
  }
  window.addEventListener("pagehide", () => {
    clearInterval(timer);
    if (lost) return;
    // A courtesy: a lock nobody renews goes stale anyway.
    const body = new FormData();
    body.append("csrfmiddlewaretoken", csrf);
    body.append("at", at);
    navigator.sendBeacon(banner.dataset.releaseUrl, body);
    held = false;
  });
  window.addEventListener("pageshow", (event) => {
    if (event.persisted) {
      beat();
      start();
    }
  });
  start();
})();
