// The map page: study groups and upcoming events drawn from the site's vector
// tiles with their exact counts (tile_clusters.js), and a list of the groups
// nearest to a point (your location, a place, or the map's default centre).
//
// The search lives in the page's URL (place, near, radius_km, q and the map's
// view), so it can be bookmarked, shared and reloaded, and the server renders
// the same list without JavaScript. User text reaches the page only through
// textContent, never innerHTML.

import { TileClusters } from "cerca/tile_clusters";

const page = JSON.parse(document.getElementById("cerca-page").textContent);
const t = page.strings;
const lang = document.documentElement.lang || "es";
const kmFormat = new Intl.NumberFormat(lang, { maximumFractionDigits: 1, minimumFractionDigits: 1 });
const radiusFormat = new Intl.NumberFormat(lang, { maximumFractionDigits: 1 });
const countFormat = new Intl.NumberFormat(lang);
const degreeFormat = new Intl.NumberFormat(lang, { maximumFractionDigits: 4, minimumFractionDigits: 4 });
const pluralRules = new Intl.PluralRules(lang);

const finder = document.getElementById("finder");
const form = document.getElementById("search-form");
const placeInput = document.getElementById("place");
const placeOptions = document.getElementById("place-options");
const candidatesBox = document.getElementById("place-candidates");
const queryInput = document.getElementById("q");
const radiusSelect = document.getElementById("radius");
const locateButton = document.getElementById("locate");
const statusLine = document.getElementById("status");
const resultsHeading = document.getElementById("results-heading");
const resultList = document.getElementById("results");
const eventsBlock = document.getElementById("event-results-block");
const eventList = document.getElementById("event-results");
const loadingNote = document.getElementById("loading");
const viewSwitch = document.getElementById("view-switch");
const mapNote = document.getElementById("map-note");

// Without JavaScript the map's empty box is hidden (see cerca.css).
finder.classList.add("js");

const state = {
  center: page.center, // [lon, lat] the list is measured from
  chosen: page.chosen, // the centre was picked (a place, a point, my location), so it goes in the URL
  placeText: page.placeText, // what the place box said when the centre was found
  nearLabel: page.nearLabel, // the centre as the status line names it
  radiusKm: page.radiusKm,
  q: page.q,
};

let map;
let tiles; // one layer of clusters for groups and events, so their icons never overlap
const shown = { groups: true, events: true }; // the legend's choices
let listGroups = []; // features of the listed groups
let tilesFailed = 0; // tiles of the view that could not be loaded
let suggested = new Map(); // label -> place feature, from the last suggestions
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

// A search ended, one way or another (for the browser tests).
function settled() {
  document.body.dataset.searchSettled = String(Date.now());
}

function format(template, values) {
  return template.replace(/%\((\w+)\)s/g, (_, key) => values[key]);
}

function plural(forms, count) {
  const form = forms[pluralRules.select(count)] || forms.other;
  return format(form, { count: countFormat.format(count) });
}

function pointLabel([lon, lat]) {
  return format(t.pointLabel, {
    lat: degreeFormat.format(Math.abs(lat)),
    north_south: lat >= 0 ? t.north : t.south,
    lon: degreeFormat.format(Math.abs(lon)),
    east_west: lon >= 0 ? t.east : t.west,
  });
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
  if (!response.ok) {
    const error = new Error(`${response.status} ${url}`);
    // A 400 names what is wrong with what was typed: say that, not "connection".
    if (response.status === 400) {
      const body = await response.json().catch(() => ({}));
      error.description = typeof body.description === "string" ? body.description : "";
    }
    throw error;
  }
  return response.json();
}

function loadErrorText(error) {
  return error.description || t.loadError;
}

function lonLatText([lon, lat]) {
  return `${lon.toFixed(5)},${lat.toFixed(5)}`;
}

// --- The URL ---------------------------------------------------------------

function searchParams() {
  const params = new URLSearchParams();
  if (state.chosen) {
    if (state.placeText) params.set("place", state.placeText);
    params.set("near", lonLatText(state.center));
  }
  if (state.radiusKm !== page.defaultRadiusKm) params.set("radius_km", String(state.radiusKm));
  if (state.q) params.set("q", state.q);
  if (map) {
    const center = map.getCenter();
    params.set("map", `${map.getZoom()}/${center.lat.toFixed(5)}/${center.lng.toFixed(5)}`);
  }
  return params;
}

