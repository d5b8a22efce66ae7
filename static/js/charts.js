// A thin wrapper over the vendored Chart.js (window.Chart, static/vendor/chartjs): the bar
// chart of consumption (or its cost), bars past the limit in red, estimated bars hatched, gaps
// and the future left empty (null, never 0), the limit as a line, and a period to compare with,
// drawn position by position and named by its own labels in the tooltip.

const COLORS = {
  bar: "#2f6fb3",
  over: "#c62828",
  limit: "#b45309",
  previous: "#6b7280",
};

// Diagonal stripes: an estimated bar (its energy was spread over a gap in the readings).
function hatch(color) {
  const tile = document.createElement("canvas");
  tile.width = 8;
  tile.height = 8;
  const context = tile.getContext("2d");
  context.fillStyle = "#ffffff";
  context.fillRect(0, 0, 8, 8);
  context.strokeStyle = color;
  context.lineWidth = 2;
  context.beginPath();
  context.moveTo(0, 8);
  context.lineTo(8, 0);
  context.moveTo(-2, 2);
  context.lineTo(2, -2);
  context.moveTo(6, 10);
  context.lineTo(10, 6);
  context.stroke();
  return context.createPattern(tile, "repeat");
}

function datasets({ values, estimated, limit, previous, unit, comparisonLabel }) {
  const color = (value, index) => {
    const base = limit !== null && value > limit ? COLORS.over : COLORS.bar;
    return estimated[index] ? hatch(base) : base;
  };
  const sets = [{
    type: "bar",
    label: `Consumption (${unit})`,
    data: values,
    backgroundColor: values.map(color),
    borderColor: values.map((value, index) => (estimated[index] ? COLORS.bar : "transparent")),
    borderWidth: values.map((value, index) => (estimated[index] ? 1 : 0)),
    borderRadius: 3,
    grouped: false,
    order: 2,
  }];
  if (estimated.some(Boolean)) {
    // A legend entry only: no bars of its own.
    sets.push({
      type: "bar",
      label: "Estimated (spread over a gap in the readings)",
      data: values.map(() => null),
      backgroundColor: hatch(COLORS.bar),
      borderColor: COLORS.bar,
      borderWidth: 1,
      grouped: false,
      order: 3,
    });
  }
  if (limit !== null) {
    sets.push({
      type: "line",
      label: `Maximum per hour (${unit})`,
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
      label: `${comparisonLabel} (${unit})`,
      data: previous.values,
      previousLabels: previous.labels,
      borderColor: COLORS.previous,
      borderWidth: 2,
      pointRadius: 2,
      // Straight segments, and no line across a gap: a smoothed or bridged curve would draw
      // values that were never measured.
      tension: 0,
      spanGaps: false,
      order: 0,
    });
  }
  return sets;
}

export function consumptionChart(canvas) {
  const chart = new window.Chart(canvas, {
    // Bars by default (a category x axis); the limit and the compared period are line datasets.
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
      plugins: {
        legend: { position: "bottom", labels: { boxWidth: 14 } },
        tooltip: {
          callbacks: {
            // The compared period's point is named by its own label (its day or hour).
            label(item) {
              const own = item.dataset.previousLabels?.[item.dataIndex];
              const value = item.raw === null ? "no data" : item.formattedValue;
              return own ? `${item.dataset.label}, ${own}: ${value}` : `${item.dataset.label}: ${value}`;
            },
          },
        },
      },
    },
  });
  return {
    // labels: strings; values: numbers or null (a gap, or not yet); estimated: booleans;
    // limit: number or null; previous: {labels, values} or null; unit: "kWh" or a currency.
    update({
      labels, values, estimated = [], limit = null, previous = null, unit = "kWh",
      comparisonLabel = "Previous period",
    }) {
      chart.data.labels = labels;
      chart.data.datasets = datasets({ values, estimated, limit, previous, unit, comparisonLabel });
      chart.options.scales.y.title.text = unit;
      chart.update();
    },
    destroy: () => chart.destroy(),
  };
}
