// The instrument page's chart: the newest closes, adjusted for splits and dividends, as a line (uPlot), the trend regime as coloured bands behind
// it, the volatility regime as a strip under it; a time-range selector and drag-to-zoom.
// The chart element says what it drew (data-state, data-points, data-trend-bands,
// data-volatility-bands) and how long drawing took (data-draw-ms: data in hand to chart drawn).
"use strict";

(() => {
  const box = document.getElementById("chart");
  const status = document.getElementById("chart-status");
  const note = document.getElementById("chart-note");
  const strip = document.getElementById("volatility-strip");
  const HEIGHT = 360;
  const DAY = 86400;
  const TREND = { bull: "rgba(22, 163, 74, 0.17)", sideways: "rgba(148, 163, 184, 0.22)", bear: "rgba(220, 38, 38, 0.17)" };
  const VOLATILITY = { low: "#bfdbfe", normal: "#60a5fa", high: "#7c3aed" };

  function fail(reason) {
    box.dataset.state = "failed";
    status.textContent = `The chart cannot be drawn: ${reason}`;
  }

  // x positions of a run of bars, [first bar, next run's first bar), clipped to the plot area.
  function runSpan(u, data, run, toPos) {
    const start = toPos(data.time[run.start]);
    const end = run.end + 1 < data.time.length ? toPos(data.time[run.end + 1]) : toPos(data.time[run.end] + DAY);
    return [start, end];
  }

  function drawTrend(u, data) {
    const { left, top, width, height } = u.bbox;
    const ctx = u.ctx;
    let drawn = 0;
    ctx.save();
    for (const run of data.trend) {
      const [x0, x1] = runSpan(u, data, run, (t) => u.valToPos(t, "x", true));
      const from = Math.max(x0, left), to = Math.min(x1, left + width);
      if (to <= from) continue;
      ctx.fillStyle = TREND[run.regime];
      ctx.fillRect(from, top, to - from, height);
      drawn += 1;
    }
    ctx.restore();
    box.dataset.trendBands = drawn;
  }

  function drawVolatility(u, data) {
    // The strip spans exactly the plot area (uPlot's overlay element), whatever the axes' sizes.
    const ratio = uPlot.pxRatio;
    const plotArea = u.over.getBoundingClientRect();
    strip.style.marginLeft = `${plotArea.left - strip.parentElement.getBoundingClientRect().left}px`;
    strip.style.width = `${plotArea.width}px`;
    strip.width = Math.round(plotArea.width * ratio);
    strip.height = Math.round(18 * ratio);
    const ctx = strip.getContext("2d");
    ctx.clearRect(0, 0, strip.width, strip.height);
    let drawn = 0;
    for (const run of data.volatility) {
      const [x0, x1] = runSpan(u, data, run, (t) => u.valToPos(t, "x") * ratio);
      const from = Math.max(x0, 0), to = Math.min(x1, strip.width);
      if (to <= from) continue;
      ctx.fillStyle = VOLATILITY[run.regime];
      ctx.fillRect(from, 0, to - from, strip.height);
      drawn += 1;
    }
    box.dataset.volatilityBands = drawn;
  }

  function regimeAt(runs, count) {
    const labels = new Array(count).fill(null);
    for (const run of runs) labels.fill(run.regime, run.start, run.end + 1);
    return labels;
  }

  function draw(data) {
    if (data.bars === 0) {
      box.dataset.state = "empty";
      box.dataset.points = 0;
      status.textContent = `No ${data.timeframe} bars are stored for ${data.symbol} yet: \`make demo\` loads sample prices.`;
      return;
    }
    const trendAt = regimeAt(data.trend, data.bars);
    const volatilityAt = regimeAt(data.volatility, data.bars);
    let first = true;
    const options = {
      width: box.clientWidth,
      height: HEIGHT,
      scales: { x: { time: true } },
      series: [{}, { label: "close", stroke: "#1d4ed8", width: 1.25, points: { show: false } }],
      axes: [{}, { size: 64 }],
      cursor: { drag: { x: true, y: false } },
      legend: { show: false },  // the line under the chart reads out the bar under the cursor
      hooks: {
        drawClear: [(u) => drawTrend(u, data)],
        draw: [(u) => {
          drawVolatility(u, data);
          if (!first) return;
          first = false;
          performance.mark("chart-drawn");
          const took = performance.measure("chart-draw", "chart-data", "chart-drawn");
          box.dataset.points = u.data[0].length;
          box.dataset.drawMs = took.duration.toFixed(1);
          box.dataset.readyMs = performance.now().toFixed(1);
          box.dataset.state = "drawn";
        }],
        setCursor: [(u) => {
          const i = u.cursor.idx;
          if (i === null || i === undefined) return;
          const day = new Date(data.time[i] * 1000).toISOString().slice(0, 10);
          note.textContent = `${day}: close ${data.close[i].toFixed(2)} (adjusted) · trend ${trendAt[i] || "—"} · volatility ${volatilityAt[i] || "—"}`;
        }],
      },
    };
    box.replaceChildren();
    const plot = new uPlot(options, [data.time, data.close], box);
    const notes = [];
    if (data.left_out) notes.push(`Showing the newest ${data.bars.toLocaleString()} bars; ${data.left_out.toLocaleString()} older ones are left out.`);
    if (data.regimes_note) notes.push(data.regimes_note);
    note.textContent = notes.join(" ") || "Drag across the chart to zoom in; pick a range above.";
    selectRanges(plot, data);
    window.addEventListener("resize", () => plot.setSize({ width: box.clientWidth, height: HEIGHT }));
  }

  function selectRanges(plot, data) {
    const buttons = document.querySelectorAll(".ranges button");
    const last = data.time[data.time.length - 1];
    for (const button of buttons) {
      button.addEventListener("click", () => {
        const days = Number(button.dataset.days);
        const min = days ? Math.max(data.time[0], last - days * DAY) : data.time[0];
        plot.setScale("x", { min, max: last });
        for (const other of buttons) other.setAttribute("aria-pressed", String(other === button));
      });
    }
  }

  async function load() {
    let response;
    try {
      response = await fetch(box.dataset.url, { headers: { Accept: "application/json" } });
    } catch (error) {
      fail(`django_core is unreachable (${error.message})`);
      return;
    }
    const body = await response.json().catch(() => ({}));
    if (!response.ok) {
      fail(body.detail || `${box.dataset.url} answered ${response.status}`);
      return;
    }
    performance.mark("chart-data");
    draw(body);
  }

  load();
})();