// A new search is a step the Back button returns to; moving the map is not.
function writeUrl({ push = false } = {}) {
  // "/" and "," need no escaping in a query; unescaped, the URL stays readable.
  const query = searchParams().toString().replace(/%2F/g, "/").replace(/%2C/g, ",");
  const url = `${window.location.pathname}${query ? `?${query}` : ""}`;
  if (url === `${window.location.pathname}${window.location.search}`) return;
  if (push) window.history.pushState(null, "", url);
  else window.history.replaceState(null, "", url);
  // The language switcher and the login link come back to this search.
  for (const input of document.querySelectorAll("form input[name=next]")) input.value = url;
  for (const link of document.querySelectorAll("a[href*='next=']")) {
    const target = new URL(link.href);
    target.searchParams.set("next", url);
    link.href = target.pathname + target.search;
  }
}

// --- Markers ---------------------------------------------------------------

// A DivIcon whose element carries an accessible name (screen readers read the
// marker's role, button, and this label: "12 grupos de estudio").
const LabelledIcon = L.DivIcon.extend({
  createIcon(oldIcon) {
    const element = L.DivIcon.prototype.createIcon.call(this, oldIcon);
    element.setAttribute("aria-label", this.options.label);
    element.title = this.options.label;
    return element;
  },
});

// A cluster's icon counts its groups (a blue circle) and its events (an
// orange square, beside the circle when both are there). One icon per
// cluster: events cannot hide under groups, nor groups under events.
// Its size grows with the digits of its counts (see .marker-cluster in cerca.css).
// Five digits and more ("20.657", "146.014" at a continent's zoom) widen the
// circle with their text, so the count stays inside it.
function circleSize(count) {
  const step = count < 10 ? 34 : count < 100 ? 40 : count < 1000 ? 46 : 54;
  return Math.max(step, countFormat.format(count).length * 9 + 12);
}

function badgeWidth(count) {
  return Math.max(26, countFormat.format(count).length * 8 + 10);
}

function clusterSize({ groups, events }) {
  return groups ? circleSize(groups) : Math.max(28, badgeWidth(events));
}

// How far the icon of a cluster (or single marker) with ``counts`` reaches
// from its point, in pixels: the clusters are drawn so that these never touch.
function footprint(counts, total) {
  const margin = 2;
  if (total === 1) return { left: 9 + margin, right: 9 + margin, top: 9 + margin, bottom: 9 + margin };
  const half = clusterSize(counts) / 2 + margin;
  if (!(counts.groups && counts.events)) return { left: half, right: half, top: half, bottom: half };
  // The events' badge sits on the circle's upper right (.cluster-mixed .event-count).
  return { left: half, right: Math.max(half, half - 8 + badgeWidth(counts.events)), top: half + 14, bottom: half };
}

function clusterIcon(cluster) {
  const { groups, events } = cluster.counts;
  const html = document.createElement("span");
  html.className = "cluster-counts";
  html.setAttribute("aria-hidden", "true");
  const labels = [];
  if (groups) {
    html.append(text("span", countFormat.format(groups), "group-count"));
    labels.push(plural(t.groupCount, groups));
  }
  if (events) {
    const badge = text("span", countFormat.format(events), "event-count");
    if (groups) badge.style.width = `${badgeWidth(events)}px`;
    html.append(badge);
    labels.push(plural(t.eventCount, events));
  }
  const kind = groups && events ? "mixed" : groups ? "groups" : "events";
  const size = clusterSize(cluster.counts);
  return new LabelledIcon({
    html, className: `marker-cluster cluster-${kind}`, iconSize: [size, size], label: labels.join(", "),
  });
}

function groupPopup(feature) {
  const box = document.createElement("div");
  box.className = "popup";
  const link = text("a", feature.properties.name);
  link.href = `/groups/${encodeURIComponent(feature.properties.slug)}/`;
  box.append(link);
  box.append(text("p", [feature.properties.city, plural(t.members, feature.properties.member_count)]
    .filter(Boolean).join(" · ")));
  return box;
}

