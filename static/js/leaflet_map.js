// The set-up of each map {% leaflet_map %} draws (templates/leaflet/_leaflet_map.html):
// django-leaflet's inline script, here so that pages need no CSP nonce. Loaded
// after each map's element, it sets up those not set up yet.
(function () {
  for (const element of document.querySelectorAll("[data-leaflet-map]:not([data-leaflet-ready])")) {
    element.dataset.leafletReady = "";
    const name = element.dataset.leafletMap;
    const globals = element.dataset.leafletGlobals === "true";
    const callbackName = element.dataset.leafletCallback;
    const loadmap = function () {
      const map = L.Map.djangoMap(name, {
        djoptions: JSON.parse(element.dataset.leafletOptions),
        initfunc: loadmap,
        globals: globals,
        callback: callbackName ? window[callbackName] : null,
      });
      if (globals) window["leafletmap" + name] = map;
    };
    const loadevents = JSON.parse(element.dataset.leafletLoadevents);
    if (loadevents.length === 0) loadmap();
    else for (const event of loadevents) window.addEventListener(event, loadmap, false);
    if (globals) window["loadmap" + name] = loadmap;
  }
})();
