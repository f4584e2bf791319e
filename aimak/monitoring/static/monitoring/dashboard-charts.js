/* Territory page charts (vendored ECharts, SVG renderer so they print sharply): the index
   trend over the five level bands, and each indicator's contribution to the index. The same
   figures are in tables on the page, so nothing depends on colour or on this script. */
(function () {
  "use strict";
  if (!window.echarts) { return; }
  var charts = [];

  function data(id) {
    var el = document.getElementById(id);
    return el ? JSON.parse(el.textContent) : null;
  }

  function trend(el) {
    var d = data("trend-data");
    if (!d) { return; }
    var chart = echarts.init(el, null, { renderer: "svg" });
    chart.setOption({
      animation: false,
      grid: { left: 40, right: 12, top: 12, bottom: 40 },
      tooltip: {
        trigger: "axis",
        formatter: function (items) {
          var i = items[0].dataIndex;
          return d.periods[i] + "<br>" + el.dataset.seriesName + ": " + d.values[i].toFixed(1) + " · " + d.levels[i];
        }
      },
      xAxis: { type: "category", data: d.periods, axisLabel: { hideOverlap: true } },
      yAxis: { type: "value", min: 0, max: 100 },
      series: [{
        name: el.dataset.seriesName,
        type: "line",
        data: d.values,
        symbolSize: 6,
        lineStyle: { width: 2, color: "#1b1f24" },
        itemStyle: { color: "#1b1f24" },
        markLine: d.selected ? { symbol: "none", silent: true, lineStyle: { color: "#555d66", type: "dashed" }, label: { show: false }, data: [{ xAxis: d.selected }] } : undefined,
        markArea: {
          silent: true,
          label: { position: "insideRight", color: "#1b1f24", fontSize: 10 },
          data: d.bands.map(function (b) {
            return [{ yAxis: b.from, name: b.label, itemStyle: { color: b.colour, opacity: 0.22 } }, { yAxis: b.to }];
          })
        }
      }]
    });
    charts.push(chart);
  }

  function breakdown(el) {
    var d = data("breakdown-data");
    if (!d) { return; }
    el.style.height = Math.max(12, 2 + d.names.length * 1.8) + "rem";
    var chart = echarts.init(el, null, { renderer: "svg" });
    chart.setOption({
      animation: false,
      grid: { left: 8, right: 24, top: 8, bottom: 24, containLabel: true },
      tooltip: { trigger: "item", formatter: function (p) { return p.name + ": " + Number(p.value).toFixed(1); } },
      xAxis: { type: "value", name: el.dataset.seriesName, nameLocation: "middle", nameGap: 22 },
      yAxis: { type: "category", inverse: true, data: d.names, axisLabel: { width: 160, overflow: "truncate" } },
      series: [{
        type: "bar",
        data: d.values.map(function (v, i) { return { value: v, itemStyle: { color: d.colours[i] } }; }),
        label: { show: true, position: "right", formatter: function (p) { return Number(p.value).toFixed(1); } }
      }]
    });
    charts.push(chart);
  }

  document.querySelectorAll("[data-chart=trend]").forEach(trend);
  document.querySelectorAll("[data-chart=breakdown]").forEach(breakdown);
  window.addEventListener("resize", function () { charts.forEach(function (c) { c.resize(); }); });
  window.addEventListener("beforeprint", function () {
    document.querySelectorAll("details").forEach(function (d) { d.open = true; });  // print the tables behind the charts
    charts.forEach(function (c) { c.resize(); });
  });
  window.addEventListener("afterprint", function () { charts.forEach(function (c) { c.resize(); }); });
})();