// The start in the event's own time zone, with its UTC offset ("18:30 GMT-5"),
// and, when it differs, in the visitor's.
function eventTimes(properties) {
  const start = new Date(properties.start);
  const options = {
    weekday: "short", day: "numeric", month: "short", year: "numeric",
    hour: "2-digit", minute: "2-digit", timeZoneName: "shortOffset",
  };
  let there;
  try {
    there = new Intl.DateTimeFormat(lang, { ...options, timeZone: properties.time_zone || "UTC" });
  } catch (error) {
    there = new Intl.DateTimeFormat(lang, { ...options, timeZone: "UTC" });
  }
  const here = new Intl.DateTimeFormat(lang, options);
  const times = [there.format(start)];
  if (here.format(start) !== times[0]) times.push(here.format(start));
  return times;
}

function eventPopup(feature) {
  const box = document.createElement("div");
  box.className = "popup";
  const link = text("a", feature.properties.title);
  link.href = `/events/${encodeURIComponent(feature.id)}/`;
  box.append(link);
  const [there, here] = eventTimes(feature.properties);
  box.append(text("p", `${t.starts}: ${there}`, "event-start"));
  if (here) box.append(text("p", format(t.yourTime, { time: here }), "event-local-start"));
  const where = [feature.properties.venue_name, feature.properties.city].filter(Boolean).join(" · ");
  if (where) box.append(text("p", where));
  if (feature.properties.study_group_name) box.append(text("p", feature.properties.study_group_name));
  return box;
}

const KINDS = {
  groups: { api: page.api.groups, popup: groupPopup, className: "group-marker", size: 18 },
  events: { api: page.api.events, popup: eventPopup, className: "event-marker", size: 16 },
};

// A popup for ``member`` (a feature of a tile: kind, id, label), with what
// the API says of it; if that fails, its name and why.
async function openFeaturePopup(marker, member) {
  const kind = KINDS[member.kind];
  let content;
  try {
    content = kind.popup(await getJSON(`${kind.api}${encodeURIComponent(member.id)}/`));
  } catch (error) {
    content = document.createElement("div");
    content.className = "popup";
    content.append(text("strong", member.label), text("p", loadErrorText(error)));
  }
  showPopup(marker, content);
}

// One popup at a time, at the marker (not bound to it: a marker redrawn
// by the next view leaves it open).
function showPopup(marker, content, options = {}) {
  const offset = marker.options.icon.options.iconSize[1] / 2;
  L.popup({ offset: [0, -offset + 7], ...options }).setLatLng(marker.getLatLng()).setContent(content).openOn(map);
}

// Click, or Enter or Space on the focused marker (Leaflet makes it a button).
function onActivate(marker, action) {
  marker.on("click", action);
  marker.on("keypress", (event) => {
    if (event.originalEvent.key === "Enter" || event.originalEvent.key === " ") {
      event.originalEvent.preventDefault();
      action();
    }
  });
}

// The features of a cluster that cannot be pulled apart (one place, or the
// last zoom), listed in its popup.
function clusterList(marker, cluster) {
  const box = document.createElement("div");
  box.className = "popup cluster-list";
  box.append(text("p", [
    cluster.counts.groups && plural(t.groupCount, cluster.counts.groups),
    cluster.counts.events && plural(t.eventCount, cluster.counts.events),
  ].filter(Boolean).join(", "), "cluster-list-title"));
  const list = document.createElement("ul");
  for (const member of cluster.members) {
    const item = document.createElement("li");
    const button = text("button", member.label, `link-button ${KINDS[member.kind].className}-item`);
    button.type = "button";
    button.addEventListener("click", () => openFeaturePopup(marker, member));
    item.append(button);
    list.append(item);
  }
  box.append(list);
  showPopup(marker, box, { maxHeight: 260 });
}

function zoomInto(cluster) {
  const zoom = map.getZoom();
  const target = Math.min(map.getMaxZoom(), Math.max(zoom + 1, map.getBoundsZoom(cluster.bounds.pad(0.25))));
  map.setView(cluster.bounds.getCenter(), target);
}

// A cluster's whole area is one point, or the map cannot zoom further.
function inseparable(cluster) {
  if (!cluster.members) return false;
  const bounds = cluster.bounds;
  return map.getZoom() >= map.getMaxZoom() || bounds.getNorthWest().equals(bounds.getSouthEast());
}

