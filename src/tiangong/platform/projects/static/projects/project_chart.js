// Monthly investment and funds in place of one project, with the yearly plans (ECharts).
(function () {
  var node = document.getElementById("project-chart-data");
  var box = document.getElementById("project-chart");
  if (!node || !box || typeof echarts === "undefined") { return; }
  var data = JSON.parse(node.textContent);
  box.style.height = "320px";  // CSSOM, allowed under the CSP (no style attribute)
  var months = data.months.map(function (m) { return m.month; });
  var chart = echarts.init(box, null, { renderer: "svg" });
  chart.setOption({
    tooltip: { trigger: "axis" },
    legend: { data: ["完成投资", "到位资金"] },
    xAxis: { type: "category", data: months },
    yAxis: { type: "value", name: "万元" },
    series: [
      { name: "完成投资", type: "bar", data: data.months.map(function (m) { return m.invest; }) },
      { name: "到位资金", type: "line", data: data.months.map(function (m) { return m.funds; }) }
    ]
  });
})();
