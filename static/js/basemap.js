// The offline basemap under every Leaflet map of the site (the map page,
// the group, event and venue pages, the site's forms and the admin's widgets):
// land, countries' borders and cities with their names in the page's
// language, from the site's own vector tiles (/tiles/basemap/..., Natural
// Earth and GeoNames loaded into PostGIS by manage.py load_basemap), painted
// on canvas by protomaps-leaflet. No tile server, glyphs or CDN: the map has
// a background with no internet at all. Raster tiles from TILES_URL, when
// set, are drawn on top by django-leaflet.
//
// The colours come from the basemap's MapLibre style (/tiles/basemap/style.json,
// places/basemap.py), so both renderers draw the same map. django-leaflet loads
// this after leaflet.js and protomaps-leaflet.js, before any map is made (see
// LEAFLET_CONFIG["PLUGINS"] in settings).
(function () {
  "use strict";
  if (typeof L === "undefined" || typeof protomapsL === "undefined" || L.cercaBasemap) {
    return;
  }
  var meta = document.querySelector('meta[name="cerca-basemap-style"]');
  var styleUrl = meta ? meta.content : "/tiles/basemap/style.json";
  var english = (document.documentElement.lang || "es").slice(0, 2) === "en";
  var loading = null;

  function getJSON(url) {
    return fetch(url).then(function (response) {
      if (!response.ok) throw new Error(response.status + " " + url);
      return response.json();
    });
  }

  // The style, and the TileJSON its source points to: fetched once a page.
  function load() {
    if (!loading) {
      loading = getJSON(styleUrl).then(function (style) {
        return getJSON(style.sources.basemap.url).then(function (tilejson) {
          return { style: style, tilejson: tilejson };
        });
      });
    }
    return loading;
  }

  function paint(style, id, property) {
    var layer = style.layers.filter(function (l) { return l.id === id; })[0];
    return layer && layer.paint[property];
  }

  function basemapLayer(style, tilejson) {
    var p = protomapsL;
    var water = paint(style, "water", "background-color");
    var land = paint(style, "land", "fill-color");
    var border = paint(style, "country-borders", "line-color");
    var city = paint(style, "cities", "circle-color");
    var halo = paint(style, "cities", "circle-stroke-color");
    var name = english ? "name_en" : "name_es";
    var population = function (z, f) { return Number(f.props.population) || 0; };
    return p.leafletLayer({
      url: tilejson.tiles[0],
      // The tiles are made for 256-pixel display tiles, and hold everything
      // up to their last zoom; beyond it, they are drawn larger.
      levelDiff: 0,
      maxDataZoom: tilejson.maxzoom,
      backgroundColor: water,
      attribution: tilejson.attribution,
      // Under any raster tiles from TILES_URL.
      zIndex: 0,
      paintRules: [
        { dataLayer: "land", symbolizer: new p.PolygonSymbolizer({ fill: land }) },
        {
          dataLayer: "boundaries",
          symbolizer: new p.LineSymbolizer({
            color: border,
            opacity: 0.6,
            width: function (z) { return z < 4 ? 0.6 : z < 8 ? 1 : 1.6; },
          }),
        },
      ],
      labelRules: [
        {
          dataLayer: "cities",
          symbolizer: new p.GroupSymbolizer([
            new p.CircleSymbolizer({
              radius: function (z, f) {
                var n = population(z, f);
                return n >= 5e6 ? 4.5 : n >= 1e6 ? 3.5 : n >= 1e5 ? 3 : 2.5;
              },
              fill: city,
              stroke: halo,
              width: 1,
            }),
            new p.OffsetTextSymbolizer({
              labelProps: [name, "name_en", "name_es"],
              fill: city,
              stroke: halo,
              width: 3,
              font: function (z, f) {
                return (population(z, f) >= 1e6 ? "600 13px" : "400 12px") + " sans-serif";
              },
              maxLineChars: 26,
              offsetX: 5,
              offsetY: 3,
            }),
          ]),
          // The most populous keep their names where labels would collide.
          sort: function (a, b) { return (Number(b.population) || 0) - (Number(a.population) || 0); },
        },
      ],
    });
  }

  L.cercaBasemap = true;
  L.Map.addInitHook(function () {
    var map = this;
    load().then(function (loaded) {
      basemapLayer(loaded.style, loaded.tilejson).addTo(map);
    }).catch(function () {
      // Without its background the map still works: markers, popups, search.
      map.getContainer().classList.add("no-basemap");
    });
  });
})();