function clusterMarker(cluster) {
  if (cluster.single) {
    const member = cluster.single;
    const kind = KINDS[member.kind];
    const marker = L.marker(cluster.latLng, {
      icon: new LabelledIcon({ className: kind.className, iconSize: [kind.size, kind.size], label: member.label }),
      title: member.label,
    });
    onActivate(marker, () => {
      openFeaturePopup(marker, member);
      if (member.kind === "groups") selectListItem(member.id, { scroll: true });
    });
    return marker;
  }
  const marker = L.marker(cluster.latLng, { icon: clusterIcon(cluster) });
  onActivate(marker, () => (inseparable(cluster) ? clusterList(marker, cluster) : zoomInto(cluster)));
  return marker;
}

// The groups and events drawn, counted from the clusters whose centre is in view.
function countInView() {
  const bounds = map.getBounds();
  const counts = { groups: 0, events: 0 };
  for (const cluster of tiles.clusters()) {
    if (!bounds.contains(cluster.latLng)) continue;
    counts.groups += cluster.counts.groups;
    counts.events += cluster.counts.events;
  }
  return counts;
}

function tilesLoaded(event) {
  tilesFailed = event.failed;
  const counts = countInView();
  document.body.dataset.groupMarkers = counts.groups;
  document.body.dataset.eventMarkers = counts.events;
  document.body.dataset.tiles = event.tiles.join(" ");
  document.body.dataset.viewQuery = event.params.q || "";
  document.body.dataset.viewLoaded = String(Date.now());
  document.getElementById("map").setAttribute("aria-busy", "false");
  describeMap();
}

// What the map and the list hold, said exactly, under the map.
function describeMap() {
  const groupsOn = shown.groups;
  const eventsOn = shown.events;
  const key = groupsOn && eventsOn ? "noteMapBoth" : groupsOn ? "noteMapGroups" : eventsOn ? "noteMapEvents" : "noteMapNone";
  const sentences = [format(t[state.q && key !== "noteMapNone" ? `${key}Q` : key], { q: state.q })];
  if (tilesFailed) sentences.push(t.noteTilesFailed);
  sentences.push(t.noteCircle);
  mapNote.textContent = sentences.join(" ");
}

// --- The list --------------------------------------------------------------

function highlight(id, on) {
  const found = tiles && tiles.find("groups", id);
  const icon = found && found.cluster.single && found.marker && found.marker.getElement();
  if (icon) icon.classList.toggle("highlighted", on);
  const item = resultList.querySelector(`[data-id="${id}"]`);
  if (item) item.classList.toggle("highlighted", on);
}

function selectListItem(id, { scroll } = {}) {
  for (const item of resultList.querySelectorAll(".selected")) item.classList.remove("selected");
  const item = resultList.querySelector(`[data-id="${id}"]`);
  if (!item) return;
  item.classList.add("selected");
  if (scroll && finder.dataset.view !== "map") item.scrollIntoView({ block: "nearest", behavior: "smooth" });
}

// Zoom in on a listed group until it stands alone (or shares its place), and open it.
function showOnMap(id) {
  const feature = listGroups.find((f) => f.id === id);
  if (!feature || !feature.geometry) return;
  const [lon, lat] = feature.geometry.coordinates;
  showView("map");
  if (!shown.groups) showKind("groups", true);
  const open = () => {
    const found = tiles.find("groups", id);
    if (!found || !found.marker) return false;
    if (found.cluster.single) {
      openFeaturePopup(found.marker, found.cluster.single);
      highlight(id, true);
      return true;
    }
    if (inseparable(found.cluster)) {
      clusterList(found.marker, found.cluster);
      return true;
    }
    return false;
  };
  const step = () => {
    if (open() || map.getZoom() >= map.getMaxZoom()) return;
    tiles.once("load", step);
    map.setView([lat, lon], Math.min(map.getMaxZoom(), Math.max(map.getZoom() + 2, 16)));
  };
  if (!map.getBounds().contains([lat, lon]) || !open()) step();
}

