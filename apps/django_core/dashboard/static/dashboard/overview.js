// The overview's service tiles: /api/services/ asked again a moment after each answer, the tiles
// redrawn in place (green ok, red unavailable with the reason), no page reload.
"use strict";

(() => {
  const tiles = document.getElementById("tiles");
  const updated = document.getElementById("stack-updated");
  const pollMs = Number(tiles.dataset.pollMs) || 5000;
  // Longer than /api/services/ can take (its checks time out after 1 s + 3 s).
  const answerTimeoutMs = 5000;

  function checkItem(name, check) {
    const item = document.createElement("li");
    item.dataset.check = name;
    item.dataset.status = check.status;
    const parts = [`${name}: ${check.status}`, `${check.latency_ms.toFixed(1)} ms`];
    if (check.server) parts.push(check.server);
    item.textContent = parts.join(" · ");
    if (check.server) item.dataset.server = check.server;
    if (check.error) item.title = check.error;
    return item;
  }

  function show(tile, entry) {
    tile.dataset.status = entry.status;
    tile.querySelector(".state").textContent = entry.status;
    tile.querySelector(".latency").textContent =
      entry.latency_ms === undefined ? "" : `health check ${entry.latency_ms.toFixed(1)} ms`;
    const checks = Object.entries(entry.checks || {}).map(([name, check]) => checkItem(name, check));
    tile.querySelector(".checks").replaceChildren(...checks);
    tile.querySelector(".reason").textContent = entry.error || "";
  }

  async function poll() {
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), answerTimeoutMs);
    try {
      const response = await fetch(tiles.dataset.url, {
        headers: { Accept: "application/json" }, cache: "no-store", signal: controller.signal,
      });
      if (!response.ok) throw new Error(`${tiles.dataset.url} answered ${response.status}`);
      const report = await response.json();
      for (const tile of tiles.querySelectorAll(".tile")) {
        const entry = report.services[tile.dataset.service];
        if (entry) show(tile, entry);
      }
      updated.textContent = `Checked at ${new Date().toLocaleTimeString()}: ${report.status}`;
      updated.dataset.status = report.status;
    } catch (error) {
      const reason = error.name === "AbortError" ? "django_core did not answer in time" : `django_core is unreachable (${error.message})`;
      for (const tile of tiles.querySelectorAll(".tile")) show(tile, { status: "unavailable", error: reason });
      updated.textContent = `Not checked at ${new Date().toLocaleTimeString()}: ${reason}`;
      updated.dataset.status = "unavailable";
    } finally {
      clearTimeout(timer);
      setTimeout(poll, pollMs);
    }
  }

  poll();
})();
