// The agent desktop: state, offers and contacts from GET /api/v1/live/desktop, read again
// whenever the Server-Sent Events stream says `changed`. Actions POST to the same API with the
// CSRF header and draw the desktop they answer; a refused action shows the API's own message.
// What the agent is typing survives every redraw (drafts are kept by contact and field).
(() => {
  "use strict";
  const root = document.getElementById("desktop");
  const configBlock = document.getElementById("desktop-config");
  if (!root || !configBlock) {
    return;
  }
  const config = JSON.parse(configBlock.textContent);
  const T = config.texts;
  const csrfToken = root.dataset.csrfToken;
  const locale = document.documentElement.lang || "en";
  const zone = config.time_zone;

  const els = {
    error: document.getElementById("desk-error"),
    connection: document.getElementById("desk-connection"),
    agent: document.getElementById("desk-agent-name"),
    stateName: document.getElementById("desk-state-name"),
    stateReason: document.getElementById("desk-state-reason"),
    stateTime: document.getElementById("desk-state-time"),
    reason: document.getElementById("desk-reason"),
    waiting: document.getElementById("desk-waiting"),
    offers: document.getElementById("desk-offers"),
    contacts: document.getElementById("desk-contacts"),
    announce: document.getElementById("desk-announce"),
  };

  let view = null;
  let stopped = false;
  let clockOffsetMs = 0;
  const drafts = new Map(); // "contactId:field" -> value typed and not yet sent
  const openPanels = new Set(); // "contactId:panel" of the <details> the agent opened
  const cardMessages = new Map(); // contactId -> {kind: "error"|"notice", text}
  const customers = new Map(); // customer id -> {state, profile, history}
  let transferTargets = null; // [code, name] of the agents ready now

  // --- text and time -------------------------------------------------------------------

  const fill = (text, values) => text.replace(/\{(\w+)\}/g, (_m, key) => (key in values ? values[key] : `{${key}}`));
  const timeFormat = new Intl.DateTimeFormat(locale, { timeZone: zone, hour: "numeric", minute: "2-digit" });
  const dateTimeFormat = new Intl.DateTimeFormat(locale, { timeZone: zone, dateStyle: "medium", timeStyle: "short" });
  const now = () => Date.now() + clockOffsetMs;
  const PHONE_NUMBER = /^\+?[\d\s().-]{3,}$/;

  function duration(totalSeconds) {
    const s = Math.max(0, Math.floor(totalSeconds));
    const hours = Math.floor(s / 3600);
    const minutes = Math.floor((s % 3600) / 60);
    const seconds = String(s % 60).padStart(2, "0");
    return hours ? `${hours}:${String(minutes).padStart(2, "0")}:${seconds}` : `${minutes}:${seconds}`;
  }

  /** The wall-clock value of an <input type=datetime-local>, read in the tenant's zone, as ISO 8601 with its offset. */
  function zonedIso(localValue) {
    const match = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})/.exec(localValue);
    if (!match) {
      return null;
    }
    const [year, month, day, hour, minute] = match.slice(1).map(Number);
    const wall = Date.UTC(year, month - 1, day, hour, minute);
    const offsetAt = (instant) => {
      const parts = {};
      for (const part of new Intl.DateTimeFormat("en-US", {
        timeZone: zone, hourCycle: "h23", year: "numeric", month: "2-digit", day: "2-digit",
        hour: "2-digit", minute: "2-digit", second: "2-digit",
      }).formatToParts(new Date(instant))) {
        parts[part.type] = part.value;
      }
      const asUtc = Date.UTC(+parts.year, +parts.month - 1, +parts.day, +parts.hour, +parts.minute, +parts.second);
      return Math.round((asUtc - instant) / 60000);
    };
    let offset = offsetAt(wall);
    offset = offsetAt(wall - offset * 60000);
    const sign = offset < 0 ? "-" : "+";
    const abs = Math.abs(offset);
    const pad = (n) => String(n).padStart(2, "0");
    return `${match[1]}-${match[2]}-${match[3]}T${match[4]}:${match[5]}:00${sign}${pad(Math.floor(abs / 60))}:${pad(abs % 60)}`;
  }

  // --- the API -------------------------------------------------------------------------

  class ApiError extends Error {
    constructor(status, message) {
      super(message);
      this.status = status;
    }
  }

  function problemText(data, response) {
    if (data && typeof data === "object") {
      const parts = [];
      if (data.detail) {
        parts.push(String(data.detail));
      }
      if (Array.isArray(data.errors)) {
        for (const item of data.errors) {
          parts.push(item.field ? `${item.field}: ${item.message}` : String(item.message));
        }
      }
      if (parts.length) {
        return parts.join(" · ");
      }
      if (data.title) {
        return String(data.title);
      }
    }
    return `${response.status} ${response.statusText}`.trim();
  }

  async function api(method, url, body) {
    const headers = { Accept: "application/json, application/problem+json" };
    if (method !== "GET") {
      headers["X-CSRF-Token"] = csrfToken;
    }
    if (body !== undefined) {
      headers["Content-Type"] = "application/json";
    }
    let response;
    try {
      response = await fetch(url, {
        method, headers, credentials: "same-origin", body: body === undefined ? undefined : JSON.stringify(body),
      });
    } catch (_error) {
      throw new ApiError(0, T.unreachable);
    }
    const text = await response.text();
    let data = null;
    if (text) {
      try {
        data = JSON.parse(text);
      } catch (_error) {
        data = null;
      }
    }
    if (!response.ok) {
      throw new ApiError(response.status, response.status === 401 ? T.signed_out : problemText(data, response));
    }
    const served = Date.parse(response.headers.get("Date") || "");
    if (!Number.isNaN(served)) {
      const offset = served - Date.now();
      clockOffsetMs = Math.abs(offset) > 2000 ? offset : 0; // the header only counts whole seconds
    }
    return data;
  }

  // --- building elements ---------------------------------------------------------------

  function h(tag, attrs, ...children) {
    const el = document.createElement(tag);
    for (const [key, value] of Object.entries(attrs || {})) {
      if (value === null || value === undefined || value === false) {
        continue;
      }
      if (key.startsWith("on")) {
        el.addEventListener(key.slice(2), value);
      } else if (key === "class") {
        el.className = value;
      } else if (key === "value") {
        el.value = value;
      } else if (key === "checked" || key === "selected" || key === "disabled") {
        el[key] = Boolean(value);
      } else {
        el.setAttribute(key, value === true ? "" : String(value));
      }
    }
    for (const child of children.flat()) {
      if (child !== null && child !== undefined && child !== false) {
        el.append(child instanceof Node ? child : String(child));
      }
    }
    return el;
  }

  const draftKey = (contactId, field) => `${contactId}:${field}`;
  const draftOr = (contactId, field, fallback) => {
    const key = draftKey(contactId, field);
    return drafts.has(key) ? drafts.get(key) : fallback;
  };
  const fieldId = (contactId, field) => `c-${contactId}-${field}`;

  function field(contactId, name, label, control) {
    control.id = fieldId(contactId, name);
    control.dataset.draft = draftKey(contactId, name);
    return h("div", { class: "field" }, h("label", { for: control.id }, label), control);
  }

  function select(contactId, name, options, fallback) {
    const value = draftOr(contactId, name, fallback);
    const el = h("select", { name });
    for (const option of options) {
      if (option.group) {
        el.append(h("optgroup", { label: option.group },
          option.options.map(([v, label]) => h("option", { value: v, selected: v === value }, label))));
      } else {
        el.append(h("option", { value: option[0], selected: option[0] === value }, option[1]));
      }
    }
    return el;
  }

  // --- drawing -------------------------------------------------------------------------

  function renderState(desk) {
    els.agent.textContent = desk.agent_name;
    els.stateName.textContent = config.states[desk.state] || desk.state;
    els.stateName.dataset.state = desk.state;
    const reasonLabel = desk.reason ? reasonName(desk, desk.reason) : "";
    els.stateReason.textContent = ["not_ready", "break"].includes(desk.presence) && reasonLabel ? reasonLabel : "";
    els.stateTime.dataset.since = desk.state_since;
    const reasons = desk.not_ready_reasons;
    const current = Array.from(els.reason.options).map((o) => `${o.value}=${o.text}`).join("|");
    if (current !== reasons.map(([c, l]) => `${c}=${l}`).join("|")) {
      const chosen = els.reason.value;
      els.reason.replaceChildren(...reasons.map(([code, label]) => h("option", { value: code }, label)));
      if (reasons.some(([code]) => code === chosen)) {
        els.reason.value = chosen;
      }
    }
    if (desk.presence === "not_ready" && desk.reason && document.activeElement !== els.reason
        && reasons.some(([code]) => code === desk.reason)) {
      els.reason.value = desk.reason;
    }
    for (const button of root.querySelectorAll("[data-presence]")) {
      const active = button.dataset.presence === desk.presence;
      button.setAttribute("aria-pressed", String(active));
      button.disabled = active && desk.presence !== "not_ready";
    }
    els.waiting.textContent = fill(T.waiting_in_queues, { count: desk.waiting });
  }

  function reasonName(desk, code) {
    const own = desk.not_ready_reasons.find(([c]) => c === code);
    return own ? own[1] : config.reasons[code] || code;
  }

  function customerLabel(contact) {
    return contact.customer_label || contact.caller || T.unknown_customer;
  }

  function ring(contact) {
    const total = (Date.parse(contact.deadline_at) - Date.parse(contact.offered_at)) / 1000;
    const svg = document.createElementNS("http://www.w3.org/2000/svg", "svg");
    svg.setAttribute("viewBox", "0 0 40 40");
    svg.setAttribute("class", "ring");
    svg.setAttribute("aria-hidden", "true");
    const track = document.createElementNS(svg.namespaceURI, "circle");
    const arc = document.createElementNS(svg.namespaceURI, "circle");
    for (const circle of [track, arc]) {
      circle.setAttribute("cx", "20");
      circle.setAttribute("cy", "20");
      circle.setAttribute("r", "16");
    }
    track.setAttribute("class", "ring-track");
    arc.setAttribute("class", "ring-arc");
    arc.dataset.ringUntil = contact.deadline_at;
    arc.dataset.ringTotal = String(Math.max(1, total));
    svg.append(track, arc);
    const seconds = h("span", { class: "ring-seconds", "data-count-until": contact.deadline_at }, "");
    return h("div", { class: "ring-wrap", "aria-hidden": "true" }, svg, seconds);
  }

  function renderOffer(contact) {
    const channel = config.channels[contact.channel] || contact.channel;
    return h("article", { class: "card desk-offer", "data-contact": contact.id, "data-testid": "desk-offer" },
      ring(contact),
      h("div", { class: "desk-offer-text" },
        h("strong", { class: "desk-offer-title" }, fill(T.incoming, { channel })),
        h("div", {}, h("span", { class: `channel-badge channel-${contact.channel}` }, channel), " ",
          h("span", { class: "desk-customer-name" }, customerLabel(contact)), " · ",
          h("span", { class: "muted" }, contact.queue_name)),
        h("div", { class: "muted" }, T.since_arrival, " ", h("span", { "data-since": contact.arrived_at }, ""))),
      h("div", { class: "desk-offer-actions" },
        h("button", { type: "button", class: "state-ready", onclick: (e) => act(e, contact, "accept") }, T.accept),
        h("button", { type: "button", class: "secondary", onclick: (e) => act(e, contact, "reject") }, T.decline)),
      cardMessage(contact.id));
  }

  function cardMessage(contactId) {
    const message = cardMessages.get(contactId);
    if (!message) {
      return null;
    }
    return h("p", { class: message.kind === "error" ? "alert" : "notice", role: message.kind === "error" ? "alert" : "status" },
      message.text);
  }

  function timers(contact) {
    if (contact.status === "wrapup") {
      return h("span", { class: "desk-timer" }, T.in_wrapup, " ",
        h("strong", { "data-since": contact.ended_at || contact.answered_at }, ""),
        contact.deadline_at ? h("span", { class: "muted" }, ` · ${T.wrapup_left} `, h("span", { "data-until": contact.deadline_at }, "")) : null);
    }
    return h("span", { class: "desk-timer" }, T.talking, " ",
      h("strong", { "data-since": contact.answered_at || contact.offered_at || contact.arrived_at }, ""),
      h("span", { class: "muted" }, ` · ${T.since_arrival} `, h("span", { "data-since": contact.arrived_at }, "")));
  }

  function transcript(contact) {
    const log = h("ol", { class: "chat-log", role: "log", "aria-label": T.transcript, "data-testid": "chat-log", "data-log": contact.id });
    if (!contact.messages.length) {
      log.append(h("li", { class: "muted" }, T.no_messages));
    }
    for (const message of contact.messages) {
      const author = message.sender === "agent" ? (message.author || T.you)
        : message.sender === "customer" ? customerLabel(contact) : T.system;
      const sent = h("time", { datetime: message.sent_at }, timeFormat.format(new Date(message.sent_at)));
      log.append(message.sender === "system"
        ? h("li", { class: "chat-message from-system" }, h("span", { class: "visually-hidden" }, `${author}: `), message.body, " ", sent)
        : h("li", { class: `chat-message from-${message.sender}` },
          h("div", { class: "chat-meta" }, h("span", {}, author), " ", sent),
          h("div", { class: "chat-body" }, message.body)));
    }
    return log;
  }

  function replyForm(contact) {
    const input = h("textarea", { rows: "2", maxlength: "4000", value: draftOr(contact.id, "reply", ""), required: true });
    input.addEventListener("keydown", (event) => {
      if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
        event.preventDefault();
        input.form.requestSubmit();
      }
    });
    return h("form", { class: "chat-reply", onsubmit: (e) => submit(e, contact, "messages", () => ({ body: input.value }), ["reply"]) },
      field(contact.id, "reply", T.reply, input),
      h("button", { type: "submit" }, T.send));
  }

  function noteForm(contact) {
    const note = h("textarea", { rows: "2", maxlength: "10000", value: draftOr(contact.id, "note", contact.note) });
    return h("form", { class: "desk-note", onsubmit: (e) => submit(e, contact, "note", () => ({ note: note.value }), ["note"], T.note_saved) },
      field(contact.id, "note", T.note, note),
      h("button", { type: "submit", class: "secondary small" }, T.save_note));
  }

  function wrapupForm(desk, contact) {
    const code = select(contact.id, "code", [["", T.no_code], ...desk.wrapup_codes], "");
    const note = h("textarea", { rows: "2", maxlength: "10000", value: draftOr(contact.id, "wrapup_note", contact.note) });
    const resolved = h("input", { type: "checkbox", checked: draftOr(contact.id, "resolved", false) });
    resolved.id = fieldId(contact.id, "resolved");
    resolved.dataset.draft = draftKey(contact.id, "resolved");
    const body = () => ({ code: code.value || null, note: note.value, resolved: resolved.checked });
    return h("form", { class: "desk-wrapup", "data-testid": "wrapup-form", onsubmit: (e) => submit(e, contact, "wrapup", body, ["code", "wrapup_note", "resolved", "note"]) },
      h("h3", {}, T.wrapup_title),
      h("div", { class: "inline-form" }, field(contact.id, "code", T.wrapup_code, code)),
      field(contact.id, "wrapup_note", T.wrapup_note, note),
      h("div", { class: "field checkbox" }, resolved, h("label", { for: resolved.id }, T.resolved)),
      h("button", { type: "submit" }, T.finish_wrapup));
  }

  function panel(contact, name, title, content, onOpen) {
    const key = draftKey(contact.id, name);
    const details = h("details", { class: "desk-panel", open: openPanels.has(key) },
      h("summary", {}, title), content);
    details.addEventListener("toggle", () => {
      if (details.open && !openPanels.has(key)) {
        openPanels.add(key);
        if (onOpen) {
          onOpen();
        }
      } else if (!details.open) {
        openPanels.delete(key);
      }
    });
    return details;
  }

  /** Agents ready now, read when a transfer panel opens (unless the desktop lists them). */
  function loadTransferTargets(contact) {
    if (view && view.agents) {
      return;
    }
    api("GET", `${config.desktop_url}/transfer-targets`).then((targets) => {
      transferTargets = targets;
      if (view) {
        render(view);
      }
    }, (error) => {
      cardMessages.set(contact.id, { kind: "error", text: error.message });
      if (view) {
        render(view);
      }
    });
  }

  function transferForm(desk, contact) {
    const options = [["", T.choose]];
    if (desk.queues.length) {
      options.push({ group: T.queues, options: desk.queues.map(([code, name]) => [`queue:${code}`, name]) });
    }
    const agents = desk.agents || transferTargets || [];
    if (agents.length) {
      options.push({ group: T.ready_agents, options: agents.map(([code, name]) => [`agent:${code}`, name]) });
    }
    const target = select(contact.id, "transfer", options, "");
    target.required = true;
    const body = () => {
      const [kind, code] = target.value.split(/:(.*)/s);
      return kind === "agent" ? { agent: code } : { queue: code };
    };
    return h("form", { class: "inline-form", onsubmit: (e) => submit(e, contact, "transfer", body, ["transfer"]) },
      field(contact.id, "transfer", T.transfer_to, target),
      h("div", { class: "field" }, h("button", { type: "submit", class: "secondary" }, T.transfer)));
  }

  function callbackForm(contact) {
    const known = contact.caller && PHONE_NUMBER.test(contact.caller) ? contact.caller : "";
    const number = h("input", { type: "tel", maxlength: "64", value: draftOr(contact.id, "callback_number", known) });
    const when = h("input", { type: "datetime-local", value: draftOr(contact.id, "callback_at", "") });
    const body = () => {
      const at = when.value ? zonedIso(when.value) : null;
      if (when.value && !at) {
        throw new ApiError(422, T.choose_time);
      }
      return { number: number.value.trim() || null, at };
    };
    const done = (answer) => (answer && answer.status === "scheduled" && when.value
      ? fill(T.callback_scheduled_at, { time: dateTimeFormat.format(new Date(zonedIso(when.value))) })
      : T.callback_scheduled);
    return h("form", { class: "inline-form", onsubmit: (e) => submit(e, contact, "callback", body, ["callback_number", "callback_at"], done) },
      field(contact.id, "callback_number", T.callback_number, number),
      field(contact.id, "callback_at", fill(T.callback_at, { zone }), when),
      h("div", { class: "field" }, h("button", { type: "submit", class: "secondary" }, T.schedule_callback)));
  }

  function customerPanel(contact) {
    const aside = h("aside", { class: "desk-customer", "aria-label": T.profile, "data-customer-panel": contact.customer_id || "", "data-testid": "customer-panel" });
    fillCustomerPanel(aside, contact.customer_id);
    return aside;
  }

  function fillCustomerPanel(aside, customerId) {
    const parts = [h("h3", {}, T.profile)];
    if (!customerId) {
      parts.push(h("p", { class: "muted" }, T.profile_missing));
      aside.replaceChildren(...parts);
      return;
    }
    const entry = customers.get(customerId);
    if (!entry || entry.state === "loading") {
      loadCustomer(customerId);
      parts.push(h("p", { class: "muted" }, T.profile_loading));
    } else if (entry.state === "missing") {
      parts.push(h("p", { class: "muted" }, T.profile_missing));
      if (entry.detail) {
        parts.push(h("p", { class: "muted small-print" }, entry.detail));
      }
    } else {
      const profile = entry.profile;
      parts.push(h("p", { class: "desk-customer-title" }, h("strong", {}, profile.display_name)));
      const facts = h("ul", { class: "plain" });
      if (profile.tier) {
        facts.append(h("li", {}, `${T.tier}: `, h("strong", {}, profile.tier)));
      }
      for (const identifier of profile.identifiers || []) {
        facts.append(h("li", {}, h("span", { class: "badge" }, config.identifiers[identifier.kind] || identifier.kind), " ", identifier.value));
      }
      if ((profile.tags || []).length) {
        facts.append(h("li", {}, profile.tags.map((tag) => h("span", { class: "badge tag" }, tag))));
      }
      parts.push(facts);
      parts.push(h("h4", {}, T.recent_contacts));
      const history = entry.history || [];
      if (!history.length) {
        parts.push(h("p", { class: "muted" }, T.no_history));
      } else {
        parts.push(h("ul", { class: "plain desk-history", "data-testid": "customer-history" },
          history.map((row) => h("li", {},
            h("time", { datetime: row.arrived_at }, dateTimeFormat.format(new Date(row.arrived_at))), " · ",
            config.channels[row.channel] || row.channel, row.queue ? ` · ${row.queue}` : "", " · ",
            h("span", { class: `outcome outcome-${row.outcome}` }, config.outcomes[row.outcome] || row.outcome)))));
      }
      parts.push(h("p", {}, h("a", { href: `${config.profile_url}/${profile.id}`, target: "_blank", rel: "noopener" }, T.open_profile)));
    }
    aside.replaceChildren(...parts);
  }

  function loadCustomer(customerId) {
    if (customers.has(customerId)) {
      return;
    }
    customers.set(customerId, { state: "loading" });
    const base = `${config.customers_url}/${encodeURIComponent(customerId)}`;
    Promise.allSettled([api("GET", base), api("GET", `${base}/history?limit=5`)]).then(([profile, history]) => {
      if (profile.status === "fulfilled") {
        customers.set(customerId, {
          state: "ok", profile: profile.value, history: history.status === "fulfilled" ? history.value : [],
        });
      } else {
        const status = profile.reason.status;
        customers.set(customerId, { state: "missing", detail: status === 404 || status === 403 ? "" : profile.reason.message });
      }
      for (const aside of root.querySelectorAll(`[data-customer-panel="${customerId}"]`)) {
        fillCustomerPanel(aside, customerId);
      }
    });
  }

  function renderContact(desk, contact) {
    const channel = config.channels[contact.channel] || contact.channel;
    const inConversation = contact.status === "connected" || contact.status === "held";
    const actions = h("div", { class: "desk-contact-actions" });
    if (contact.status === "connected") {
      actions.append(h("button", { type: "button", class: "secondary", onclick: (e) => act(e, contact, "hold") }, T.hold));
    }
    if (contact.status === "held") {
      actions.append(h("button", { type: "button", onclick: (e) => act(e, contact, "unhold") }, T.unhold));
    }
    if (inConversation) {
      actions.append(h("button", { type: "button", class: "danger", onclick: (e) => act(e, contact, "end") },
        contact.channel === "chat" ? T.end_chat : T.end));
    }
    const work = h("div", { class: "desk-work" });
    if (contact.channel === "chat") {
      work.append(transcript(contact));
      if (inConversation) {
        work.append(replyForm(contact));
      }
    }
    if (contact.status === "wrapup") {
      work.append(wrapupForm(desk, contact));
    } else {
      work.append(noteForm(contact));
    }
    if (inConversation) {
      work.append(panel(contact, "transfer", T.transfer_title, transferForm(desk, contact), () => loadTransferTargets(contact)));
    }
    work.append(panel(contact, "callback", T.callback_title, callbackForm(contact)));
    return h("article", {
      class: `card desk-contact status-${contact.status}`, "data-contact": contact.id, "data-status": contact.status,
      "data-testid": "desk-contact", "aria-label": `${channel}: ${customerLabel(contact)}`,
    },
    h("header", { class: "desk-contact-head" },
      h("div", { class: "desk-contact-who" },
        h("span", { class: `channel-badge channel-${contact.channel}` }, channel),
        h("strong", { class: "desk-customer-name" }, customerLabel(contact)),
        contact.caller && contact.caller !== customerLabel(contact) ? h("span", { class: "muted" }, contact.caller) : null,
        h("span", { class: "muted" }, contact.queue_name),
        h("span", { class: `status-badge status-${contact.status}`, "data-testid": "contact-status" }, T[contact.status] || contact.status)),
      timers(contact),
      actions),
    cardMessage(contact.id),
    h("div", { class: "desk-contact-body" }, work, customerPanel(contact)));
  }

  let announced = new Set();

  function announceOffers(offers) {
    const fresh = offers.filter((c) => !announced.has(c.id));
    announced = new Set(offers.map((c) => c.id));
    if (fresh.length && els.announce) {
      const contact = fresh[0];
      const channel = config.channels[contact.channel] || contact.channel;
      els.announce.textContent = `${fill(T.incoming, { channel })}: ${customerLabel(contact)}, ${contact.queue_name}`;
    }
  }

  function render(desk) {
    view = desk;
    renderState(desk);
    const focused = document.activeElement;
    const focusKey = focused && focused.dataset ? focused.dataset.draft : null;
    const selection = focusKey && "selectionStart" in focused ? [focused.selectionStart, focused.selectionEnd] : null;
    const scrolls = new Map();
    for (const log of root.querySelectorAll("[data-log]")) {
      scrolls.set(log.dataset.log, log.scrollHeight - log.scrollTop - log.clientHeight < 24 ? null : log.scrollTop);
    }

    const offers = desk.contacts.filter((c) => c.status === "offered");
    announceOffers(offers);
    const mine = desk.contacts.filter((c) => c.status !== "offered");
    els.offers.replaceChildren(...offers.map(renderOffer));
    if (mine.length) {
      els.contacts.replaceChildren(...mine.map((c) => renderContact(desk, c)));
    } else {
      const hint = desk.presence === "ready" ? T.no_contacts_ready : T.no_contacts_not_ready;
      els.contacts.replaceChildren(h("p", { class: "card muted desk-empty", "data-testid": "desk-empty" },
        offers.length ? T.no_contacts : `${T.no_contacts} ${hint}`));
    }

    const present = new Set(desk.contacts.map((c) => c.id));
    for (const key of Array.from(drafts.keys())) {
      if (!present.has(key.split(":")[0])) {
        drafts.delete(key);
      }
    }
    for (const id of Array.from(cardMessages.keys())) {
      if (!present.has(id)) {
        cardMessages.delete(id);
      }
    }
    for (const log of root.querySelectorAll("[data-log]")) {
      const kept = scrolls.get(log.dataset.log);
      log.scrollTop = kept === undefined || kept === null ? log.scrollHeight : kept;
    }
    if (focusKey) {
      const again = root.querySelector(`[data-draft="${CSS.escape(focusKey)}"]`);
      if (again) {
        again.focus();
        if (selection && "setSelectionRange" in again) {
          try {
            again.setSelectionRange(selection[0], selection[1]);
          } catch (_error) {
            // inputs such as datetime-local have no text selection
          }
        }
      }
    }
    tick();
  }

  // --- actions -------------------------------------------------------------------------

  function showError(error) {
    els.error.replaceChildren(h("span", {}, error.message));
    if (error.status === 401) {
      els.error.append(" ", h("a", { href: `/login?next=${encodeURIComponent(location.pathname)}` }, T.sign_in));
    }
    els.error.append(" ", h("button", { type: "button", class: "small secondary", onclick: clearError }, T.dismiss));
    els.error.hidden = false;
  }

  function clearError() {
    els.error.hidden = true;
    els.error.replaceChildren();
  }

  async function run(button, contactId, work, notice) {
    if (button) {
      button.disabled = true;
    }
    try {
      const answer = await work();
      if (contactId) {
        const text = typeof notice === "function" ? notice(answer) : notice;
        if (text) {
          cardMessages.set(contactId, { kind: "notice", text });
        } else {
          cardMessages.delete(contactId);
        }
      }
      clearError();
      if (answer && Array.isArray(answer.contacts)) {
        render(answer);
      } else {
        await refresh();
      }
      return true;
    } catch (error) {
      if (contactId && error.status !== 401 && error.status !== 0) {
        cardMessages.set(contactId, { kind: "error", text: error.message });
        if (view) {
          render(view);
        }
      } else {
        showError(error);
      }
      if (button && button.isConnected) {
        button.disabled = false;
      }
      return false;
    }
  }

  const contactUrl = (contact, action) => `${config.desktop_url}/contacts/${encodeURIComponent(contact.id)}/${action}`;

  function act(event, contact, action) {
    run(event.currentTarget, contact.id, () => api("POST", contactUrl(contact, action)));
  }

  async function submit(event, contact, action, body, sentFields, notice) {
    event.preventDefault();
    const button = event.currentTarget.querySelector("button[type=submit]");
    const done = await run(button, contact.id, () => api("POST", contactUrl(contact, action), body()), notice);
    if (done) {
      for (const name of sentFields) {
        drafts.delete(draftKey(contact.id, name));
      }
      if (view) {
        render(view);
      }
      if (action === "messages") {
        const reply = root.querySelector(`[data-draft="${CSS.escape(draftKey(contact.id, "reply"))}"]`);
        if (reply) {
          reply.focus();
        }
      }
    }
  }

  for (const button of root.querySelectorAll("[data-presence]")) {
    button.addEventListener("click", () => {
      const presence = button.dataset.presence;
      const reason = presence === "not_ready" ? els.reason.value || null : null;
      run(button, null, () => api("POST", `${config.desktop_url}/state`, { state: presence, reason }));
    });
  }

  root.addEventListener("input", (event) => {
    const target = event.target;
    if (target.dataset && target.dataset.draft) {
      drafts.set(target.dataset.draft, target.type === "checkbox" ? target.checked : target.value);
    }
  });
  root.addEventListener("change", (event) => {
    const target = event.target;
    if (target.dataset && target.dataset.draft) {
      drafts.set(target.dataset.draft, target.type === "checkbox" ? target.checked : target.value);
    }
  });

  // --- clocks --------------------------------------------------------------------------

  function tick() {
    const moment = now();
    for (const el of root.querySelectorAll("[data-since]")) {
      const since = Date.parse(el.dataset.since);
      if (!Number.isNaN(since)) {
        el.textContent = duration((moment - since) / 1000);
      }
    }
    for (const el of root.querySelectorAll("[data-until]")) {
      const until = Date.parse(el.dataset.until);
      if (!Number.isNaN(until)) {
        el.textContent = duration(Math.ceil((until - moment) / 1000));
      }
    }
    for (const el of root.querySelectorAll("[data-count-until]")) {
      el.textContent = String(Math.max(0, Math.ceil((Date.parse(el.dataset.countUntil) - moment) / 1000)));
    }
    for (const arc of root.querySelectorAll("[data-ring-until]")) {
      const left = Math.max(0, (Date.parse(arc.dataset.ringUntil) - moment) / 1000);
      const fraction = Math.min(1, left / Number(arc.dataset.ringTotal));
      const circumference = 2 * Math.PI * 16;
      arc.style.strokeDasharray = `${circumference}`;
      arc.style.strokeDashoffset = `${circumference * (1 - fraction)}`;
      arc.classList.toggle("ring-late", fraction < 0.3);
    }
  }

  // --- following the server ------------------------------------------------------------

  let loading = null;
  let again = false;

  async function refresh() {
    if (stopped) {
      return;
    }
    if (loading) {
      again = true;
      return loading;
    }
    loading = (async () => {
      try {
        render(await api("GET", config.desktop_url));
        clearError();
      } catch (error) {
        showError(error);
        if (error.status === 404 || error.status === 403 || error.status === 401) {
          stop();
        }
      }
    })();
    await loading;
    loading = null;
    if (again) {
      again = false;
      await refresh();
    }
  }

  let source = null;
  let retry = null;

  function setConnection(live) {
    if (!els.connection) {
      return;
    }
    els.connection.textContent = live ? T.live : T.reconnecting;
    els.connection.classList.toggle("is-live", live);
  }

  function connect() {
    if (stopped) {
      return;
    }
    source = new EventSource(config.stream_url);
    source.addEventListener("changed", () => refresh());
    source.addEventListener("open", () => setConnection(true));
    source.addEventListener("error", () => {
      setConnection(false);
      if (source.readyState === EventSource.CLOSED) {
        source = null;
        clearTimeout(retry);
        retry = setTimeout(() => {
          refresh();
          connect();
        }, 5000);
      }
    });
  }

  function stop() {
    stopped = true;
    clearTimeout(retry);
    if (source) {
      source.close();
      source = null;
    }
    setConnection(false);
  }

  setInterval(tick, 1000);
  refresh();
  connect();
})();
