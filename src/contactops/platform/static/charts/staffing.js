// Staffing calculator: show only the inputs the chosen model uses, and draw the curve around
// the answer from the page's JSON data block (CSP forbids inline scripts; data blocks are inert).
(() => {
  const form = document.getElementById("staffing-form");
  const model = form && form.querySelector("[data-staffing-model]");
  const showFieldsFor = () => {
    for (const field of form.querySelectorAll(".field[data-models]")) {
      field.hidden = !field.dataset.models.split(" ").includes(model.value);
    }
  };
  if (model) {
    model.addEventListener("change", showFieldsFor);
    showFieldsFor();
  }

  const block = document.getElementById("staffing-curve");
  const target = document.getElementById("staffing-chart");
  if (!block || !target || !window.echarts) {
    return;
  }
  const curve = JSON.parse(block.textContent);
  const shown = (value, axis) => {
    if (value === null) {
      return null;
    }
    return axis === "fraction" ? Math.round(value * 1000) / 10 : Math.round(value * 10) / 10;
  };
  const series = curve.series.map((line, index) => ({
    name: line.name,
    type: "line",
    yAxisIndex: line.axis === "seconds" ? 1 : 0,
    showSymbol: false,
    data: curve.agents.map((agents, i) => [agents, shown(line.values[i], line.axis)]),
    markLine:
      index === 0
        ? {
            symbol: "none",
            label: { formatter: `${curve.labels.answer}: ${curve.answer}` },
            data: [{ xAxis: curve.answer }],
          }
        : undefined,
  }));
  const chart = window.echarts.init(target);
  chart.setOption({
    tooltip: { trigger: "axis" },
    legend: { top: 0 },
    grid: { left: 56, right: 64, top: 48, bottom: 48 },
    xAxis: {
      type: "value",
      name: curve.labels.agents,
      nameLocation: "middle",
      nameGap: 28,
      min: curve.agents[0],
      max: curve.agents[curve.agents.length - 1],
      minInterval: 1,
    },
    yAxis: [
      { type: "value", name: curve.labels.percent, min: 0, max: 100 },
      {
        type: "value",
        name: curve.labels.seconds,
        min: 0,
        show: curve.series.some((line) => line.axis === "seconds"),
        splitLine: { show: false },
      },
    ],
    series,
  });
  window.addEventListener("resize", () => chart.resize());
})();
