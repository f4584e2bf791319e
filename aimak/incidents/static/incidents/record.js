/* The incident form: "Use my location" fills the coordinates from the phone's GPS. The form
   works without this script; it only saves typing. */
(function () {
  "use strict";
  var button = document.querySelector("[data-locate]");
  if (!button || !navigator.geolocation) { return; }
  var status = document.querySelector("[data-locate-status]");
  button.closest(".js-only").hidden = false;
  button.addEventListener("click", function () {
    status.textContent = button.dataset.locating;
    navigator.geolocation.getCurrentPosition(function (pos) {
      document.getElementById("id_latitude").value = pos.coords.latitude.toFixed(6);
      document.getElementById("id_longitude").value = pos.coords.longitude.toFixed(6);
      var exact = document.querySelector("input[name=geo_precision][value='1']");
      if (exact) { exact.checked = true; }
      status.textContent = "± " + Math.round(pos.coords.accuracy) + " m";
    }, function () {
      status.textContent = button.dataset.failed;
    }, { enableHighAccuracy: true, timeout: 20000, maximumAge: 60000 });
  });
})();