function renderList(collection) {
  resultList.replaceChildren();
  listGroups = collection.features;
  resultsHeading.textContent = state.q ? format(t.matchesHeading, { q: state.q }) : t.nearestHeading;
  const listNote = document.getElementById("list-note") || text("p", null, "list-note");
  listNote.id = "list-note";
  listNote.textContent = format(state.q ? t.noteListQ : t.noteList, {
    max: countFormat.format(page.listLength),
    radius: radiusFormat.format(state.radiusKm),
    q: state.q,
    place: state.nearLabel || pointLabel(state.center),
  });
  resultList.after(listNote);
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
    meta.append(distance);
    if (feature.properties.city) meta.append(document.createTextNode(` · ${feature.properties.city}`));
    item.append(link, meta);
    resultList.append(item);
    withMapControls(item, feature.id, feature.properties.name);
  }
}

// A listed group's "Show on map" button, and its marker lit while the item is
// pointed at or focused.
function withMapControls(item, id, name) {
  const show = text("button", t.showOnMap, "show-on-map");
  show.type = "button";
  show.setAttribute("aria-label", `${t.showOnMap}: ${name}`);
  show.addEventListener("click", () => showOnMap(id));
  item.append(show);
  for (const [event, on] of [["mouseenter", true], ["mouseleave", false], ["focusin", true], ["focusout", false]]) {
    item.addEventListener(event, () => highlight(id, on));
  }
}

// The first search's lists came with the page, from the same queries as the
// API's: take them as they are, with the map's controls, rather than ask for
// them again (at a million rows, two requests that kept the server from the
// map's tiles for half a second).
function adoptPageLists() {
  listGroups = [];
  for (const item of resultList.querySelectorAll("li.result[data-id]")) {
    const id = Number(item.dataset.id);
    const name = item.querySelector(".result-link").textContent;
    const located = item.dataset.lon !== undefined;
    listGroups.push({
      id,
      geometry: located ? { type: "Point", coordinates: [Number(item.dataset.lon), Number(item.dataset.lat)] } : null,
      properties: { name },
    });
    withMapControls(item, id, name);
  }
  // Each event's start as a search's list gives it (eventTimes), from the
  // start and zone its <time> carries, so the list reads the same after the
  // visitor's next search.
  for (const item of eventList.querySelectorAll("li.result[data-event-id]")) {
    const when = item.querySelector(".event-when");
    const start = item.querySelector(".event-start");
    if (when && start) start.textContent = eventTimes({ start: when.dataset.start, time_zone: when.dataset.zone })[0];
  }
  updateSearchAreaButton();
  writeUrl({ push: false });
  document.body.dataset.listLoaded = String(Date.now());
  settled();
}

// The upcoming events within the search's radius, soonest first, each in its own zone.
function renderEvents(collection) {
  const place = state.nearLabel || pointLabel(state.center);
  const radius = radiusFormat.format(state.radiusKm);
  eventList.replaceChildren();
  if (!collection.features.length) eventList.append(text("li", format(t.noEvents, { radius }), "empty"));
  for (const feature of collection.features) {
    const item = text("li", null, "result");
    item.dataset.eventId = feature.id;
    const link = text("a", feature.properties.title, "result-link");
    link.href = `/events/${encodeURIComponent(feature.id)}/`;
    const [there] = eventTimes(feature.properties);
    const meta = text("span", null, "result-meta");
    meta.append(text("span", `${kmFormat.format(feature.properties.distance_m / 1000)} ${t.km}`, "distance"));
    for (const part of [feature.properties.venue_name, feature.properties.study_group_name]) {
      if (part) meta.append(document.createTextNode(` · ${part}`));
    }
    item.append(link, text("span", there, "result-meta event-start"), meta);
    eventList.append(item);
  }
  document.getElementById("event-list-note").textContent = format(t.eventsNote, {
    max: countFormat.format(page.eventListLength), radius, place,
  });
  const all = document.getElementById("all-events");
  const [lon, lat] = state.center;
  all.href = `${page.eventsPage}?${new URLSearchParams({ near: `${lon.toFixed(5)},${lat.toFixed(5)}`, place, radius_km: state.radiusKm })}`;
  all.textContent = format(t.allEvents, { place });
  eventsBlock.hidden = false;
}

// The download links take the search just listed: every group it matches, as files.
function updateDownloads() {
  const [lon, lat] = state.center;
  const downloads = document.getElementById("downloads");
  for (const link of downloads.querySelectorAll("a[data-export]")) {
    const url = apiUrl(link.dataset.export, { near: `${lon.toFixed(6)},${lat.toFixed(6)}`, radius_km: state.radiusKm, q: state.q });
    link.href = url.pathname + url.search;
  }
  downloads.hidden = false;
}

