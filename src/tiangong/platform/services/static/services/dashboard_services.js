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

  function option(rows, rate) {
    return {
      color: palette, animation: false, tooltip: { trigger: "axis" },
      legend: { top: 0, data: ["办结率（受理口径）", "绿码率", "超期件数"] },
      grid: { left: 50, right: 50, top: 40, bottom: 60 },
      xAxis: axis(rows),
      yAxis: [{ type: "value", name: "%", min: 0, max: 100 }, { type: "value", name: "件", minInterval: 1 }],
      series: [
        { name: "办结率（受理口径）", type: rate, data: pick(rows, "closed_of_received") },
        { name: "绿码率", type: rate, data: pick(rows, "green_rate") },
        { name: "超期件数", type: "bar", yAxisIndex: 1, data: pick(rows, "overdue") }
      ]
    };
  }

  function qualityOption(rows, rate) {
    return {
      color: quality, animation: false, tooltip: { trigger: "axis" },
      legend: { top: 0, data: ["重办率", "首次交办准确率", "满意率", "办结用时中位数（工作日）"] },
      grid: { left: 50, right: 50, top: 40, bottom: 60 },
      xAxis: axis(rows),
      yAxis: [{ type: "value", name: "%", min: 0, max: 100 }, { type: "value", name: "工作日", min: 0 }],
      series: [
        { name: "重办率", type: rate, data: pick(rows, "reopen_rate") },
        { name: "首次交办准确率", type: rate, data: pick(rows, "first_time_right") },
        { name: "满意率", type: rate, data: pick(rows, "satisfaction") },
        { name: "办结用时中位数（工作日）", type: "bar", yAxisIndex: 1, data: pick(rows, "median_days") }
      ]
    };
  }

  function draw() {
    var block = document.getElementById("services-dashboard-data");
    if (!block) { return; }
    var data = JSON.parse(block.textContent);
    var months = chart("months");
    if (months) { months.setOption(option(data.months, "line")); }
    var groups = chart(data.kind);
    if (groups) { groups.setOption(option(data.groups, "bar")); }
    var qm = chart("quality-months");
    if (qm) { qm.setOption(qualityOption(data.months, "line")); }
    var qg = chart("quality-" + data.kind);
    if (qg) { qg.setOption(qualityOption(data.groups, "bar")); }
  }

  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", draw); } else { draw(); }
}());
