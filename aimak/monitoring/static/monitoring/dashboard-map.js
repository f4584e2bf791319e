/* Monitoring map: the territories of the table below, coloured by tension level or by
   completeness (the colour comes from the server with the level's name, so tooltips and the
   table always say in words what the colour means). Leaflet, no tile server. */
(function () {
  "use strict";
  var NO_DATA = "#c9ced4";
  var KG_BOUNDS = [[39.1, 69.2], [43.3, 80.3]];

  function text(tag, value, cls) {
    var el = document.createElement(tag);
    el.textContent = value;
    if (cls) { el.className = cls; }
    return el;
  }

  function describe(p, el) {
    var d = el.dataset;
    if (d.measure === "completeness") {
      return p.rate === null ? d.noData : d.rateLabel + ": " + Math.round(p.rate * 100) + "% (" + p.received + "/" + p.expected + ")";
    }
    return p.value === null ? d.noData : d.indexLabel + " " + p.value.toFixed(1) + " · " + p.level_label;
  }

  function popup(f, el) {
    var p = f.properties, d = el.dataset;
    var div = document.createElement("div");
    div.className = "map-popup";
    div.appendChild(text("strong", p.name));
    div.appendChild(text("div", describe(p, el), "muted"));
    var open = text("a", d.openLabel);
    open.href = p.url;
    div.appendChild(open);
    if (p.drill) {
      var drill = text("a", d.drillLabel);
      drill.href = d.drillBase + "&parent=" + encodeURIComponent(p.code);
      div.appendChild(drill);
    }
    return div;
  }

  function draw(el) {
    var map = L.map(el, { zoomSnap: 0.25, attributionControl: false, preferCanvas: true });
    map.fitBounds(KG_BOUNDS);
    fetch(el.dataset.url, { headers: { Accept: "application/geo+json, application/json" }, credentials: "same-origin" })
      .then(function (r) { if (!r.ok) { throw new Error(r.status); } return r.json(); })
      .then(function (data) {
        var context = data.context ? L.geoJSON(data.context, {
          interactive: false,
          style: { color: "#555d66", weight: 2, dashArray: "4 3", fillColor: "#e9edf1", fillOpacity: 0.4 }
        }).addTo(map) : null;
        var layer = L.geoJSON(data, {
          style: function (f) {
            return { color: "#333b44", weight: 1, fillColor: f.properties.colour || NO_DATA, fillOpacity: 0.8 };
          },
          pointToLayer: function (f, latlng) {
            return L.circleMarker(latlng, { radius: 7, color: "#1b1f24", weight: 1, fillColor: f.properties.colour || NO_DATA, fillOpacity: 0.95 });
          },
          onEachFeature: function (f, l) {
            l.bindTooltip(f.properties.name + " — " + describe(f.properties, el));
            l.bindPopup(function () { return popup(f, el); });
          }
        }).addTo(map);
        var bounds = context ? context.getBounds() : layer.getBounds();
        if (bounds.isValid()) { map.fitBounds(bounds, { padding: [12, 12], maxZoom: 10 }); }
        el.dataset.features = String(data.features.length);
        el.dataset.ready = "1";
      })
      .catch(function () { el.dataset.error = "1"; });
    window.addEventListener("beforeprint", function () { map.invalidateSize(); });
  }

  document.querySelectorAll("[data-monitoring-map]").forEach(draw);
  document.querySelectorAll("[data-autosubmit]").forEach(function (input) {
    input.addEventListener("change", function () { input.form.submit(); });
  });
})();
