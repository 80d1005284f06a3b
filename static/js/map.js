// The map page: study groups and upcoming events from the GeoJSON API, loaded
// for the current view as it moves, and a list of the groups nearest to a
// point (your location, a place, or the map's centre). User text reaches the
// page only through textContent, never innerHTML.

const page = JSON.parse(document.getElementById("cerca-page").textContent);
const t = page.strings;
const lang = document.documentElement.lang || "es";
const kmFormat = new Intl.NumberFormat(lang, { maximumFractionDigits: 1, minimumFractionDigits: 1 });
const dateFormat = new Intl.DateTimeFormat(lang, { dateStyle: "medium", timeStyle: "short" });

const form = document.getElementById("search-form");
const placeInput = document.getElementById("place");
const placeOptions = document.getElementById("place-options");
const queryInput = document.getElementById("q");
const radiusSelect = document.getElementById("radius");
const locateButton = document.getElementById("locate");
const statusLine = document.getElementById("status");
const resultList = document.getElementById("results");

const state = {
  center: page.center, // [lon, lat] the list is measured from
  radiusKm: page.radiusKm,
  q: page.q,
};

let map;
let groupLayer;
let eventLayer;
const groupMarkers = new Map(); // id -> marker
const eventMarkers = new Map();
let listedIds = new Set(); // groups in the list keep their markers
let viewRequest;
let listRequest;

function text(tag, content, className) {
  const node = document.createElement(tag);
  if (content !== undefined && content !== null) node.textContent = content;
  if (className) node.className = className;
  return node;
}

function say(message) {
  statusLine.textContent = message;
}

function format(template, values) {
  return template.replace(/%\((\w+)\)s/g, (_, key) => values[key]);
}

function apiUrl(base, params) {
  const url = new URL(base, window.location.origin);
  for (const [key, value] of Object.entries(params)) {
    if (value !== undefined && value !== null && value !== "") url.searchParams.set(key, value);
  }
  return url;
}

async function getJSON(url, signal) {
  const response = await fetch(url, { signal, headers: { Accept: "application/geo+json" } });
  if (!response.ok) throw new Error(`${response.status} ${url}`);
  return response.json();
}

// The visible box as west,south,east,north within WGS84 ranges; a view wider
// than the world asks for the whole world.
function viewBbox() {
  const bounds = map.getBounds();
  const south = Math.max(bounds.getSouth(), -90);
  const north = Math.min(bounds.getNorth(), 90);
  if (bounds.getEast() - bounds.getWest() >= 360) return [-180, south, 180, north].join(",");
  const wrap = (lon) => ((((lon + 180) % 360) + 360) % 360) - 180;
  return [wrap(bounds.getWest()), south, wrap(bounds.getEast()), north]
    .map((value) => value.toFixed(6))
    .join(",");
}

function groupPopup(feature) {
  const box = document.createElement("div");
  box.className = "popup";
  const link = text("a", feature.properties.name);
  link.href = `/groups/${encodeURIComponent(feature.properties.slug)}/`;
  box.append(link);
  box.append(text("p", [feature.properties.city, `${feature.properties.member_count} ${t.members}`].filter(Boolean).join(" · ")));
  return box;
}

function eventPopup(feature) {
  const box = document.createElement("div");
  box.className = "popup";
  const link = text("a", feature.properties.title);
  link.href = `/events/${feature.id}/`;
  box.append(link);
  const when = dateFormat.format(new Date(feature.properties.start));
  box.append(text("p", `${t.starts}: ${when}`));
  if (feature.properties.venue_name) box.append(text("p", feature.properties.venue_name));
  return box;
}

function groupMarker(feature) {
  const [lon, lat] = feature.geometry.coordinates;
  const marker = L.marker([lat, lon], { title: feature.properties.name, alt: feature.properties.name });
  marker.bindPopup(() => groupPopup(feature));
  marker.on("click", () => selectListItem(feature.id, { scroll: true }));
  marker.featureId = feature.id;
  return marker;
}

function eventMarker(feature) {
  const [lon, lat] = feature.geometry.coordinates;
  const marker = L.circleMarker([lat, lon], {
    radius: 7, color: "#8a3b12", fillColor: "#e07a3f", fillOpacity: 0.9, weight: 2, pane: "events",
  });
  marker.bindPopup(() => eventPopup(feature));
  return marker;
}

