/*
 * ContactOps chat widget: a floating button that opens a chat with the contact center.
 *
 *   <script src="https://contactops.example/static/live/widget.js" data-tenant="alpha"
 *           data-queue="web" data-title="Chat with us"></script>
 *
 * Optional: data-lang (en, zh, bg, nb; default the browser's language), data-color (a CSS
 * colour). The customer gives a name and an e-mail address; the chat starts with
 * POST /api/v1/chat/{tenant}/sessions and then follows the WebSocket of the session. The
 * session's token stays in sessionStorage, so reloading the page reconnects to the same chat.
 * No dependencies; everything lives in one shadow root, so the page's styles do not leak in.
 */
(() => {
  "use strict";
  const script = document.currentScript;
  if (!script || !script.dataset.tenant) {
    return;
  }
  const tenant = script.dataset.tenant;
  const server = new URL(script.src, window.location.href).origin;
  const storageKey = `contactops-chat:${server}:${tenant}`;

  const STRINGS = {
    en: {
      title: "Chat with us",
      open: "Open the chat",
      minimise: "Minimise the chat",
      intro: "Tell us who you are and we will connect you with an agent.",
      name: "Your name",
      email: "E-mail",
      start: "Start chat",
      starting: "Starting…",
      position: "You are number {n} in line",
      waiting: "Waiting for an agent…",
      joining: "An agent is joining…",
      connected: "Connected with {agent}",
      held: "{agent} will be right back",
      ended: "Chat ended",
      closed: "We are closed right now. Please try again later.",
      busy: "All our lines are busy. Please try again later.",
      blocked: "The chat cannot start right now. Please try again later.",
      message: "Message",
      send: "Send",
      end: "End chat",
      again: "Start a new chat",
      you: "You",
      agent: "Agent",
      conversation: "Conversation",
      reconnecting: "Connection lost, reconnecting…",
      gone: "This chat is no longer available.",
      failed: "The chat could not start: {detail}",
      unreachable: "The chat service could not be reached.",
    },
    zh: {
      title: "在线咨询",
      open: "打开聊天",
      minimise: "最小化聊天窗口",
      intro: "请告诉我们您的姓名和邮箱，我们将为您接通客服。",
      name: "您的姓名",
      email: "电子邮箱",
      start: "开始聊天",
      starting: "正在开始…",
      position: "您在队列中排第 {n} 位",
      waiting: "正在等待客服…",
      joining: "客服正在加入…",
      connected: "已接通 {agent}",
      held: "{agent} 马上回来",
      ended: "聊天已结束",
      closed: "我们现在不在服务时间，请稍后再试。",
      busy: "所有线路都在忙，请稍后再试。",
      blocked: "聊天暂时无法开始，请稍后再试。",
      message: "消息",
      send: "发送",
      end: "结束聊天",
      again: "开始新的聊天",
      you: "您",
      agent: "客服",
      conversation: "对话",
      reconnecting: "连接中断，正在重新连接…",
      gone: "此聊天已不可用。",
      failed: "聊天无法开始：{detail}",
      unreachable: "无法连接聊天服务。",
    },
    bg: {
      title: "Пишете ни",
      open: "Отваряне на чата",
      minimise: "Свиване на чата",
      intro: "Кажете ни кои сте и ще ви свържем с консултант.",
      name: "Вашето име",
      email: "Имейл",
      start: "Започване на чат",
      starting: "Започване…",
      position: "Вие сте номер {n} на опашката",
      waiting: "Изчакване на консултант…",
      joining: "Консултант се присъединява…",
      connected: "Свързани сте с {agent}",
      held: "{agent} ще се върне веднага",
      ended: "Чатът приключи",
      closed: "В момента не работим. Моля, опитайте по-късно.",
      busy: "Всички линии са заети. Моля, опитайте по-късно.",
      blocked: "Чатът не може да започне сега. Моля, опитайте по-късно.",
      message: "Съобщение",
      send: "Изпращане",
      end: "Край на чата",
      again: "Нов чат",
      you: "Вие",
      agent: "Консултант",
      conversation: "Разговор",
      reconnecting: "Връзката прекъсна, свързване отново…",
      gone: "Този чат вече не е достъпен.",
      failed: "Чатът не можа да започне: {detail}",
      unreachable: "Услугата за чат е недостъпна.",
    },
    nb: {
      title: "Chat med oss",
      open: "Åpne chatten",
      minimise: "Minimer chatten",
      intro: "Fortell oss hvem du er, så setter vi deg i kontakt med en rådgiver.",
      name: "Navnet ditt",
      email: "E-post",
      start: "Start chat",
      starting: "Starter …",
      position: "Du er nummer {n} i køen",
      waiting: "Venter på en rådgiver …",
      joining: "En rådgiver kobler seg på …",
      connected: "Koblet til {agent}",
      held: "{agent} er straks tilbake",
      ended: "Chatten er avsluttet",
      closed: "Vi har stengt nå. Prøv igjen senere.",
      busy: "Alle linjer er opptatt. Prøv igjen senere.",
      blocked: "Chatten kan ikke starte nå. Prøv igjen senere.",
      message: "Melding",
      send: "Send",
      end: "Avslutt chat",
      again: "Start en ny chat",
      you: "Du",
      agent: "Rådgiver",
      conversation: "Samtale",
      reconnecting: "Forbindelsen ble brutt, kobler til igjen …",
      gone: "Denne chatten er ikke lenger tilgjengelig.",
      failed: "Chatten kunne ikke starte: {detail}",
      unreachable: "Chattetjenesten svarer ikke.",
    },
  };

  function language() {
    const wanted = (script.dataset.lang || navigator.language || "en").toLowerCase();
    const primary = wanted.split(/[-_]/)[0];
    if (primary === "no" || primary === "nn") {
      return "nb";
    }
    return primary in STRINGS ? primary : "en";
  }

  const lang = language();
  const S = STRINGS[lang];
  const t = (key, values = {}) => S[key].replace(/\{(\w+)\}/g, (_m, name) => (name in values ? values[name] : ""));
  const title = script.dataset.title || S.title;
  const colour = script.dataset.color || "#1f4e79";

  const CSS = `
    :host { all: initial; }
    * { box-sizing: border-box; }
    .co-root { position: fixed; right: 20px; bottom: 20px; z-index: 2147483000; font: 15px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "Noto Sans", "Noto Sans CJK SC", sans-serif; color: #1d2733; }
    button { font: inherit; cursor: pointer; border-radius: 8px; border: 1px solid var(--co-colour); padding: 8px 14px; background: var(--co-colour); color: #fff; }
    button:disabled { opacity: .55; cursor: default; }
    button.co-ghost { background: transparent; color: inherit; border-color: transparent; padding: 4px 8px; }
    button.co-secondary { background: #fff; color: var(--co-colour); }
    button:focus-visible, input:focus-visible, textarea:focus-visible { outline: 3px solid #f2b01e; outline-offset: 1px; }
    .co-launcher { display: flex; align-items: center; gap: 8px; border-radius: 999px; padding: 12px 18px; box-shadow: 0 6px 20px rgba(0,0,0,.22); font-weight: 600; }
    .co-launcher[hidden] { display: none; }
    .co-launcher svg { width: 20px; height: 20px; fill: currentColor; }
    .co-panel { position: absolute; right: 0; bottom: 0; width: 360px; max-width: calc(100vw - 24px); max-height: calc(100vh - 40px); display: flex; flex-direction: column; background: #fff; border-radius: 14px; box-shadow: 0 12px 40px rgba(0,0,0,.28); overflow: hidden; }
    .co-panel[hidden] { display: none; }
    .co-panel.co-chatting { height: 520px; }
    .co-head { display: flex; align-items: center; justify-content: space-between; gap: 8px; padding: 12px 14px; background: var(--co-colour); color: #fff; }
    .co-head h2 { font-size: 16px; margin: 0; font-weight: 650; }
    .co-head button { color: #fff; font-size: 20px; line-height: 1; }
    .co-status { padding: 8px 14px; font-size: 13px; background: #eef2f6; color: #39495a; border-bottom: 1px solid #d8dee6; min-height: 36px; }
    .co-status:empty { display: none; }
    .co-status.co-ended { background: #fdf3e1; color: #7a5200; }
    .co-body { flex: 1; overflow-y: auto; padding: 14px; }
    .co-form label { display: block; font-weight: 600; font-size: 13px; margin: 10px 0 4px; }
    .co-form input { width: 100%; font: inherit; padding: 8px 10px; border: 1px solid #c4ccd6; border-radius: 8px; }
    .co-form p { margin: 0 0 6px; color: #5b6b7c; font-size: 14px; }
    .co-form button { margin-top: 14px; width: 100%; }
    .co-log { list-style: none; margin: 0; padding: 0; display: flex; flex-direction: column; gap: 8px; }
    .co-msg { max-width: 85%; padding: 7px 11px; border-radius: 12px; background: #eef2f6; white-space: pre-wrap; word-wrap: break-word; }
    .co-msg .co-meta { display: block; font-size: 11px; color: #5b6b7c; margin-bottom: 2px; }
    .co-from-customer { align-self: flex-end; background: var(--co-colour); color: #fff; }
    .co-from-customer .co-meta { color: rgba(255,255,255,.8); }
    .co-from-system { align-self: center; background: transparent; color: #5b6b7c; font-size: 13px; font-style: italic; text-align: center; }
    .co-error { margin: 0 14px 8px; padding: 8px 10px; border-radius: 8px; background: #fdecea; color: #a12a1d; font-size: 13px; }
    .co-error[hidden] { display: none; }
    .co-compose { display: flex; gap: 8px; padding: 10px 12px; border-top: 1px solid #d8dee6; align-items: flex-end; }
    .co-compose textarea { flex: 1; font: inherit; resize: none; padding: 8px 10px; border: 1px solid #c4ccd6; border-radius: 8px; min-height: 40px; max-height: 120px; }
    .co-foot { display: flex; justify-content: flex-end; padding: 0 12px 10px; }
    .co-foot button { font-size: 13px; padding: 4px 10px; }
    .co-hidden-label { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; }
  `;

  // --- the elements ------------------------------------------------------------------------

  function el(tag, attrs = {}, ...children) {
    const node = document.createElement(tag);
    for (const [key, value] of Object.entries(attrs)) {
      if (value === null || value === undefined || value === false) {
        continue;
      }
      if (key === "class") {
        node.className = value;
      } else if (key.startsWith("on")) {
        node.addEventListener(key.slice(2), value);
      } else {
        node.setAttribute(key, value === true ? "" : String(value));
      }
    }
    for (const child of children) {
      if (child !== null && child !== undefined) {
        node.append(child);
      }
    }
    return node;
  }

  const host = el("div", { "data-contactops-chat": tenant });
  const shadow = host.attachShadow({ mode: "open" });
  const style = document.createElement("style");
  style.textContent = CSS;
  const uid = `co-chat-${Math.random().toString(36).slice(2, 8)}`;

  const launcher = el("button", { type: "button", class: "co-launcher", "aria-expanded": "false", "aria-controls": `${uid}-panel` });
  launcher.innerHTML = '<svg viewBox="0 0 24 24" aria-hidden="true"><path d="M4 4h16a2 2 0 0 1 2 2v10a2 2 0 0 1-2 2H8l-4 4V6a2 2 0 0 1 2-2z"/></svg>';
  launcher.append(el("span", {}, title));
  launcher.setAttribute("aria-label", `${S.open}: ${title}`);

  const heading = el("h2", { id: `${uid}-title` }, title);
  const minimise = el("button", { type: "button", class: "co-ghost", "aria-label": S.minimise, title: S.minimise }, "×");
  const status = el("div", { class: "co-status", role: "status", "aria-live": "polite" });
  const body = el("div", { class: "co-body" });
  const error = el("p", { class: "co-error", role: "alert", hidden: true });
  const panel = el("section", { class: "co-panel", id: `${uid}-panel`, role: "dialog", "aria-labelledby": `${uid}-title`, hidden: true },
    el("div", { class: "co-head" }, heading, minimise), status, body, error);

  const nameInput = el("input", { id: `${uid}-name`, name: "name", type: "text", autocomplete: "name", maxlength: "200", required: true });
  const emailInput = el("input", { id: `${uid}-email`, name: "email", type: "email", autocomplete: "email", maxlength: "320", required: true });
  const startButton = el("button", { type: "submit" }, S.start);
  const form = el("form", { class: "co-form" },
    el("p", {}, S.intro),
    el("label", { for: `${uid}-name` }, S.name), nameInput,
    el("label", { for: `${uid}-email` }, S.email), emailInput,
    startButton);

  const log = el("ol", { class: "co-log", role: "log", "aria-live": "polite", "aria-label": S.conversation });
  const messageInput = el("textarea", { id: `${uid}-message`, rows: "1", maxlength: "4000" });
  const sendButton = el("button", { type: "submit" }, S.send);
  const compose = el("form", { class: "co-compose" },
    el("label", { for: `${uid}-message`, class: "co-hidden-label" }, S.message), messageInput, sendButton);
  messageInput.setAttribute("placeholder", S.message);
  const endButton = el("button", { type: "button", class: "co-secondary" }, S.end);
  const foot = el("div", { class: "co-foot" }, endButton);

  const root = el("div", { class: "co-root", lang });
  root.style.setProperty("--co-colour", colour);
  root.append(launcher, panel);
  shadow.append(style, root);

  // --- the session -------------------------------------------------------------------------

  let session = readSession(); // {contact_id, token, queue, open}
  let socket = null;
  let ended = false;
  let retryMs = 1000;
  let retryTimer = null;
  let shown = 0; // messages already in the log

  function readSession() {
    try {
      const raw = window.sessionStorage.getItem(storageKey);
      return raw ? JSON.parse(raw) : null;
    } catch (_error) {
      return null;
    }
  }

  function saveSession() {
    try {
      if (session) {
        window.sessionStorage.setItem(storageKey, JSON.stringify(session));
      } else {
        window.sessionStorage.removeItem(storageKey);
      }
    } catch (_error) {
      // private modes may refuse storage: the chat still works until the page is left
    }
  }

  function setStatus(text, isEnded = false) {
    status.textContent = text;
    status.classList.toggle("co-ended", isEnded);
  }

  function showError(text) {
    error.textContent = text;
    error.hidden = !text;
  }

  function showForm(note = "") {
    ended = false;
    shown = 0;
    log.replaceChildren();
    body.replaceChildren(form);
    compose.remove();
    foot.remove();
    panel.classList.remove("co-chatting");
    setStatus(note);
    startButton.disabled = false;
    startButton.textContent = S.start;
  }

  function showChat() {
    body.replaceChildren(log);
    panel.classList.add("co-chatting");
    if (!compose.isConnected) {
      panel.append(compose, foot);
    }
    endButton.textContent = ended ? S.again : S.end;
    messageInput.disabled = ended;
    sendButton.disabled = ended;
  }

  function open(isOpen) {
    panel.hidden = !isOpen;
    launcher.hidden = isOpen;
    launcher.setAttribute("aria-expanded", String(isOpen));
    if (session) {
      session.open = isOpen;
      saveSession();
    }
    if (isOpen) {
      (session ? (ended ? endButton : messageInput) : nameInput).focus();
    } else {
      launcher.focus();
    }
  }

  function blockedText(reason) {
    if (reason === "closed") {
      return S.closed;
    }
    return reason === "queue_full" ? S.busy : S.blocked;
  }

  async function start(event) {
    event.preventDefault();
    showError("");
    startButton.disabled = true;
    startButton.textContent = S.starting;
    const queue = script.dataset.queue || "";
    let response;
    let data = null;
    try {
      response = await fetch(`${server}/api/v1/chat/${encodeURIComponent(tenant)}/sessions`, {
        method: "POST",
        headers: { "Content-Type": "application/json", Accept: "application/json" },
        body: JSON.stringify({ queue, name: nameInput.value.trim(), email: emailInput.value.trim() }),
      });
      data = await response.json().catch(() => null);
    } catch (_error) {
      showError(S.unreachable);
      startButton.disabled = false;
      startButton.textContent = S.start;
      return;
    }
    if (!response.ok) {
      const detail = (data && (data.detail || data.title)) || `${response.status}`;
      showError(t("failed", { detail }));
      startButton.disabled = false;
      startButton.textContent = S.start;
      return;
    }
    if (data.status === "ended" || !data.chat_token) {
      showForm(blockedText(data.blocked_reason));
      return;
    }
    session = { contact_id: data.contact_id, token: data.chat_token, queue, open: true };
    saveSession();
    ended = false;
    setStatus(S.waiting);
    showChat();
    messageInput.focus();
    connect();
  }

  function connect() {
    if (!session || ended) {
      return;
    }
    clearTimeout(retryTimer);
    const wsBase = server.replace(/^http/, "ws");
    const url = `${wsBase}/api/v1/chat/${encodeURIComponent(tenant)}/sessions/${encodeURIComponent(session.contact_id)}/ws?token=${encodeURIComponent(session.token)}`;
    const ws = new WebSocket(url);
    socket = ws;
    ws.addEventListener("open", () => {
      retryMs = 1000;
      showError("");
    });
    ws.addEventListener("message", (event) => {
      let data;
      try {
        data = JSON.parse(event.data);
      } catch (_error) {
        return;
      }
      if (data.type === "chat") {
        showView(data);
      } else if (data.type === "error") {
        showError(data.detail || "");
      }
    });
    ws.addEventListener("close", (event) => {
      if (socket !== ws) {
        return;
      }
      socket = null;
      if (event.code === 4404) {
        session = null;
        saveSession();
        showForm(S.gone);
        return;
      }
      if (!ended && session) {
        setStatus(S.reconnecting);
        retryTimer = setTimeout(connect, retryMs);
        retryMs = Math.min(retryMs * 2, 15000);
      }
    });
  }

  function showView(view) {
    const messages = view.messages || [];
    if (messages.length < shown) {
      log.replaceChildren();
      shown = 0;
    }
    for (const message of messages.slice(shown)) {
      const who = message.sender === "customer" ? S.you
        : message.sender === "agent" ? message.author || S.agent : null;
      const item = el("li", { class: `co-msg co-from-${message.sender}` });
      if (who) {
        item.append(el("span", { class: "co-meta" }, who));
      }
      item.append(document.createTextNode(message.body));
      log.append(item);
    }
    shown = messages.length;
    body.scrollTop = body.scrollHeight;

    const agent = view.agent_name || S.agent;
    if (view.status === "waiting") {
      setStatus(view.position ? t("position", { n: view.position }) : S.waiting);
    } else if (view.status === "offered") {
      setStatus(S.joining);
    } else if (view.status === "connected") {
      setStatus(t("connected", { agent }));
    } else if (view.status === "held") {
      setStatus(t("held", { agent }));
    } else {
      finish(view.outcome === "blocked" ? blockedText(null) : S.ended);
    }
  }

  function finish(text) {
    ended = true;
    setStatus(text, true);
    showChat();
    if (socket) {
      const ws = socket;
      socket = null;
      ws.close();
    }
  }

  function send(event) {
    event.preventDefault();
    const text = messageInput.value.trim();
    if (!text || ended) {
      return;
    }
    if (!socket || socket.readyState !== WebSocket.OPEN) {
      showError(S.reconnecting);
      return;
    }
    socket.send(JSON.stringify({ type: "message", body: text }));
    messageInput.value = "";
    messageInput.focus();
  }

  function endOrRestart() {
    if (ended) {
      session = null;
      saveSession();
      showForm();
      nameInput.focus();
      return;
    }
    if (socket && socket.readyState === WebSocket.OPEN) {
      socket.send(JSON.stringify({ type: "leave" }));
    } else {
      finish(S.ended);
    }
  }

  form.addEventListener("submit", start);
  compose.addEventListener("submit", send);
  messageInput.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      compose.requestSubmit();
    }
  });
  endButton.addEventListener("click", endOrRestart);
  launcher.addEventListener("click", () => open(true));
  minimise.addEventListener("click", () => open(false));
  panel.addEventListener("keydown", (event) => {
    if (event.key === "Escape") {
      open(false);
    }
  });

  function mount() {
    document.body.append(host);
    if (session) {
      setStatus(S.waiting);
      showChat();
      connect();
      if (session.open) {
        panel.hidden = false;
        launcher.hidden = true;
        launcher.setAttribute("aria-expanded", "true");
      }
    } else {
      showForm();
    }
  }

  if (document.body) {
    mount();
  } else {
    document.addEventListener("DOMContentLoaded", mount);
  }
  window.ContactOpsChat = { open: () => open(true), close: () => open(false) };
})();
