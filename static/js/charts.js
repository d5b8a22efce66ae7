// A thin wrapper over the vendored Chart.js (window.Chart, static/vendor/chartjs): the bar
// chart of consumption, bars past the limit in red, the limit as a line, an optional
// previous period to compare with.

const COLORS = {
  bar: "#2f6fb3",
  over: "#c62828",
  limit: "#b45309",
  previous: "#6b7280",
};

function datasets({ values, limit, previous }) {
  const sets = [{
    type: "bar",
    label: "Consumption (kWh)",
    data: values,
    backgroundColor: values.map((value) => (limit !== null && value > limit ? COLORS.over : COLORS.bar)),
    borderRadius: 3,
    order: 2,
  }];
  if (limit !== null) {
    sets.push({
      type: "line",
      label: "Maximum per hour (kWh)",
      data: values.map(() => limit),
      borderColor: COLORS.limit,
      borderWidth: 2,
      borderDash: [6, 4],
      pointRadius: 0,
      order: 1,
    });
  }
  if (previous) {
    sets.push({
      type: "line",
      label: "Previous period (kWh)",
      data: previous,
      borderColor: COLORS.previous,
      borderWidth: 2,
      pointRadius: 2,
      // Straight segments: a smoothed curve would draw values that were never measured.
      tension: 0,
      order: 0,
    });
  }
  return sets;
}

export function consumptionChart(canvas) {
  const chart = new window.Chart(canvas, {
    // Bars by default (a category x axis); the limit and the previous period are line datasets.
    type: "bar",
    data: { labels: [], datasets: [] },
    options: {
      responsive: true,
      maintainAspectRatio: false,
      animation: { duration: 250 },
      interaction: { mode: "index", intersect: false },
      scales: {
        y: { beginAtZero: true, title: { display: true, text: "kWh" } },
        x: { ticks: { autoSkip: true, maxRotation: 0 } },
      },
      plugins: { legend: { position: "bottom", labels: { boxWidth: 14 } } },
    },
  });
  return {
    // labels: strings; values: numbers; limit: number or null; previous: numbers or null.
    update({ labels, values, limit = null, previous = null }) {
      chart.data.labels = labels;
      chart.data.datasets = datasets({ values, limit, previous });
      chart.update();
    },
    destroy: () => chart.destroy(),
  };
}
