/* 驾驶舱 charts: ECharts (vendored) fed from the json_script block of the panels. Redrawn after
   every htmx swap of #panels. No inline script anywhere (CSP default-src 'self'). */
(function () {
  "use strict";
  var charts = [];
  var palette = ["#b4232a", "#1d4ed8", "#059669", "#d97706", "#6b7280", "#7c3aed"];

  function byName(name) { return document.querySelector('#panels [data-chart="' + name + '"]'); }

  function make(name) {
    var el = byName(name);
    if (!el) { return null; }
    var big = document.body.classList.contains("bigscreen");
    var chart = echarts.init(el, big ? "dark" : null, { renderer: "canvas" });
    if (big) { chart.setOption({ backgroundColor: "transparent" }); }
    charts.push(chart);
    return chart;
  }

  function drawClasses(data) {
    var chart = make("classes");
    if (!chart) { return; }
    chart.setOption({
      color: palette, animation: false, tooltip: {}, grid: { left: 50, right: 20, top: 20, bottom: 30 },
      xAxis: { type: "category", data: data.classes.map(function (c) { return c.class_code; }) },
      yAxis: { type: "value", name: "企业数" },
      series: [{ type: "bar", data: data.classes.map(function (c) { return c.n; }) }]
    });
  }

  function drawRanking(data) {
    var chart = make("ranking");
    if (!chart) { return; }
    var rows = data.ranking.slice().reverse();
    chart.setOption({
      color: palette, animation: false, tooltip: { trigger: "axis" },
      legend: { top: 0, data: ["亩均税收", "亩均增加值"] },
      grid: { left: 110, right: 20, top: 36, bottom: 30 },
      dataZoom: rows.length > 25 ? [{ type: "slider", yAxisIndex: 0, start: 100 - 2500 / rows.length, end: 100 }] : [],
      yAxis: { type: "category", data: rows.map(function (r) { return r.name; }) },
      xAxis: { type: "value", name: "万元/亩" },
      series: [
        { name: "亩均税收", type: "bar", data: rows.map(function (r) { return r.tax_per_mu; }) },
        { name: "亩均增加值", type: "bar", data: rows.map(function (r) { return r.va_per_mu; }) }
      ]
    });
  }

  function drawTrend(data) {
    var chart = make("trend");
    if (!chart) { return; }
    chart.setOption({
      color: palette, animation: false, tooltip: { trigger: "axis" },
      legend: { top: 0, data: ["亩均税收", "亩均增加值"] }, grid: { left: 50, right: 20, top: 40, bottom: 30 },
      xAxis: { type: "category", data: data.trend.map(function (t) { return String(t.year); }) },
      yAxis: { type: "value", name: "万元/亩" },
      series: [
        { name: "亩均税收", type: "line", data: data.trend.map(function (t) { return t.tax_per_mu; }) },
        { name: "亩均增加值", type: "line", data: data.trend.map(function (t) { return t.va_per_mu; }) }
      ]
    });
  }

  function drawMap(data) {
    if (!data.map || !byName("map")) { return; }
    fetch(data.map.url, { credentials: "same-origin" }).then(function (r) {
      if (!r.ok) { throw new Error("边界文件读取失败 " + r.status); }
      return r.json();
    }).then(function (geo) {
      var chart = make("map");
      if (!chart) { return; }
      var name = "tiangong-" + data.map.url;
      echarts.registerMap(name, geo);
      var values = data.ranking.filter(function (r) { return r.tax_per_mu !== null; });
      var nums = values.map(function (r) { return r.tax_per_mu; });
      chart.setOption({
        animation: false,
        tooltip: { formatter: function (p) { return (p.data ? p.data.label : p.name) + "：" + (p.value === undefined || isNaN(p.value) ? "无数据" : p.value + " 万元/亩"); } },
        visualMap: { min: nums.length ? Math.min.apply(null, nums) : 0, max: nums.length ? Math.max.apply(null, nums) : 1,
                     text: ["高", "低"], calculable: true, inRange: { color: ["#fde2e1", "#b4232a"] }, left: 10, bottom: 10 },
        series: [{ type: "map", map: name, nameProperty: data.map.code_property, roam: true,
                   itemStyle: { areaColor: "#e5e7eb", borderColor: "#ffffff" },
                   data: values.map(function (r) { return { name: r.code, value: r.tax_per_mu, label: r.name }; }) }]
      });
      byName("map").setAttribute("data-drawn", "1");
    }).catch(function (err) {
      var el = byName("map");
      if (el) { el.textContent = String(err.message || err); }
    });
  }

  function drawAll() {
    charts.forEach(function (c) { c.dispose(); });
    charts = [];
    var block = document.getElementById("dashboard-data");
    if (!block) { return; }
    var data = JSON.parse(block.textContent);
    drawClasses(data);
    drawRanking(data);
    drawTrend(data);
    drawMap(data);
  }

  document.addEventListener("DOMContentLoaded", drawAll);
  // Chart containers carry no id: htmx "settles" the style attribute of elements whose id
  // survives a swap with setAttribute, which CSP (no inline style) refuses.
  document.addEventListener("htmx:beforeSwap", function (evt) {
    if (!evt.detail.target || evt.detail.target.id !== "panels") { return; }
    charts.forEach(function (c) { c.dispose(); });
    charts = [];
  });
  document.addEventListener("htmx:afterSettle", function (evt) {
    if (evt.target && evt.target.id === "panels") { drawAll(); }
  });
  window.addEventListener("resize", function () { charts.forEach(function (c) { c.resize(); }); });
}());