// Markers for what the map shows: the API answers for the current bbox only.
// Markers already on the map are kept (an open popup or a marker being zoomed
// to survives a reload); those that left the view go, new ones come.
function syncLayer(layer, markers, features, makeMarker, keep = new Set()) {
  const wanted = new Map(features.filter((f) => f.geometry).map((f) => [f.id, f]));
  for (const [id, marker] of markers) {
    if (!wanted.has(id) && !keep.has(id) && !marker.isPopupOpen()) {
      layer.removeLayer(marker);
      markers.delete(id);
    }
  }
  const added = [];
  for (const [id, feature] of wanted) {
    if (!markers.has(id)) {
      const marker = makeMarker(feature);
      markers.set(id, marker);
      added.push(marker);
    }
  }
  layer.addLayers(added);
}

async function loadView() {
  if (viewRequest) viewRequest.abort();
  viewRequest = new AbortController();
  const bbox = viewBbox();
  try {
    const [groups, events] = await Promise.all([
      getJSON(apiUrl(page.api.groups, { bbox, q: state.q, limit: 2000 }), viewRequest.signal),
      getJSON(apiUrl(page.api.events, { bbox, q: state.q, limit: 2000 }), viewRequest.signal),
    ]);
    syncLayer(groupLayer, groupMarkers, groups.features, groupMarker, listedIds);
    syncLayer(eventLayer, eventMarkers, events.features, eventMarker);
    document.body.dataset.groupMarkers = groups.features.filter((f) => f.geometry).length;
    document.body.dataset.eventMarkers = events.features.filter((f) => f.geometry).length;
    document.body.dataset.viewLoaded = String(Date.now());
  } catch (error) {
    if (error.name !== "AbortError") say(t.loadError);
  }
}

function highlight(id, on) {
  const marker = groupMarkers.get(id);
  const icon = marker && marker.getElement && marker.getElement();
  if (icon) icon.classList.toggle("highlighted", on);
  const item = resultList.querySelector(`[data-id="${id}"]`);
  if (item) item.classList.toggle("highlighted", on);
}

function selectListItem(id, { scroll } = {}) {
  for (const item of resultList.querySelectorAll(".selected")) item.classList.remove("selected");
  const item = resultList.querySelector(`[data-id="${id}"]`);
  if (!item) return;
  item.classList.add("selected");
  if (scroll) item.scrollIntoView({ block: "nearest", behavior: "smooth" });
}

function showOnMap(id) {
  const marker = groupMarkers.get(id);
  if (!marker) return;
  groupLayer.zoomToShowLayer(marker, () => {
    marker.openPopup();
    highlight(id, true);
  });
}

function renderList(collection) {
  resultList.replaceChildren();
  listedIds = new Set(collection.features.map((feature) => feature.id));
  if (!collection.features.length) {
    resultList.append(text("li", t.noResults, "empty"));
    return;
  }
  for (const feature of collection.features) {
    const item = text("li", null, "result");
    item.dataset.id = feature.id;
    const link = text("a", feature.properties.name, "result-link");
    link.href = `/groups/${encodeURIComponent(feature.properties.slug)}/`;
    const meta = text("span", null, "result-meta");
    const distance = text("span", `${kmFormat.format(feature.properties.distance_m / 1000)} ${t.km}`, "distance");
    meta.append(distance, document.createTextNode(` · ${feature.properties.city}`));
    const show = text("button", t.showOnMap, "show-on-map");
    show.type = "button";
    show.setAttribute("aria-label", `${t.showOnMap}: ${feature.properties.name}`);
    show.addEventListener("click", () => showOnMap(feature.id));
    item.append(link, meta, show);
    for (const [event, on] of [["mouseenter", true], ["mouseleave", false], ["focusin", true], ["focusout", false]]) {
      item.addEventListener(event, () => highlight(feature.id, on));
    }
    resultList.append(item);
    // A listed group outside the loaded view still gets its marker.
    if (!groupMarkers.has(feature.id) && feature.geometry) {
      const marker = groupMarker(feature);
      groupMarkers.set(feature.id, marker);
      groupLayer.addLayer(marker);
    }
  }
}

