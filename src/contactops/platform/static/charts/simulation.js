// What-if: a busy indicator while A and B run (the page answers when both are done), and the
// per-interval chart of offered contacts and service level, A against B, for the chosen queue,
// drawn from the page's JSON data block (CSP forbids inline scripts; data blocks are inert).
(() => {
  const form = document.getElementById("what-if-form");
  const busy = document.getElementById("what-if-busy");
  if (form && busy) {
    let timer = null;
    // Coming back to this page from the browser's history shows it as it was before the run.
    window.addEventListener("pageshow", (event) => {
      if (event.persisted) {
        window.clearInterval(timer);
        delete form.dataset.busy;
        form.removeAttribute("aria-busy");
        busy.hidden = true;
        busy.textContent = busy.dataset.running;
      }
    });
    form.addEventListener("submit", (event) => {
      if (form.dataset.busy) {
        event.preventDefault(); // one run at a time
        return;
      }
      const running = event.submitter && event.submitter.value === "run";
      if (!running) {
        return;
      }
      form.dataset.busy = "true";
      form.setAttribute("aria-busy", "true");
      busy.hidden = false;
      const started = Date.now();
      const elapsed = busy.dataset.elapsed || "{s} s";
      timer = window.setInterval(() => {
        const seconds = Math.round((Date.now() - started) / 1000);
        busy.textContent = `${busy.dataset.running} ${elapsed.replace("{s}", seconds)}`;
      }, 1000);
    });
  }

  const block = document.getElementById("what-if-chart-data");
  const target = document.getElementById("what-if-chart");
  if (!block || !target || !window.echarts) {
    return;
  }
  const data = JSON.parse(block.textContent);
  const picker = document.getElementById("what-if-chart-queue");
  const percent = (value) => (value === null ? null : Math.round(value * 1000) / 10);
  const rounded = (value) => (value === null ? null : Math.round(value * 10) / 10);
  const chart = window.echarts.init(target);
  const draw = (queue) => {
    const series = data.series[queue];
    if (!series) {
      return;
    }
    chart.setOption(
      {
        tooltip: { trigger: "axis" },
        legend: { top: 0 },
        grid: { left: 56, right: 64, top: 48, bottom: 56 },
        xAxis: {
          type: "category",
          data: data.times,
          name: data.labels.time,
          nameLocation: "middle",
          nameGap: 32,
        },
        yAxis: [
          { type: "value", name: data.labels.contacts, min: 0 },
          { type: "value", name: data.labels.percent, min: 0, max: 100, splitLine: { show: false } },
        ],
        series: [
          { name: data.labels.offered_a, type: "bar", data: series.a.offered.map(rounded) },
          { name: data.labels.offered_b, type: "bar", data: series.b.offered.map(rounded) },
          {
            name: data.labels.service_level_a,
            type: "line",
            yAxisIndex: 1,
            connectNulls: false,
            data: series.a.service_level.map(percent),
          },
          {
            name: data.labels.service_level_b,
            type: "line",
            yAxisIndex: 1,
            connectNulls: false,
            lineStyle: { type: "dashed" },
            data: series.b.service_level.map(percent),
          },
        ],
      },
      true,
    );
  };
  draw(picker && picker.value ? picker.value : data.queues[0]);
  if (picker) {
    picker.addEventListener("change", () => draw(picker.value));
  }
  window.addEventListener("resize", () => chart.resize());
})();
