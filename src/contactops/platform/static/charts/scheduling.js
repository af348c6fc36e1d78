// Schedule pages: the coverage chart (required vs scheduled agents per interval) from the
// page's JSON data block, and forms that show a busy note and disable their button while the
// server works (building a schedule takes up to the solver's time limit).
(() => {
  for (const form of document.querySelectorAll("form.busy-form")) {
    form.addEventListener("submit", () => {
      const note = form.querySelector(".sched-busy");
      if (note) {
        note.hidden = false;
      }
      for (const button of form.querySelectorAll("button[type=submit]")) {
        if (button.dataset.busyText) {
          button.textContent = button.dataset.busyText;
        }
        // Disabled after the submit event has been dispatched, so the post still goes out.
        setTimeout(() => {
          button.disabled = true;
        }, 0);
      }
      form.setAttribute("aria-busy", "true");
    });
  }
  for (const button of document.querySelectorAll("[data-copy]")) {
    button.addEventListener("click", () => {
      const field = document.getElementById(button.dataset.copy);
      if (!field) {
        return;
      }
      field.select();
      if (navigator.clipboard) {
        navigator.clipboard.writeText(field.value).catch(() => document.execCommand("copy"));
      } else {
        document.execCommand("copy");
      }
    });
  }
  const block = document.getElementById("schedule-chart-data");
  const target = document.getElementById("schedule-coverage-chart");
  if (!block || !target || !window.echarts) {
    return;
  }
  const data = JSON.parse(block.textContent);
  const names = data.names;
  const chart = window.echarts.init(target);
  chart.setOption({
    tooltip: { trigger: "axis" },
    legend: { data: [names.required, names.scheduled] },
    grid: { left: 50, right: 20, top: 40, bottom: 60 },
    xAxis: { type: "category", data: data.labels },
    yAxis: { type: "value", name: names.agents, minInterval: 1 },
    dataZoom: [{ type: "inside" }, { type: "slider", height: 18, bottom: 4 }],
    series: [
      { name: names.required, type: "line", step: "start", data: data.required, symbol: "none" },
      {
        name: names.scheduled,
        type: "line",
        step: "start",
        data: data.scheduled,
        symbol: "none",
        areaStyle: { opacity: 0.15 },
      },
    ],
  });
  window.addEventListener("resize", () => chart.resize());
})();
