/* Aimak maps: Leaflet with GeoJSON layers only (no tile server), so they work offline. */
(function () {
  "use strict";
  var script = document.getElementById("aimak-map-script");
  if (window.L && script) { L.Icon.Default.imagePath = script.dataset.images; }

  var STYLE = {
    1: { color: "#7a0a1c", weight: 2, fillColor: "#f3d9dd", fillOpacity: 0.35 },
    2: { color: "#0b57a4", weight: 1, fillOpacity: 0, dashArray: "3 3" },
    focus: { color: "#b00e27", weight: 3, fillColor: "#ffcd00", fillOpacity: 0.35 },
    context: { color: "#555d66", weight: 1, fillColor: "#e9edf1", fillOpacity: 0.5 }
  };
  var POINT = { color: "#1d6b35", weight: 1, fillColor: "#2e9e52", fillOpacity: 0.85 };
  var KG_BOUNDS = [[39.1, 69.2], [43.3, 80.3]];

  function get(url) {
    return fetch(url, { headers: { Accept: "application/geo+json, application/json" }, credentials: "same-origin" })
      .then(function (r) { if (!r.ok) { throw new Error(r.status); } return r.json(); });
  }

  function link(feature) {
    var p = feature.properties;
    var a = document.createElement("a");
    a.href = p.url; a.textContent = p.name;
    var div = document.createElement("div");
    div.appendChild(a);
    var small = document.createElement("div");
    small.textContent = p.kind_label + " · " + p.code;
    small.className = "muted";
    div.appendChild(small);
    return div;
  }

  function layer(data, style, pointRadius) {
    return L.geoJSON(data, {
      style: function (f) { return f.geometry && f.geometry.type === "Point" ? POINT : style; },
      pointToLayer: function (f, latlng) {
        return L.circleMarker(latlng, { radius: pointRadius || 4, color: "#1d6b35", weight: 1, fillColor: "#2e9e52", fillOpacity: 0.85 });
      },
      onEachFeature: function (f, l) {
        l.bindTooltip(f.properties.short_name || f.properties.name);
        l.bindPopup(function () { return link(f); });
      }
    });
  }

  function baseMap(el) {
    var map = L.map(el, { zoomSnap: 0.25, attributionControl: false, preferCanvas: true });
    map.fitBounds(KG_BOUNDS);
    return map;
  }

  function national(el) {
    var map = baseMap(el);
    var url = el.dataset.geojsonUrl;
    var levels = (el.dataset.mapLevels || "1,2,3").split(",");
    var names = { 1: el.dataset.label1, 2: el.dataset.label2, 3: el.dataset.label3 };
    var control = L.control.layers(null, null, { collapsed: true }).addTo(map);
    // fetch in parallel, draw from the top level down so that points stay clickable
    Promise.all(levels.map(function (level) { return get(url + "?level=" + level); })).then(function (all) {
      all.forEach(function (data, i) {
        var level = levels[i];
        var l = layer(data, STYLE[level] || STYLE[2], level === "3" ? 3 : 4).addTo(map);
        control.addOverlay(l, names[level] || ("level " + level));
      });
      el.dataset.ready = "1";
    }).catch(function () { el.dataset.error = "1"; });
  }

  function territory(el) {
    var map = baseMap(el);
    var url = el.dataset.geojsonUrl;
    var none = Promise.resolve(null);
    // fetch in parallel, draw in a fixed order so the unit itself is always on top
    Promise.all([
      el.dataset.context ? get(url + "?code=" + el.dataset.context) : none,
      el.dataset.children ? get(url + "?parent=" + el.dataset.children) : none,
      get(url + "?code=" + el.dataset.focus)
    ]).then(function (data) {
      if (data[0]) { layer(data[0], STYLE.context).addTo(map); }
      if (data[1]) { layer(data[1], STYLE[2], 3).addTo(map); }
      var focus = layer(data[2], STYLE.focus, 8).addTo(map);
      var f = data[2].features[0];
      if (f && f.geometry && f.geometry.type === "Point") {
        map.setView([f.geometry.coordinates[1], f.geometry.coordinates[0]], 10);
      } else if (f && f.geometry) {
        map.fitBounds(focus.getBounds(), { padding: [10, 10] });
      }
      el.dataset.focusShown = f && f.geometry ? f.geometry.type : "none";
      el.dataset.ready = "1";
    }).catch(function () { el.dataset.error = "1"; });
  }

  document.querySelectorAll("[data-map-levels]").forEach(national);
  document.querySelectorAll("[data-focus]").forEach(territory);
})();
