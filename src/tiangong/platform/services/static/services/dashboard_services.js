/* 驾驶舱 · 企业诉求, from the services-dashboard-data block: 办结率 / 绿码率 (lines or bars, %)
   and overdue counts (bars); and the quality of the handling — 重办率, 首次交办准确率, 满意率
   (%) with the median working days to close (bars, right axis) — by month and by lead
   department or county (data.kind). ECharts is the dashboard's vendored copy; this file is
   loaded with defer, so it runs after it. No inline script (CSP). */
(function () {
  "use strict";
  var palette = ["#059669", "#1d4ed8", "#b4232a"];
  var quality = ["#b45309", "#1d4ed8", "#059669", "#6b7280"];

  function chart(name) {
    var el = document.querySelector('[data-services-chart="' + name + '"]');
    if (!el || typeof echarts === "undefined") { return null; }
    var big = document.body.classList.contains("bigscreen");
    var c = echarts.init(el, big ? "dark" : null, { renderer: "canvas" });
    if (big) { c.setOption({ backgroundColor: "transparent" }); }
    window.addEventListener("resize", function () { c.resize(); });
    el.setAttribute("data-drawn", "1");
    return c;
  }

  function pick(rows, key) { return rows.map(function (r) { return r[key]; }); }

  function axis(rows) {
    return { type: "category", data: pick(rows, "name"), axisLabel: { interval: 0, rotate: rows.length > 6 ? 30 : 0 } };
  }

  // Each panel: rates in % on the left axis (lines by month, bars by group), one count or
  // number of days as bars on the right axis.
  var PANELS = {
    handling: { colors: palette, right: { name: "件", minInterval: 1 },
      rates: [["办结率（受理口径）", "closed_of_received"], ["绿码率", "green_rate"]],
      bars: ["超期件数", "overdue"] },
    quality: { colors: quality, right: { name: "工作日", min: 0 },
      rates: [["重办率", "reopen_rate"], ["首次交办准确率", "first_time_right"], ["满意率", "satisfaction"]],
      bars: ["办结用时中位数（工作日）", "median_days"] }
  };

  function option(panel, rows, rate) {
    var p = PANELS[panel];
    var series = p.rates.map(function (r) { return { name: r[0], type: rate, data: pick(rows, r[1]) }; });
    series.push({ name: p.bars[0], type: "bar", yAxisIndex: 1, data: pick(rows, p.bars[1]) });
    var right = { type: "value" };
    Object.keys(p.right).forEach(function (k) { right[k] = p.right[k]; });
    return {
      color: p.colors, animation: false, tooltip: { trigger: "axis" },
      legend: { top: 0, data: series.map(function (x) { return x.name; }) },
      grid: { left: 50, right: 50, top: 40, bottom: 60 },
      xAxis: axis(rows),
      yAxis: [{ type: "value", name: "%", min: 0, max: 100 }, right],
      series: series
    };
  }

  function draw() {
    var block = document.getElementById("services-dashboard-data");
    if (!block) { return; }
    var data = JSON.parse(block.textContent);
    var months = chart("months");
    if (months) { months.setOption(option("handling", data.months, "line")); }
    var groups = chart(data.kind);
    if (groups) { groups.setOption(option("handling", data.groups, "bar")); }
    var qm = chart("quality-months");
    if (qm) { qm.setOption(option("quality", data.months, "line")); }
    var qg = chart("quality-" + data.kind);
    if (qg) { qg.setOption(option("quality", data.groups, "bar")); }
  }

  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", draw); } else { draw(); }
}());
