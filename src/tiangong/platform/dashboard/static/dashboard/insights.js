/* Charts of the data-quality and composite-index panels: drawn when the panel arrives (page
   load, or an htmx swap) from its json_script block. No inline script (CSP default-src 'self'). */
(function () {
  "use strict";
  var palette = ["#059669", "#d97706", "#6b7280", "#b4232a", "#1d4ed8"];

  function read(id) {
    var el = document.getElementById(id);
    return el ? JSON.parse(el.textContent) : null;
  }

  function init(el) {
    var old = echarts.getInstanceByDom(el);
    if (old) { old.dispose(); }
    var big = document.body.classList.contains("bigscreen");
    var chart = echarts.init(el, big ? "dark" : null, { renderer: "canvas" });
    if (big) { chart.setOption({ backgroundColor: "transparent" }); }
    el.dataset.drawn = "1";
    return chart;
  }

  function drawQuality(el) {
    var data = read("quality-data");
    if (!data) { return; }
    var rows = data.bars.slice().reverse();
    var names = rows.map(function (r) { return r.name; });
    function series(key, label) {
      return { name: label, type: "bar", stack: "rows", data: rows.map(function (r) { return r[key]; }) };
    }
    init(el).setOption({
      color: palette, animation: false, tooltip: { trigger: "axis" },
      legend: { top: 0, data: ["使用", "隔离", "排除"] },
      grid: { left: 110, right: 20, top: 36, bottom: 30 },
      xAxis: { type: "value", name: "行数" }, yAxis: { type: "category", data: names },
      series: [series("used", "使用"), series("quarantined", "隔离"), series("excluded", "排除")]
    });
  }

  function drawIndices(el) {
    var data = read("indices-data");
    if (!data) { return; }
    var rows = data.rows.slice().reverse();
    init(el).setOption({
      color: ["#1d4ed8"], animation: false, tooltip: { trigger: "axis" },
      grid: { left: 110, right: 20, top: 20, bottom: 30 },
      xAxis: { type: "value", name: "综合指数" },
      yAxis: { type: "category", data: rows.map(function (r) { return r.name; }) },
      series: [{ name: "综合指数", type: "bar", data: rows.map(function (r) { return r.index; }) }]
    });
  }

  function drawAll(root) {
    (root || document).querySelectorAll("[data-insight]").forEach(function (el) {
      if (el.dataset.insight === "quality") { drawQuality(el); }
      if (el.dataset.insight === "indices") { drawIndices(el); }
    });
  }

  document.addEventListener("DOMContentLoaded", function () { drawAll(document); });
  document.addEventListener("htmx:afterSettle", function () { drawAll(document); });
  window.addEventListener("resize", function () {
    document.querySelectorAll("[data-insight]").forEach(function (el) {
      var c = echarts.getInstanceByDom(el);
      if (c) { c.resize(); }
    });
  });
}());
