// Forecast and plan: last week's offered contacts, the forecast (before and after overrides)
// with its prediction band, and the required and scheduled agents, for the chosen queue, from
// the page's JSON data block. Forms show a busy note while the server works.
(() => {
  for (const form of document.querySelectorAll("form.busy-form")) {
    form.addEventListener("submit", () => {
      const note = form.querySelector(".plan-busy");
      if (note) {
        note.hidden = false;
      }
      form.setAttribute("aria-busy", "true");
    });
  }
  const block = document.getElementById("plan-chart-data");
  const forecastTarget = document.getElementById("plan-forecast-chart");
  const staffingTarget = document.getElementById("plan-staffing-chart");
  if (!block || !forecastTarget || !staffingTarget || !window.echarts) {
    return;
  }
  const data = JSON.parse(block.textContent);
  const names = data.names;
  const picker = document.getElementById("plan-chart-queue");
  const forecastChart = window.echarts.init(forecastTarget);
  const staffingChart = window.echarts.init(staffingTarget);
  window.echarts.connect([forecastChart, staffingChart]);
  const draw = (queue) => {
    const q = data.queues[queue];
    if (!q) {
      return;
    }
    const width = q.hi.map((hi, k) => (hi === null || q.lo[k] === null ? null : hi - q.lo[k]));
    const zoom = [{ type: "inside" }, { type: "slider", height: 18, bottom: 4 }];
    forecastChart.setOption(
      {
        tooltip: { trigger: "axis" },
        legend: { data: [names.actual, names.forecast, names.calls, names.band] },
        grid: { left: 50, right: 20, top: 40, bottom: 60 },
        xAxis: { type: "category", data: q.labels },
        yAxis: { type: "value", name: names.contacts },
        dataZoom: zoom,
        series: [
          { name: "lo", type: "line", data: q.lo, stack: "band", symbol: "none", lineStyle: { opacity: 0 }, tooltip: { show: false } },
          { name: names.band, type: "line", data: width, stack: "band", symbol: "none", lineStyle: { opacity: 0 }, areaStyle: { opacity: 0.2 } },
          { name: names.actual, type: "line", data: q.actual, symbol: "none" },
          { name: names.forecast, type: "line", data: q.forecast, symbol: "none", lineStyle: { type: "dashed" } },
          { name: names.calls, type: "line", data: q.calls, symbol: "none" },
        ],
      },
      true,
    );
    staffingChart.setOption(
      {
        tooltip: { trigger: "axis" },
        legend: { data: [names.required, names.scheduled] },
        grid: { left: 50, right: 20, top: 40, bottom: 60 },
        xAxis: { type: "category", data: q.labels },
        yAxis: { type: "value", name: names.agents, minInterval: 1 },
        dataZoom: zoom,
        series: [
          { name: names.required, type: "line", step: "start", data: q.required, symbol: "none" },
          { name: names.scheduled, type: "line", step: "start", data: q.scheduled, symbol: "none" },
        ],
      },
      true,
    );
  };
  draw(picker ? picker.value : Object.keys(data.queues)[0]);
  if (picker) {
    picker.addEventListener("change", () => draw(picker.value));
  }
  window.addEventListener("resize", () => {
    forecastChart.resize();
    staffingChart.resize();
  });
})();