// The list: nearest first from state.center, within the radius, matching q.
async function loadList() {
  drawSearchArea();
  if (listRequest) listRequest.abort();
  listRequest = new AbortController();
  const [lon, lat] = state.center;
  try {
    const collection = await getJSON(
      apiUrl(page.api.groups, { near: `${lon.toFixed(6)},${lat.toFixed(6)}`, radius_km: state.radiusKm, q: state.q, limit: 50 }),
      listRequest.signal,
    );
    renderList(collection);
    document.body.dataset.listLoaded = String(Date.now());
  } catch (error) {
    if (error.name !== "AbortError") say(t.loadError);
  }
}

function zoomForRadius(radiusKm) {
  return { 1: 15, 5: 13, 10: 12, 25: 11, 50: 10 }[radiusKm] || 12;
}

let searchArea;

// The circle the list is measured in.
function drawSearchArea() {
  const [lon, lat] = state.center;
  if (searchArea) searchArea.remove();
  searchArea = L.circle([lat, lon], {
    radius: state.radiusKm * 1000, color: "#0b5d7a", weight: 1, fill: false, dashArray: "4 4", interactive: false,
  }).addTo(map);
}

function searchFrom(lon, lat, label) {
  state.center = [lon, lat];
  if (label) say(format(t.near, { place: label }));
  map.setView([lat, lon], zoomForRadius(state.radiusKm));
  loadList();
}

async function findPlace(name) {
  const collection = await getJSON(apiUrl(page.api.places, { q: name, limit: 8 }));
  return collection.features;
}

let suggestTimer;
placeInput.addEventListener("input", () => {
  clearTimeout(suggestTimer);
  const value = placeInput.value.trim();
  if (value.length < 2) return;
  suggestTimer = setTimeout(async () => {
    try {
      const places = await findPlace(value);
      placeOptions.replaceChildren(...places.map((place) => {
        const option = document.createElement("option");
        option.value = place.properties.label;
        return option;
      }));
    } catch (error) {
      // Suggestions are a convenience; the search button still works.
    }
  }, 200);
});

async function submitSearch() {
  state.q = queryInput.value.trim();
  state.radiusKm = Number(radiusSelect.value);
  const place = placeInput.value.trim();
  if (place) {
    try {
      const [best] = await findPlace(place);
      if (!best) {
        say(t.placeNotFound);
        return;
      }
      const [lon, lat] = best.geometry.coordinates;
      searchFrom(lon, lat, best.properties.label);
    } catch (error) {
      say(t.loadError);
      return;
    }
  } else {
    loadList();
  }
  loadView();
}

form.addEventListener("submit", (event) => {
  event.preventDefault();
  submitSearch();
});
radiusSelect.addEventListener("change", () => submitSearch());

if ("geolocation" in navigator) {
  locateButton.hidden = false;
  locateButton.addEventListener("click", () => {
    say(t.locating);
    navigator.geolocation.getCurrentPosition(
      (position) => {
        const { longitude, latitude } = position.coords;
        say(t.located);
        searchFrom(longitude, latitude);
      },
      () => {
        say(t.geolocationDenied);
        placeInput.focus();
      },
      { timeout: 10000, maximumAge: 60000 },
    );
  });
} else {
  say(t.geolocationUnsupported);
}

// Submitting the language form needs no extra click when JavaScript runs.
const languageSelect = document.getElementById("language");
if (languageSelect) languageSelect.addEventListener("change", () => languageSelect.form.submit());

window.addEventListener("map:init", (event) => {
  map = event.detail.map;
  window.cercaMap = map; // for the browser tests and the curious
  // Event clusters sit in a pane under the group markers, so they never hide a group.
  map.createPane("events").style.zIndex = 590;
  groupLayer = L.markerClusterGroup({ showCoverageOnHover: false });
  eventLayer = L.markerClusterGroup({
    showCoverageOnHover: false,
    clusterPane: "events",
    iconCreateFunction: (cluster) => L.divIcon({ html: `<span>${cluster.getChildCount()}</span>`, className: "event-cluster", iconSize: [34, 34] }),
  });
  groupLayer.addTo(map);
  eventLayer.addTo(map);
  L.control.layers(null, { [t.groups]: groupLayer, [t.events]: eventLayer }, { collapsed: false }).addTo(map);
  const [lon, lat] = state.center;
  map.setView([lat, lon], zoomForRadius(state.radiusKm));
  let moveTimer;
  map.on("moveend", () => {
    clearTimeout(moveTimer);
    moveTimer = setTimeout(loadView, 150);
  });
  loadView();
  loadList();
});
