// The supervisor's wallboard: GET /api/v1/live/wallboard, read again whenever the Server-Sent
// Events stream says `changed` (the server also says so every few seconds). Waits and times in
// state tick between reads from the server's own figures, counted from when they arrived.
(() => {
  "use strict";
  const root = document.getElementById("wallboard");
  const configBlock = document.getElementById("wallboard-config");
  if (!root || !configBlock) {
    return;
  }
  const config = JSON.parse(configBlock.textContent);
  const T = config.texts;
  const locale = document.documentElement.lang || "en";
  const STATE_ORDER = ["ready", "ringing", "on_contact", "wrapup", "not_ready", "break", "logged_in"];
  const STATE_COLOURS = {
    ready: "#1e8e3e", ringing: "#e0a100", on_contact: "#2f80ed", wrapup: "#8e44ad",
    not_ready: "#c0392b", break: "#7f8c8d", logged_in: "#95a5a6",
  };
  const els = {
    error: document.getElementById("wb-error"),
    connection: document.getElementById("wb-connection"),
    updated: document.getElementById("wb-updated"),
    waiting: document.getElementById("wb-waiting"),
    longest: document.getElementById("wb-longest"),
    ready: document.getElementById("wb-ready"),
    busy: document.getElementById("wb-busy"),
    logged: document.getElementById("wb-logged"),
    alerts: document.getElementById("wb-alerts"),
    queues: document.querySelector("#wb-queues tbody"),
    agents: document.querySelector("#wb-agents tbody"),
    chart: document.getElementById("wb-state-chart"),
  };
  let receivedAt = Date.now();
  let chart = null;
  let stopped = false;

  const fill = (text, values) => text.replace(/\{(\w+)\}/g, (_m, key) => (key in values ? values[key] : `{${key}}`));
  const integer = new Intl.NumberFormat(locale, { maximumFractionDigits: 0 });
  const percent = new Intl.NumberFormat(locale, { style: "percent", maximumFractionDigits: 0 });

  function duration(totalSeconds) {
    const s = Math.max(0, Math.floor(totalSeconds));
    const hours = Math.floor(s / 3600);
    const minutes = Math.floor((s % 3600) / 60);
    const seconds = String(s % 60).padStart(2, "0");
    return hours ? `${hours}:${String(minutes).padStart(2, "0")}:${seconds}` : `${minutes}:${seconds}`;
  }

  function h(tag, attrs, ...children) {
    const el = document.createElement(tag);
    for (const [key, value] of Object.entries(attrs || {})) {
      if (value === null || value === undefined || value === false) {
        continue;
      }
      if (key === "class") {
        el.className = value;
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

  /** A wait that keeps counting from the server's figure: `data-seconds` at arrival. */
  const ticking = (seconds, attrs = {}) => (seconds === null || seconds === undefined
    ? h("span", attrs, "—")
    : h("span", { ...attrs, "data-seconds": seconds }, duration(seconds)));

  /** Met (at or above target), close (within 5 points below) or missed. */
  function serviceLevelClass(level, target) {
    if (level === null || level === undefined) {
      return "sl-none";
    }
    if (level >= target) {
      return "sl-met";
    }
    return level >= target - 0.05 ? "sl-close" : "sl-missed";
  }

  function queueRow(queue) {
    const channel = config.channels[queue.channel] || queue.channel;
    const level = queue.service_level_today;
    return h("tr", { "data-queue": queue.code, class: queue.alerts.length ? "wb-row-alert" : null },
      h("th", { scope: "row" }, h("span", { class: `channel-badge channel-${queue.channel}` }, channel), " ", queue.name),
      h("td", { class: "num wb-big", "data-testid": "queue-waiting" }, integer.format(queue.waiting)),
      h("td", { class: "num", "data-testid": "queue-longest" }, ticking(queue.longest_wait_s)),
      h("td", { class: "num" }, `${integer.format(queue.agents_ready)} / ${integer.format(queue.agents_logged_in)}`),
      h("td", { class: "num", "data-testid": "queue-offered" }, integer.format(queue.offered_today)),
      h("td", { class: "num", "data-testid": "queue-answered" }, integer.format(queue.answered_today)),
      h("td", { class: "num", "data-testid": "queue-abandoned" }, integer.format(queue.abandoned_today)),
      h("td", { class: `num ${serviceLevelClass(level, queue.service_level_target)}`, "data-testid": "queue-sl" },
        h("strong", {}, level === null || level === undefined ? "—" : percent.format(level)),
        h("div", { class: "muted small-print" }, fill(T.target, { target: percent.format(queue.service_level_target) }))),
      h("td", { class: "num", "data-testid": "queue-asa" },
        queue.asa_today_s === null || queue.asa_today_s === undefined ? "—" : duration(Math.round(queue.asa_today_s))));
  }

  function agentRow(agent) {
    const state = config.states[agent.state] || agent.state;
    const reason = agent.reason ? config.reasons[agent.reason] || agent.reason : null;
    return h("tr", { "data-agent": agent.code },
      h("th", { scope: "row" }, agent.name, " ", h("span", { class: "muted" }, agent.code)),
      h("td", {}, agent.team || "—"),
      h("td", {}, h("span", { class: "state-badge", "data-state": agent.state, "data-testid": "agent-state" }, state),
        reason ? h("span", { class: "muted" }, ` ${reason}`) : null),
      h("td", { class: "num" }, ticking(agent.seconds_in_state)),
      h("td", { class: "num" }, integer.format(agent.open_contacts)));
  }

  function drawChart(states) {
    if (!window.echarts || !els.chart) {
      return;
    }
    if (!chart) {
      chart = window.echarts.init(els.chart);
      window.addEventListener("resize", () => chart.resize());
    }
    const keys = STATE_ORDER.filter((key) => key in states || ["ready", "on_contact", "not_ready"].includes(key));
    for (const key of Object.keys(states)) {
      if (!keys.includes(key)) {
        keys.push(key);
      }
    }
    chart.setOption({
      animationDuration: 300,
      grid: { left: 36, right: 12, top: 24, bottom: 48 },
      tooltip: { trigger: "axis", axisPointer: { type: "shadow" } },
      xAxis: {
        type: "category",
        data: keys.map((key) => config.states[key] || key),
        axisLabel: { interval: 0, rotate: keys.length > 5 ? 30 : 0 },
      },
      yAxis: { type: "value", minInterval: 1 },
      series: [{
        type: "bar",
        barMaxWidth: 42,
        data: keys.map((key) => ({ value: states[key] || 0, itemStyle: { color: STATE_COLOURS[key] || "#5b6b7c" } })),
        label: { show: true, position: "top" },
      }],
    });
  }

  function render(board) {
    receivedAt = Date.now();
    const waiting = board.queues.reduce((sum, q) => sum + q.waiting, 0);
    const longest = board.queues.reduce((most, q) => (q.longest_wait_s === null ? most : Math.max(most ?? 0, q.longest_wait_s)), null);
    const count = (key) => board.states[key] || 0;
    els.waiting.textContent = integer.format(waiting);
    els.longest.replaceChildren(ticking(longest));
    els.ready.textContent = integer.format(count("ready"));
    els.busy.textContent = integer.format(count("on_contact") + count("wrapup") + count("ringing"));
    els.logged.textContent = integer.format(board.agents.length);

    els.alerts.replaceChildren(...(board.alerts.length
      ? board.alerts.map((text) => h("li", { class: "alert wb-alert", "data-testid": "wb-alert" }, text))
      : [h("li", { class: "muted" }, T.no_alerts)]));
    els.queues.replaceChildren(...(board.queues.length
      ? board.queues.map(queueRow)
      : [h("tr", {}, h("td", { colspan: "9", class: "muted" }, T.no_queues))]));
    els.agents.replaceChildren(...(board.agents.length
      ? board.agents.map(agentRow)
      : [h("tr", {}, h("td", { colspan: "5", class: "muted" }, T.no_agents))]));
    const clock = new Intl.DateTimeFormat(locale, { timeZone: board.time_zone || config.time_zone, timeStyle: "medium" });
    els.updated.textContent = fill(T.updated, { time: clock.format(new Date(board.at)) });
    drawChart(board.states);
  }

  function tick() {
    const elapsed = (Date.now() - receivedAt) / 1000;
    for (const el of root.querySelectorAll("[data-seconds]")) {
      el.textContent = duration(Number(el.dataset.seconds) + elapsed);
    }
  }

  function showError(message, status) {
    els.error.replaceChildren(h("span", {}, message));
    if (status === 401) {
      els.error.append(" ", h("a", { href: `/login?next=${encodeURIComponent(location.pathname)}` }, T.sign_in));
    }
    els.error.hidden = false;
  }

  let loading = false;
  let again = false;

  async function refresh() {
    if (stopped) {
      return;
    }
    if (loading) {
      again = true;
      return;
    }
    loading = true;
    try {
      const response = await fetch(config.wallboard_url, { headers: { Accept: "application/json" }, credentials: "same-origin" });
      const data = await response.json().catch(() => null);
      if (!response.ok) {
        const message = response.status === 401 ? T.signed_out : (data && data.detail) || `${response.status} ${response.statusText}`;
        showError(message, response.status);
        if ([401, 403, 404].includes(response.status)) {
          stop();
        }
      } else {
        els.error.hidden = true;
        render(data);
      }
    } catch (_error) {
      showError(T.unreachable, 0);
    } finally {
      loading = false;
    }
    if (again) {
      again = false;
      refresh();
    }
  }

  let source = null;
  let retry = null;
  let followUp = null;
  const FOLLOW_UP_MS = 2200;

  function setConnection(live) {
    els.connection.textContent = live ? T.live : T.reconnecting;
    els.connection.classList.toggle("is-live", live);
  }

  function connect() {
    if (stopped) {
      return;
    }
    source = new EventSource(config.stream_url);
    source.addEventListener("changed", (event) => {
      refresh();
      if (event.data && event.data.includes('"changed"')) {
        // A change, not the periodic tick: the server may have answered from its wallboard
        // cache of a couple of seconds, so read once more when that cache has expired.
        clearTimeout(followUp);
        followUp = setTimeout(refresh, FOLLOW_UP_MS);
      }
    });
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
    }
    setConnection(false);
  }

  setInterval(tick, 1000);
  refresh();
  connect();
})();
