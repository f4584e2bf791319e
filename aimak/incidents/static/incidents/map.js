/* The incident map: oblast outlines for orientation (no tile server, so it works offline) and
   one point per incident from the page's GeoJSON, coloured by type group. Verification and
   approximate places change the point's outline and fill, and the popup says them in words. */
(function () {
  "use strict";
  var el = document.querySelector("[data-incident-map]");
  if (!el || !window.L) { return; }
  var KG_BOUNDS = [[39.1, 69.2], [43.3, 80.3]];
  var d = el.dataset;

  function get(url) {
    return fetch(url, { headers: { Accept: "application/geo+json, application/json" }, credentials: "same-origin" })
      .then(function (r) { if (!r.ok) { throw new Error(r.status); } return r.json(); });
  }

  function style(p) {
    var s = { radius: 7, color: "#1b1f24", weight: 2, fillColor: p.colour, fillOpacity: 0.9 };
    if (p.verification === "unverified") { s.fillOpacity = 0.45; s.color = p.colour; }
    if (p.verification === "false") { s.fillOpacity = 0; s.color = "#555d66"; }
    if (p.approximate) { s.dashArray = "3 3"; s.radius = 6; }
    return s;
  }

  function line(text, cls) {
    var div = document.createElement("div");
    div.textContent = text;
    if (cls) { div.className = cls; }
    return div;
  }

  function popup(p) {
    var box = document.createElement("div");
    var a = document.createElement("a");
    a.href = p.url; a.textContent = p.reference + " · " + p.type;
    a.title = d.labelOpen;
    box.appendChild(a);
    box.appendChild(line(p.date + (p.date_approximate ? " ≈" : "") + " · " + p.territory + (p.village ? ", " + p.village : "")));
    if (p.killed || p.injured) { box.appendChild(line(d.labelKilled + ": " + p.killed + " · " + d.labelInjured + ": " + p.injured)); }
    box.appendChild(line(p.verification_label + (p.origin === "acled" ? " · " + p.origin_label : ""), "muted"));
    if (p.approximate) { box.appendChild(line(d.labelApproximate, "muted")); }
    return box;
  }

  var map = L.map(el, { zoomSnap: 0.25, attributionControl: false, preferCanvas: true });
  map.fitBounds(KG_BOUNDS);
  Promise.all([get(d.outlinesUrl).catch(function () { return null; }), get(d.geojsonUrl)]).then(function (all) {
    if (all[0]) {
      L.geoJSON(all[0], { style: { color: "#7a0a1c", weight: 1, fillColor: "#f3d9dd", fillOpacity: 0.25 }, interactive: false }).addTo(map);
    }
    var points = L.geoJSON(all[1], {
      pointToLayer: function (f, latlng) { return L.circleMarker(latlng, style(f.properties)); },
      onEachFeature: function (f, l) {
        l.bindTooltip(f.properties.reference + " · " + f.properties.type);
        l.bindPopup(function () { return popup(f.properties); });
      }
    }).addTo(map);
    if (all[1].features.length) { map.fitBounds(points.getBounds(), { padding: [20, 20], maxZoom: 11 }); }
    el.dataset.ready = "1";
    el.dataset.shown = String(all[1].features.length);
  }).catch(function () {
    el.dataset.error = "1";
    var p = document.createElement("p");
    p.className = "notice";
    p.textContent = d.labelError;
    el.parentNode.insertBefore(p, el.nextSibling);
  });
})();
