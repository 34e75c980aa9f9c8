// The instrument page's chart: the newest closes, adjusted for splits and dividends, as a line (uPlot), the trend regime as coloured bands behind
// it, the volatility regime as a strip under it; a time-range selector and drag-to-zoom.
// Under them, once the chart is drawn, P(high volatility) of each bar from the Markov-switching model
// as a band: the filtered probability (from the bars up to that bar), and, when asked, the smoothed one
// as a line labelled hindsight (it uses later bars).
// The chart element says what it drew (data-state, data-points, data-trend-bands,
// data-volatility-bands) and how long drawing took (data-draw-ms: data in hand to chart drawn); the band
// says it too (data-state, data-rows, data-painted: the bars drawn in view, data-high: those above 0.5).
"use strict";

(() => {
  const box = document.getElementById("chart");
  const status = document.getElementById("chart-status");
  const note = document.getElementById("chart-note");
  const strip = document.getElementById("volatility-strip");
  const band = document.getElementById("markov-band");
  const bandNote = document.getElementById("markov-note");
  const hindsightBox = document.getElementById("markov-hindsight");
  const HEIGHT = 360;
  const DAY = 86400;
  const TREND = { bull: "rgba(22, 163, 74, 0.17)", sideways: "rgba(148, 163, 184, 0.22)", bear: "rgba(220, 38, 38, 0.17)" };
  const VOLATILITY = { low: "#bfdbfe", normal: "#60a5fa", high: "#7c3aed" };
  const BAND_HEIGHT = 56;
  const BAND_FILL = "rgb(124, 58, 237)";  // the high-volatility colour, opaque: the band's pixels say P
  const HINDSIGHT = "#334155";
  let markov = null;  // the band's data, once it came

  function fail(reason) {
    box.dataset.state = "failed";
    status.textContent = `The chart cannot be drawn: ${reason}`;
    noBand();
  }

  function noBand() {
    band.dataset.state = "none";
    bandNote.textContent = "";
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
    const ratio = uPlot.pxRatio;
    const ctx = underPlot(u, strip, 18);
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

  // Lays a canvas under the chart across exactly the plot area (uPlot's overlay element), whatever the
  // axes' sizes, sized for the screen's pixels; its context, cleared.
  function underPlot(u, canvas, height) {
    const ratio = uPlot.pxRatio;
    const plotArea = u.over.getBoundingClientRect();
    canvas.style.marginLeft = `${plotArea.left - canvas.parentElement.getBoundingClientRect().left}px`;
    canvas.style.width = `${plotArea.width}px`;
    canvas.width = Math.round(plotArea.width * ratio);
    canvas.height = Math.round(height * ratio);
    const ctx = canvas.getContext("2d");
    ctx.clearRect(0, 0, canvas.width, canvas.height);
    return ctx;
  }

  function drawMarkov(u) {
    if (!markov || markov.time.length === 0) return;
    const ratio = uPlot.pxRatio;
    const ctx = underPlot(u, band, BAND_HEIGHT);
    const h = band.height;
    const toX = (t) => u.valToPos(t, "x") * ratio;
    const rows = markov.time.length;
    let painted = 0, high = 0;
    ctx.fillStyle = BAND_FILL;
    for (let i = 0; i < rows; i++) {
      const x0 = Math.max(toX(markov.time[i]), 0);
      const x1 = Math.min(i + 1 < rows ? toX(markov.time[i + 1]) : toX(markov.time[i] + DAY), band.width);
      if (x1 <= x0) continue;
      const p = markov.high[i];
      ctx.fillRect(x0, h * (1 - p), x1 - x0, h * p);
      painted += 1;
      if (p > 0.5) high += 1;
    }
    ctx.strokeStyle = "rgba(100, 116, 139, 0.6)";  // the 0.5 line
    ctx.setLineDash([3 * ratio, 3 * ratio]);
    ctx.beginPath();
    ctx.moveTo(0, h / 2);
    ctx.lineTo(band.width, h / 2);
    ctx.stroke();
    ctx.setLineDash([]);
    if (hindsightBox.checked) {
      ctx.strokeStyle = HINDSIGHT;
      ctx.lineWidth = 1.25 * ratio;
      ctx.beginPath();
      for (let i = 0; i < rows; i++) {
        const y = h * (1 - markov.hindsight[i]);
        if (i === 0) ctx.moveTo(toX(markov.time[i]), y); else ctx.lineTo(toX(markov.time[i]), y);
      }
      ctx.stroke();
    }
    band.dataset.painted = painted;
    band.dataset.high = high;
    band.dataset.state = "drawn";
  }

  async function loadMarkov(plot) {
    let response;
    try {
      response = await fetch(band.dataset.url, { headers: { Accept: "application/json" } });
    } catch (error) {
      band.dataset.state = "failed";
      bandNote.textContent = `P(high volatility) cannot be drawn: django_core is unreachable (${error.message})`;
      return;
    }
    const body = await response.json().catch(() => ({}));
    if (!response.ok) {
      band.dataset.state = "failed";
      bandNote.textContent = `P(high volatility) cannot be drawn: ${body.detail || `${band.dataset.url} answered ${response.status}`}`;
      return;
    }
    markov = body;
    markov.index = new Map(markov.time.map((t, i) => [t, i]));
    band.dataset.rows = markov.time.length;
    if (markov.time.length === 0) {
      band.dataset.state = "none";
      bandNote.textContent = `No P(high volatility): ${markov.note}`;
      return;
    }
    const [low, high] = [markov.regimes[0], markov.regimes[markov.regimes.length - 1]];
    const pct = (v) => `${(100 * v).toFixed(1)} %`;
    bandNote.textContent = `P(high volatility) of each day, from the days up to it (filtered): a Markov-switching model of the `
      + `daily log returns, ${markov.regimes.length} regimes, ${low.name} ${pct(low.annual_volatility)} and ${high.name} `
      + `${pct(high.annual_volatility)} a year; on ${markov.as_of.slice(0, 10)} ${markov.high_volatility.toFixed(2)}.`;
    drawMarkov(plot);
    hindsightBox.disabled = false;
    hindsightBox.addEventListener("change", () => drawMarkov(plot));
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
      noBand();
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
          drawMarkov(u);
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
          const row = markov ? markov.index.get(data.time[i]) : undefined;
          const high = row === undefined ? "" : ` · P(high volatility) ${markov.high[row].toFixed(2)}`;
          note.textContent = `${day}: close ${data.close[i].toFixed(2)} (adjusted) · trend ${trendAt[i] || "—"} · volatility ${volatilityAt[i] || "—"}${high}`;
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
    loadMarkov(plot);
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
