// Dashboard script: draws the history with uPlot and, every publish interval, swaps in the server's fresh HTML (one renderer: the server's).
(function () {
  "use strict";
  const config = JSON.parse(document.getElementById("dashboard-config").textContent);
  const COLORS = { "active-nodes": "#2563eb", "new-tasks": "#0d9488", "success-rate": "#16a34a", "cache-hit-rate": "#d97706" };
  const PERCENT = { "success-rate": true, "cache-hit-rate": true };
  const HEIGHT = 180;
  const charts = {};

  /** History points as uPlot columns, one per chart: [seconds, values]. */
  function columns(points) {
    const t = points.map((p) => Date.parse(p.timestamp) / 1000);
    const newTasks = points.map((p, i) => (i === 0 ? null : Math.max(0, p.totalTasks - points[i - 1].totalTasks)));
    return {
      "active-nodes": [t, points.map((p) => p.activeNodes)],
      "new-tasks": [t, newTasks],
      "success-rate": [t, points.map((p) => p.successRate)],
      "cache-hit-rate": [t, points.map((p) => p.cacheHitRate)],
    };
  }

  const pad = (n) => String(n).padStart(2, "0");
  const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

  /** Tick labels in UTC (as the page's "as of"), as precise as the visible span needs. */
  function timeTicks(u, ticks) {
    const span = u.scales.x.max - u.scales.x.min;
    let previous = "";
    return ticks.map((t) => {
      const d = new Date(t * 1000);
      const hm = pad(d.getUTCHours()) + ":" + pad(d.getUTCMinutes());
      let label;
      if (span < 20) label = hm + ":" + pad(d.getUTCSeconds()) + "." + Math.floor(d.getUTCMilliseconds() / 100);
      else if (span < 300) label = hm + ":" + pad(d.getUTCSeconds());
      else if (span < 2 * 86400) label = hm;
      else label = MONTHS[d.getUTCMonth()] + " " + d.getUTCDate() + (span < 10 * 86400 ? " " + hm : "");
      // A label equal to the one before it says nothing new.
      const shown = label === previous ? "" : label;
      previous = label;
      return shown;
    });
  }

  function options(id, width) {
    const color = COLORS[id];
    const bars = id === "new-tasks" && uPlot.paths && uPlot.paths.bars ? uPlot.paths.bars({ size: [0.8, 24] }) : undefined;
    const axis = { stroke: "#64748b", grid: { stroke: "#e2e8f0", width: 1 }, ticks: { stroke: "#e2e8f0", width: 1 }, font: "11px system-ui, sans-serif" };
    return {
      width, height: HEIGHT,
      legend: { show: false },
      cursor: { points: { size: 6 } },
      tzDate: (ts) => uPlot.tzDate(new Date(ts * 1000), "Etc/UTC"),
      scales: { x: { time: true }, y: PERCENT[id] ? { range: [0, 100] } : { range: (u, min, max) => [0, Math.max(1, Math.ceil(max * 1.15))] } },
      // Labels such as "22:33:53.2" need room: at least 90 px between time ticks.
      axes: [Object.assign({}, axis, { values: timeTicks, space: 90 }), Object.assign({}, axis, { size: 44, values: (u, vals) => vals.map((v) => (PERCENT[id] ? v + "%" : v.toLocaleString("en-US"))) })],
      series: [{}, { stroke: color, width: 2, fill: color + "22", paths: bars, points: { show: false } }],
    };
  }

  function draw(data) {
    for (const id of config.charts) {
      const el = document.getElementById("chart-" + id);
      if (!el) continue;
      if (charts[id]) charts[id].setData(data[id]);
      else charts[id] = new uPlot(options(id, el.clientWidth || 400), data[id], el);
    }
  }

  const DAY_S = 86400;
  const FULL_POINTS = 600;
  let history = [];

  /**
   * The first load asks for the last 24 h downsampled; each refresh asks only for what was published
   * since the newest point and appends it, so an open dashboard costs a few hundred bytes per interval.
   */
  async function loadHistory() {
    const last = history.length ? Date.parse(history[history.length - 1].timestamp) : null;
    const full = last === null || history.length > 2 * FULL_POINTS;
    const query = full ? "points=" + FULL_POINTS : "from=" + (last + 1) + "&points=5000";
    const res = await fetch("/api/history?" + query, { cache: "no-store" });
    if (!res.ok) throw new Error("history: HTTP " + res.status);
    const body = await res.json();
    const since = Date.parse(body.to) - DAY_S * 1000;
    history = (full ? body.points : history.concat(body.points)).filter((p) => Date.parse(p.timestamp) >= since);
    draw(columns(history));
    const range = document.getElementById("history-range");
    if (range) range.textContent = "last 24 h · " + history.length.toLocaleString("en-US") + " points";
  }

  /** Fetches the page again and replaces each live region whose content changed. */
  async function refreshText() {
    const res = await fetch("/", { cache: "no-store" });
    if (!res.ok) throw new Error("page: HTTP " + res.status);
    const fresh = new DOMParser().parseFromString(await res.text(), "text/html");
    for (const el of document.querySelectorAll("[data-live]")) {
      const next = fresh.querySelector('[data-live="' + el.dataset.live + '"]');
      if (next && next.innerHTML !== el.innerHTML) el.innerHTML = next.innerHTML;
    }
  }

  async function refresh() {
    try {
      await Promise.all([refreshText(), loadHistory()]);
      document.body.classList.remove("offline");
    } catch (err) {
      document.body.classList.add("offline");
    }
    setTimeout(refresh, config.refreshMs);
  }

  new ResizeObserver(() => {
    for (const id of Object.keys(charts)) {
      const el = document.getElementById("chart-" + id);
      if (el && el.clientWidth && el.clientWidth !== charts[id].width) charts[id].setSize({ width: el.clientWidth, height: HEIGHT });
    }
  }).observe(document.querySelector(".charts"));

  loadHistory().catch(() => document.body.classList.add("offline")).finally(() => setTimeout(refresh, config.refreshMs));
})();
