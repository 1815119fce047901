/* 驾驶舱 · 企业诉求: 办结率 / 绿码率 (lines or bars, %) and overdue counts (bars) by month and by
   lead department, from the services-dashboard-data block. ECharts is the dashboard's vendored
   copy; this file is loaded with defer, so it runs after it. No inline script (CSP). */
(function () {
  "use strict";
  var palette = ["#059669", "#1d4ed8", "#b4232a"];

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

  function option(rows, rate) {
    return {
      color: palette, animation: false, tooltip: { trigger: "axis" },
      legend: { top: 0, data: ["办结率（受理口径）", "绿码率", "超期件数"] },
      grid: { left: 50, right: 50, top: 40, bottom: 60 },
      xAxis: { type: "category", data: pick(rows, "name"), axisLabel: { interval: 0, rotate: rows.length > 6 ? 30 : 0 } },
      yAxis: [{ type: "value", name: "%", min: 0, max: 100 }, { type: "value", name: "件", minInterval: 1 }],
      series: [
        { name: "办结率（受理口径）", type: rate, data: pick(rows, "closed_of_received") },
        { name: "绿码率", type: rate, data: pick(rows, "green_rate") },
        { name: "超期件数", type: "bar", yAxisIndex: 1, data: pick(rows, "overdue") }
      ]
    };
  }

  function draw() {
    var block = document.getElementById("services-dashboard-data");
    if (!block) { return; }
    var data = JSON.parse(block.textContent);
    var months = chart("months");
    if (months) { months.setOption(option(data.months, "line")); }
    var depts = chart("departments");
    if (depts) { depts.setOption(option(data.departments, "bar")); }
  }

  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", draw); } else { draw(); }
}());