function setLoading(on) {
  resultList.setAttribute("aria-busy", String(on));
  loadingNote.hidden = !on;
  finder.classList.toggle("loading", on);
}

let searchArea;

// The circle the list is measured in.
function drawSearchArea() {
  const [lon, lat] = state.center;
  if (searchArea) searchArea.remove();
  searchArea = L.circle([lat, lon], {
    radius: state.radiusKm * 1000, color: "#0b5d7a", weight: 2, fill: false, dashArray: "6 5", interactive: false,
  }).addTo(map);
}

function zoomForRadius(radiusKm) {
  for (const [limitKm, zoom] of [[1, 15], [5, 13], [10, 12], [25, 11]]) {
    if (radiusKm <= limitKm) return zoom;
  }
  return 10;
}

// Run the search ``next`` describes (centre, radius, topic). Until its list
// is on screen the page says it is loading and keeps claiming only what it
// shows; then the list, the status, the circle, the map and the URL change together.
async function search(next, { move = true, push = true, keepView = false, stay = false } = {}) {
  if (listRequest) listRequest.abort();
  listRequest = new AbortController();
  const { signal } = listRequest;
  const [lon, lat] = next.center;
  setLoading(true);
  let collection;
  let events;
  const near = `${lon.toFixed(6)},${lat.toFixed(6)}`;
  try {
    [collection, events] = await Promise.all([
      getJSON(apiUrl(page.api.groups, { near, radius_km: next.radiusKm, q: next.q, limit: page.listLength }), signal),
      getJSON(apiUrl(page.api.events, { near, radius_km: next.radiusKm, q: next.q, sortby: "start", limit: page.eventListLength }), signal),
    ]);
  } catch (error) {
    if (error.name !== "AbortError") {
      setLoading(false);
      say(loadErrorText(error));
      settled();
    }
    return;
  }
  const radiusChanged = next.radiusKm !== state.radiusKm;
  const qChanged = next.q !== state.q;
  Object.assign(state, next);
  if (qChanged) {
    map.closePopup();
    tiles.setParams({ q: state.q });
  }
  renderList(collection);
  renderEvents(events);
  updateDownloads();
  setLoading(false);
  say(format(t.near, { place: state.nearLabel || pointLabel(state.center) }));
  drawSearchArea();
  const centerInView = map.getBounds().contains([lat, lon]);
  if (!stay && (move || radiusChanged || (!centerInView && !keepView))) {
    map.setView([lat, lon], zoomForRadius(state.radiusKm));
  }
  updateSearchAreaButton();
  writeUrl({ push });
  document.body.dataset.listLoaded = String(Date.now());
  settled();
}

// --- Places ----------------------------------------------------------------

function mapCenterText() {
  const center = map.getCenter();
  return `${center.lng.toFixed(5)},${center.lat.toFixed(5)}`;
}

async function findPlaces(name, limit = 8) {
  return getJSON(apiUrl(page.api.places, { q: name, near: mapCenterText(), limit }));
}

function hideCandidates() {
  candidatesBox.hidden = true;
  candidatesBox.replaceChildren();
}

function placeFrom(feature) {
  const [lon, lat] = feature.geometry.coordinates;
  return { center: [lon, lat], label: feature.properties.label };
}

function showCandidates(features, next) {
  candidatesBox.replaceChildren();
  candidatesBox.append(text("p", t.didYouMean, "candidates-title"));
  const list = document.createElement("ul");
  for (const feature of features) {
    const item = document.createElement("li");
    const button = text("button", feature.properties.label, "candidate");
    button.type = "button";
    const meta = [t.kinds[feature.properties.kind], feature.properties.country].filter(Boolean).join(" · ");
    item.append(button);
    if (meta) item.append(text("span", meta, "candidate-meta"));
    button.addEventListener("click", () => {
      const place = placeFrom(feature);
      placeInput.value = place.label;
      hideCandidates();
      search({ ...next, center: place.center, chosen: true, placeText: place.label, nearLabel: place.label });
    });
    list.append(item);
  }
  candidatesBox.append(list);
  candidatesBox.hidden = false;
  say(t.pickPlace);
  settled();
}

