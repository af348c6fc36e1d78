// KPI dashboard: trend (bars for offered/answered, line for service level) and the
// interval × weekday heat map, drawn from the page's JSON data block (CSP forbids inline scripts).
(() => {
  const block = document.getElementById("kpi-chart-data");
  if (!block || !window.echarts) {
    return;
  }
  const data = JSON.parse(block.textContent);
  const percent = (value) => (value === null ? null : Math.round(value * 1000) / 10);

  const trend = document.getElementById("kpi-trend");
  if (trend) {
    window.echarts.init(trend).setOption({
      tooltip: { trigger: "axis" },
      legend: {},
      grid: { left: 50, right: 50, bottom: 40 },
      xAxis: { type: "category", data: data.trend.x },
      yAxis: [
        { type: "value", name: data.labels.contacts },
        { type: "value", name: data.labels.percent, min: 0, max: 100 },
      ],
      series: [
        { name: data.labels.offered, type: "bar", data: data.trend.offered },
        { name: data.labels.answered, type: "bar", data: data.trend.answered },
        {
          name: data.labels.service_level,
          type: "line",
          yAxisIndex: 1,
          data: data.trend.service_level.map(percent),
        },
      ],
    });
  }

  const heat = document.getElementById("kpi-heat");
  if (heat) {
    const peak = Math.max(1, ...data.heat.cells.map((cell) => cell[2]));
    window.echarts.init(heat).setOption({
      tooltip: { position: "top" },
      grid: { left: 60, right: 20, bottom: 70 },
      xAxis: { type: "category", data: data.heat.times, splitArea: { show: true } },
      yAxis: { type: "category", data: data.heat.days, splitArea: { show: true } },
      visualMap: { min: 0, max: peak, calculable: true, orient: "horizontal", left: "center", bottom: 0 },
      series: [{ name: data.labels.offered, type: "heatmap", data: data.heat.cells }],
    });
  }
})();
