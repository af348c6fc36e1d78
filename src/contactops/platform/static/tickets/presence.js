// Who else is on this ticket, live. The page beats (POST /api/v1/tickets/{n}/presence) at once,
// every 3 s, and as soon as the agent starts or stops typing the answer; the answer names the
// other users on the ticket, who of them is typing, and the ticket's version: higher than this
// page's means the ticket changed since it was rendered. One request is in flight at a time.
// Leaving the page sends DELETE (keepalive). Every visible text comes from the page, translated
// (tickets/_presence.html).
(() => {
  "use strict";
  const root = document.getElementById("ticket-presence");
  if (!root) {
    return;
  }
  const BEAT_MS = 3000;
  const TYPING_MS = 4000; // typing = input in the answer within the last 4 s
  const REQUEST_TIMEOUT_MS = 10000;
  const STOP_ON = new Set([401, 403, 404]); // signed out, not allowed, ticket gone

  const url = root.dataset.url;
  const ticketPath = root.dataset.ticketPath;
  const csrfToken = root.dataset.csrfToken;
  const pageVersion = Number(root.dataset.version);
  const texts = { viewers: root.dataset.textViewers, typing: root.dataset.textTyping };
  const viewersEl = root.querySelector('[data-testid="ticket-viewers"]');
  const changedEl = root.querySelector('[data-testid="ticket-changed"]');
  const reloadLink = changedEl.querySelector("[data-reload]");
  const field = document.getElementById(root.dataset.typingField);
  const draftKey = `contactops.ticket-draft:${ticketPath}`;
  const lang = document.documentElement.lang || undefined;
  const listFormat = typeof Intl.ListFormat === "function" ? new Intl.ListFormat(lang, { type: "conjunction" }) : null;

  let typing = false;
  let typingTimer = null;
  let beatTimer = null;
  let inFlight = false;
  let again = false; // a beat was asked for while one was in flight
  let stopped = false;
  let staying = false; // the next page is this ticket again: do not say we left
  let shownKey = "";

  // --- drawing -------------------------------------------------------------------------

  /** Append ``text`` to ``parent`` with ``{key}`` replaced by ``value`` (a string or a node). */
  function appendFilled(parent, text, key, value) {
    const [before, ...after] = text.split(`{${key}}`);
    parent.append(before);
    parent.append(value);
    parent.append(after.join(`{${key}}`));
  }

  function viewerElement(viewer) {
    const element = document.createElement("strong");
    element.dataset.viewer = String(viewer.user_id);
    element.dataset.typing = viewer.typing ? "true" : "false";
    element.textContent = viewer.name;
    return element;
  }

  /** The viewers' names as the reader's language lists them ("A, B and C"). */
  function nameList(viewers) {
    const fragment = document.createDocumentFragment();
    if (!listFormat) {
      viewers.forEach((viewer, index) => {
        fragment.append(index ? ", " : "", viewerElement(viewer));
      });
      return fragment;
    }
    let index = 0;
    for (const part of listFormat.formatToParts(viewers.map((viewer) => viewer.name))) {
      fragment.append(part.type === "element" ? viewerElement(viewers[index++]) : part.value);
    }
    return fragment;
  }

  function drawViewers(viewers) {
    const key = JSON.stringify(viewers.map((v) => [v.user_id, v.name, v.typing]));
    if (key === shownKey) {
      return; // unchanged: keep the live region quiet
    }
    shownKey = key;
    viewersEl.replaceChildren();
    viewersEl.hidden = viewers.length === 0;
    if (!viewers.length) {
      return;
    }
    const line = document.createElement("span");
    appendFilled(line, texts.viewers, "names", nameList(viewers));
    viewersEl.append(line);
    for (const viewer of viewers.filter((v) => v.typing)) {
      const note = document.createElement("em");
      note.dataset.typingNote = String(viewer.user_id);
      appendFilled(note, texts.typing, "name", viewer.name);
      viewersEl.append(" ", note);
    }
  }

  function show(answer) {
    drawViewers(Array.isArray(answer.viewers) ? answer.viewers : []);
    if (Number(answer.version) > pageVersion) {
      changedEl.hidden = false;
    }
  }

  // --- the heartbeat -------------------------------------------------------------------

  async function beat() {
    if (stopped) {
      return;
    }
    if (inFlight) {
      again = true;
      return;
    }
    clearTimeout(beatTimer);
    inFlight = true;
    const controller = new AbortController();
    const timeout = setTimeout(() => controller.abort(), REQUEST_TIMEOUT_MS);
    try {
      const response = await fetch(url, {
        method: "POST",
        credentials: "same-origin",
        headers: { "Content-Type": "application/json", Accept: "application/json", "X-CSRF-Token": csrfToken },
        body: JSON.stringify({ typing }),
        signal: controller.signal,
      });
      if (response.ok) {
        show(await response.json());
      } else if (STOP_ON.has(response.status)) {
        stop();
        drawViewers([]);
      }
    } catch (_error) {
      // The network or the server failed: the next beat tries again.
    } finally {
      clearTimeout(timeout);
      inFlight = false;
    }
    if (stopped) {
      return;
    }
    if (again) {
      again = false;
      beat();
    } else {
      beatTimer = setTimeout(beat, BEAT_MS);
    }
  }

  function stop() {
    stopped = true;
    clearTimeout(beatTimer);
    clearTimeout(typingTimer);
  }

  function resume() {
    stopped = false;
    beat();
  }

  /** Stop beating and tell the server at once that this page leaves the ticket. */
  function leave() {
    if (stopped) {
      return; // left already, or the server stopped listening (signed out, ticket gone)
    }
    stop();
    fetch(url, {
      method: "DELETE",
      keepalive: true,
      credentials: "same-origin",
      headers: { "X-CSRF-Token": csrfToken },
    }).catch(() => {});
  }

  // --- events --------------------------------------------------------------------------

  if (field) {
    field.addEventListener("input", () => {
      clearTimeout(typingTimer);
      typingTimer = setTimeout(() => {
        typing = false;
        beat();
      }, TYPING_MS);
      if (!typing) {
        typing = true;
        beat();
      }
    });
  }

  // A form of this ticket (reply, status...) or the Reload link leads back to this ticket:
  // no need to say we left. Any other form (signing out, switching the tenant) leaves now,
  // while the session still holds.
  document.addEventListener("submit", (event) => {
    const form = event.target;
    if (!(form instanceof HTMLFormElement)) {
      return;
    }
    if (new URL(form.action, location.href).pathname.startsWith(`${ticketPath}/`)) {
      staying = true;
    } else {
      leave();
    }
  });
  reloadLink.addEventListener("click", () => {
    staying = true;
    try {
      if (field && field.value.trim()) {
        sessionStorage.setItem(draftKey, field.value); // the answer typed so far survives the reload
      }
    } catch (_error) {
      // No session storage (private mode): the reload loses the draft, as a plain reload would.
    }
  });

  window.addEventListener("pagehide", () => {
    if (staying) {
      stop();
    } else {
      leave();
    }
  });
  window.addEventListener("pageshow", (event) => {
    if (event.persisted) {
      staying = false; // back from the back-forward cache
      resume();
    }
  });
  document.addEventListener("visibilitychange", () => {
    if (document.visibilityState === "visible" && !stopped) {
      beat(); // hidden tabs beat slower (the browser throttles timers): catch up at once
    }
  });

  try {
    const draft = sessionStorage.getItem(draftKey);
    if (draft !== null) {
      sessionStorage.removeItem(draftKey);
      if (field && !field.value) {
        field.value = draft;
      }
    }
  } catch (_error) {
    // No session storage: nothing was kept.
  }
  beat();
})();