let suggestTimer;
placeInput.addEventListener("input", () => {
  clearTimeout(suggestTimer);
  const value = placeInput.value.trim();
  if (value.length < 2) return;
  suggestTimer = setTimeout(async () => {
    try {
      const collection = await findPlaces(value);
      suggested = new Map(collection.features.map((feature) => [feature.properties.label, feature]));
      placeOptions.replaceChildren(...collection.features.map((feature) => {
        const option = document.createElement("option");
        option.value = feature.properties.label;
        return option;
      }));
    } catch (error) {
      // Suggestions are a convenience; the search button still works.
    }
  }, 200);
});

async function submitSearch() {
  // PostgreSQL text holds no NUL; the API would refuse the whole search.
  const next = {
    q: queryInput.value.replace(/\0/g, "").trim(),
    radiusKm: Number(radiusSelect.value),
  };
  const typed = placeInput.value.replace(/\0/g, "").trim();
  hideCandidates();
  if (!typed || typed === state.placeText) {
    // The same centre: the last place, point or location, or the default.
    search({ ...next, center: state.center }, { move: false });
    return;
  }
  if (suggested.has(typed)) {
    // A suggestion picked from the list is that very place.
    const place = placeFrom(suggested.get(typed));
    search({ ...next, center: place.center, chosen: true, placeText: typed, nearLabel: place.label });
    return;
  }
  setLoading(true);
  let collection;
  try {
    collection = await findPlaces(typed);
  } catch (error) {
    setLoading(false);
    say(loadErrorText(error));
    settled();
    return;
  }
  setLoading(false);
  const match = collection.match || (collection.features.length ? "strong" : "none");
  if (match === "strong") {
    const place = placeFrom(collection.features[0]);
    search({ ...next, center: place.center, chosen: true, placeText: typed, nearLabel: place.label });
  } else if (match === "weak") {
    showCandidates(collection.features, next);
  } else {
    // Not found: the list, the map and the URL stay as they are.
    say(format(t.placeNotFound, { place: typed }));
    settled();
  }
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
        // The place box no longer names the centre: later searches keep this point.
        placeInput.value = "";
        hideCandidates();
        search({
          center: [longitude, latitude], chosen: true, placeText: "", nearLabel: t.yourLocation,
          q: queryInput.value.trim(), radiusKm: Number(radiusSelect.value),
        });
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

// --- Search this area ---------------------------------------------------------

// After the visitor pans or zooms away from the searched circle, a button
// searches again around the map's centre, with the largest of the radius
// choices that fits in the view.
let searchAreaButton;

function viewRadiusKm() {
  const bounds = map.getBounds();
  const center = map.getCenter();
  const halfWidth = map.distance(center, L.latLng(center.lat, bounds.getEast()));
  const halfHeight = map.distance(center, L.latLng(bounds.getNorth(), center.lng));
  return Math.min(halfWidth, halfHeight) / 1000;
}

function radiusForView() {
  const fits = viewRadiusKm();
  const choices = [...radiusSelect.options].map((option) => Number(option.value)).sort((a, b) => a - b);
  const fitting = choices.filter((km) => km <= fits);
  return fitting.length ? fitting[fitting.length - 1] : choices[0];
}

function updateSearchAreaButton() {
  if (!searchAreaButton || !map) return;
  const [lon, lat] = state.center;
  // Moved: the searched centre is off by more than a third of the view's
  // half-size, or the view is much larger or smaller than the circle.
  const offKm = map.distance(map.getCenter(), L.latLng(lat, lon)) / 1000;
  const viewKm = viewRadiusKm();
  const moved = offKm > viewKm / 3 || viewKm > state.radiusKm * 4 || viewKm * 4 < state.radiusKm;
  searchAreaButton.parentElement.hidden = !moved;
}

function searchAreaControl() {
  const control = L.control({ position: "topright" });
  control.onAdd = () => {
    const box = L.DomUtil.create("div", "leaflet-bar search-area");
    searchAreaButton = L.DomUtil.create("button", "search-area-button", box);
    searchAreaButton.type = "button";
    searchAreaButton.textContent = t.searchArea;
    box.hidden = true;
    L.DomEvent.disableClickPropagation(box);
    searchAreaButton.addEventListener("click", () => {
      const center = map.getCenter();
      const radiusKm = radiusForView();
      radiusSelect.value = String(radiusKm);
      placeInput.value = "";
      hideCandidates();
      search(
        {
          center: [center.lng, center.lat], chosen: true, placeText: "", nearLabel: t.thisArea,
          q: queryInput.value.trim(), radiusKm,
        },
        { move: false, stay: true },
      );
    });
    return box;
  };
  return control;
}

// --- List or map, on a phone -------------------------------------------------

function showView(view) {
  if (finder.dataset.view === view) return;
  finder.dataset.view = view;
  for (const button of viewSwitch.querySelectorAll("button")) {
    button.setAttribute("aria-pressed", String(button.dataset.view === view));
  }
  if (view === "map" && map) {
    map.invalidateSize();
    if (window.matchMedia("(max-width: 760px)").matches) {
      // The switch and the whole map fit the screen: the way back to the list stays in sight.
      window.scrollTo({ top: viewSwitch.getBoundingClientRect().top + window.scrollY - 8 });
    }
  }
}

viewSwitch.hidden = false;
for (const button of viewSwitch.querySelectorAll("button")) {
  button.addEventListener("click", () => showView(button.dataset.view));
}

// Back and forward return to earlier searches: the server's reading of the
// URL is the truth, so let it render the page again.
window.addEventListener("popstate", () => window.location.reload());

// Submitting the language form needs no extra click when JavaScript runs.
const languageSelect = document.getElementById("language");
if (languageSelect) languageSelect.addEventListener("change", () => languageSelect.form.submit());

// --- The map ------------------------------------------------------------------

function showKind(kind, on) {
  shown[kind] = on;
  tiles.setVisible(kind, on);
  const checkbox = document.querySelector(`#map .map-legend input[data-kind="${kind}"]`);
  if (checkbox) checkbox.checked = on;
  describeMap();
}

function legendControl() {
  const control = L.control({ position: "topright" });
  control.onAdd = () => {
    const box = L.DomUtil.create("fieldset", "map-legend leaflet-bar");
    L.DomEvent.disableClickPropagation(box);
    box.append(text("legend", t.legend));
    for (const [kind, label] of [["groups", t.groups], ["events", t.events]]) {
      const row = text("label", null, "legend-row");
      const checkbox = document.createElement("input");
      checkbox.type = "checkbox";
      checkbox.checked = shown[kind];
      checkbox.dataset.kind = kind;
      checkbox.addEventListener("change", () => showKind(kind, checkbox.checked));
      const mark = text("span", null, `swatch ${kind}-swatch`);
      mark.setAttribute("aria-hidden", "true");
      row.append(checkbox, mark, text("span", label, "legend-label"));
      box.append(row);
    }
    return box;
  };
  return control;
}

window.addEventListener("map:init", (event) => {
  map = event.detail.map;
  window.cercaMap = map; // for the browser tests and the curious
  tiles = new TileClusters(
    [
      { name: "groups", layer: "studygroups", label: "name", ...page.tiles.groups },
      { name: "events", layer: "events", label: "title", ...page.tiles.events },
    ],
    clusterMarker,
    { params: { q: state.q }, footprint },
  );
  tiles.on("loading", () => document.getElementById("map").setAttribute("aria-busy", "true"));
  tiles.on("load", tilesLoaded);
  // For the browser tests: what each cluster drawn holds.
  window.cercaClusters = () => tiles.clusters().map((cluster) => ({
    lat: cluster.latLng.lat, lon: cluster.latLng.lng, counts: cluster.counts,
    ids: cluster.members && cluster.members.map((member) => [member.kind, member.id]),
  }));
  legendControl().addTo(map);
  searchAreaControl().addTo(map);
  map.setView([page.map.center[1], page.map.center[0]], page.map.zoom);
  tiles.addTo(map);
  drawSearchArea();
  // While the map pans or zooms (for the browser tests: its centre is moving).
  map.on("movestart", () => { document.body.dataset.mapMoving = "1"; });
  map.on("moveend", () => { delete document.body.dataset.mapMoving; });
  map.on("moveend", () => writeUrl());
  map.on("moveend", updateSearchAreaButton);
  // With a field error or place candidates on the page, the list waits for the
  // visitor's next search rather than hiding what the server said.
  if (page.searched) adoptPageLists();
});
