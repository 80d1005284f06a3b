// Leaflet's own words in the page's language: the zoom buttons' tooltips and
// the tooltip of its credit in the corner. django-leaflet loads this after
// leaflet.js and Django's JavaScript catalog (which defines gettext) on every
// map, before any map is made (see LEAFLET_CONFIG["PLUGINS"] in settings).
(function () {
  "use strict";
  if (typeof L === "undefined" || typeof gettext !== "function" || L.cercaI18n) {
    return;
  }
  L.cercaI18n = true;
  L.Control.Zoom.mergeOptions({
    zoomInTitle: gettext("Zoom in"),
    zoomOutTitle: gettext("Zoom out"),
  });
  var prefix = L.Control.Attribution.prototype.options.prefix;
  if (typeof prefix === "string") {
    // Leaflet's constant markup, parsed to change one attribute safely.
    var holder = document.createElement("span");
    holder.innerHTML = prefix;
    var link = holder.querySelector("a");
    if (link) {
      link.title = gettext("A JavaScript library for interactive maps");
      L.Control.Attribution.mergeOptions({ prefix: holder.innerHTML });
    }
  }
})();
