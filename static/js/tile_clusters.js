// Features of several kinds (study groups, events) drawn from the site's
// vector tiles, /tiles/<layer>/{z}/{x}/{y}.mvt, as one Leaflet marker per
// cluster of the screen, each counting its kinds apart.
//
// The counts are the server's: below zoom 14 a tile holds one point per
// occupied cell of a 64 x 64 grid with the exact number of features in it
// (places/tiles.py), from 14 on the features themselves. Here those points
// are summed into bins of BIN_PX screen pixels (the cells nest in the bins,
// so a bin's count is exact), and bins whose icons would touch are summed
// together so no icon covers another. Nothing is sampled: every feature in
// the loaded tiles is counted in exactly one marker.
//
// Tiles are asked for one zoom below the map's (each covers 512 screen
// pixels: a quarter of the requests), cached by URL (the TileJSON's URLs
// carry the layer's data version, so a cached tile is never stale), retried
// on failure, and abandoned when the view moves away before they arrive.

import { VectorTile } from "@mapbox/vector-tile";
import { PbfReader } from "pbf";

const TILE_PX = 256;
const BIN_PX = 64;
const ATTEMPTS = 3;
// Decoded tiles kept for going back (the browser keeps their bytes too).
const CACHE_SIZE = 150;

function delay(ms, signal) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener("abort", () => {
      clearTimeout(timer);
      reject(new DOMException("Aborted", "AbortError"));
    }, { once: true });
  });
}

// The body of ``url``, tried again after a network error or a 5xx/429 (a
// tile that fails is not drawn as if it were empty). A 4xx is final.
async function fetchTile(url, signal) {
  let lastError;
  for (let attempt = 0; attempt < ATTEMPTS; attempt += 1) {
    if (attempt) await delay(250 * 2 ** attempt, signal);
    let response;
    try {
      response = await fetch(url, { signal });
    } catch (error) {
      if (error.name === "AbortError") throw error;
      lastError = error;
      continue;
    }
    if (response.ok) return response.status === 204 ? new ArrayBuffer(0) : response.arrayBuffer();
    lastError = new Error(`${response.status} ${url}`);
    lastError.status = response.status;
    if (response.status < 500 && response.status !== 429) break;
  }
  throw lastError;
}

// Web Mercator fractions (0 to 1 from the west and from the north) to lat/lon.
function latLngOf(fx, fy) {
  const lat = (Math.atan(Math.sinh(Math.PI * (1 - 2 * fy))) * 180) / Math.PI;
  return L.latLng(lat, fx * 360 - 180);
}

function decode(buffer, kind, tile) {
  if (!buffer.byteLength) return [];
  const layer = new VectorTile(new PbfReader(new Uint8Array(buffer))).layers[kind.layer];
  if (!layer) return [];
  const size = 2 ** tile.z;
  const points = [];
  for (let i = 0; i < layer.length; i += 1) {
    const feature = layer.feature(i);
    const [[point]] = feature.loadGeometry();
    const count = Number(feature.properties.count ?? 1);
    points.push({
      kind: kind.name,
      // A cell of one carries its feature's id and label; a cell of many, neither.
      id: count === 1 && feature.id !== undefined ? feature.id : null,
      label: count === 1 ? String(feature.properties[kind.label] ?? "") : "",
      count,
      fx: (tile.x + point.x / layer.extent) / size,
      fy: (tile.y + point.y / layer.extent) / size,
    });
  }
  return points;
}

export const TileClusters = L.Layer.extend({
  options: {
    maxDataZoom: 14,
    // Data tiles are asked this many zooms below the map's: each covers
    // 256 * 2 ** levelDiff screen pixels, and holds at most 64 x 64 cells.
    levelDiff: 1,
    binPx: BIN_PX,
    params: {},
    // How far a cluster's icon reaches from its point, in pixels, by its counts.
    footprint: () => ({ left: 20, right: 20, top: 20, bottom: 20 }),
  },

  // ``kinds``: [{name, layer (the MVT layer), label (its label property),
  // tilejson (URL), template (its tiles' URL for the first filters, if known)}];
  // ``makeMarker(cluster)`` returns the marker of a cluster (see clusters()
  // for what it holds); ``options.params``: the first filters.
  initialize(kinds, makeMarker, options) {
    L.setOptions(this, options);
    this._kinds = kinds.map((kind) => ({
      ...kind, visible: true, params: this.options.params,
      template: kind.template ? Promise.resolve(kind.template) : null,
    }));
    this._makeMarker = makeMarker;
    this._cache = new Map(); // url -> Promise of points
    this._inflight = new Map(); // url -> AbortController
    this._markers = new Map(); // key -> marker
    this._clusters = [];
    this._generation = 0;
  },

  onAdd(map) {
    this._group = L.layerGroup().addTo(map);
    this.refresh();
  },

  onRemove() {
    for (const controller of this._inflight.values()) controller.abort();
    this._inflight.clear();
    this._group.remove();
    this._markers.clear();
  },

  getEvents() {
    return { moveend: this.refresh };
  },

  // The list's filters (q, topic...) for every kind; the tiles are asked anew.
  setParams(params) {
    for (const kind of this._kinds) {
      kind.params = params;
      kind.template = null;
    }
    return this.refresh();
  },

  setVisible(name, visible) {
    for (const kind of this._kinds) if (kind.name === name) kind.visible = visible;
    return this.refresh();
  },

  // Every cluster drawn: {latLng, counts: {kind: n}, total, members (the
  // features, when all are known), bounds}.
  clusters() {
    return this._clusters;
  },

  // The cluster (and its marker) that holds feature ``id`` of kind ``name``.
  find(name, id) {
    const cluster = this._clusters.find((c) => c.members && c.members.some(
      (member) => member.kind === name && member.id === id,
    ));
    return cluster ? { cluster, marker: this._markers.get(cluster.key) } : null;
  },

  // The URL of the kind's tiles for its filters, from its TileJSON (asked
  // once for each change of filters; a failure is asked again next time).
  _template(kind) {
    if (!kind.template) {
      const url = new URL(kind.tilejson, window.location.origin);
      for (const [name, value] of Object.entries(kind.params)) {
        if (value !== undefined && value !== null && value !== "") url.searchParams.set(name, value);
      }
      const template = fetch(url).then(async (response) => {
        if (!response.ok) throw new Error(`${response.status} ${url}`);
        return (await response.json()).tiles[0];
      });
      template.catch(() => { if (kind.template === template) kind.template = null; });
      kind.template = template;
    }
    return kind.template;
  },

  _tile(url, kind, tile) {
    if (this._cache.has(url)) {
      const cached = this._cache.get(url);
      this._cache.delete(url); // most recently used last
      this._cache.set(url, cached);
      return cached;
    }
    const controller = new AbortController();
    this._inflight.set(url, controller);
    const points = fetchTile(url, controller.signal)
      .then((buffer) => decode(buffer, kind, tile))
      .finally(() => this._inflight.delete(url));
    points.catch(() => this._cache.delete(url));
    this._cache.set(url, points);
    while (this._cache.size > CACHE_SIZE) this._cache.delete(this._cache.keys().next().value);
    return points;
  },

  // The data tiles under the view: one zoom below the map's, at most maxDataZoom.
  _tilesInView() {
    const map = this._map;
    const zoom = Math.round(map.getZoom());
    const dataZoom = Math.max(0, Math.min(zoom - this.options.levelDiff, this.options.maxDataZoom));
    const span = TILE_PX * 2 ** (zoom - dataZoom);
    const last = 2 ** dataZoom - 1;
    const { min, max } = map.getPixelBounds();
    const tiles = [];
    const clamp = (value) => Math.max(0, Math.min(last, Math.floor(value / span)));
    for (let x = clamp(min.x); x <= clamp(max.x); x += 1) {
      for (let y = clamp(min.y); y <= clamp(max.y); y += 1) tiles.push({ z: dataZoom, x, y });
    }
    return { zoom, tiles };
  },

  async refresh() {
    if (!this._map) return;
    const generation = ++this._generation;
    const { zoom, tiles } = this._tilesInView();
    const kinds = this._kinds.filter((kind) => kind.visible);
    this.fire("loading");
    let failed = 0;
    const wanted = [];
    const templates = await Promise.allSettled(kinds.map((kind) => this._template(kind)));
    if (generation !== this._generation) return;
    const loads = [];
    for (const [index, kind] of kinds.entries()) {
      if (templates[index].status === "rejected") {
        failed += tiles.length;
        continue;
      }
      const template = templates[index].value;
      for (const tile of tiles) {
        const url = template.replace("{z}", tile.z).replace("{x}", tile.x).replace("{y}", tile.y);
        wanted.push(url);
        loads.push(this._tile(url, kind, tile));
      }
    }
    // Tiles of a view left behind are not waited for.
    for (const [url, controller] of this._inflight) {
      if (!wanted.includes(url)) controller.abort();
    }
    const results = await Promise.allSettled(loads);
    if (generation !== this._generation || !this._map) return;
    failed += results.filter((r) => r.status === "rejected" && r.reason.name !== "AbortError").length;
    const points = results.filter((r) => r.status === "fulfilled").flatMap((r) => r.value);
    this._draw(zoom, points);
    // The filters the view was drawn with: a view asked for before the
    // list's new filters arrived (setParams) says so.
    const params = { ...(this._kinds[0] ? this._kinds[0].params : {}) };
    this.fire("load", { failed, params, tiles: tiles.map(({ z, x, y }) => `${z}/${x}/${y}`) });
  },

  // Points summed into screen bins; then, biggest first, a bin whose icon
  // would touch a bigger one's is summed into it (and that one's icon, larger
  // now, is checked again), so no icon covers another.
  _clusterPoints(zoom, points) {
    const world = TILE_PX * 2 ** zoom;
    const { binPx } = this.options;
    const bins = new Map();
    for (const point of points) {
      const x = point.fx * world;
      const y = point.fy * world;
      const key = `${Math.floor(x / binPx)}:${Math.floor(y / binPx)}`;
      let bin = bins.get(key);
      if (!bin) {
        bin = { key, total: 0, sx: 0, sy: 0, counts: {}, members: [], complete: true,
          west: point.fx, east: point.fx, north: point.fy, south: point.fy };
        bins.set(key, bin);
      }
      bin.total += point.count;
      bin.sx += x * point.count;
      bin.sy += y * point.count;
      bin.counts[point.kind] = (bin.counts[point.kind] || 0) + point.count;
      if (point.id === null) bin.complete = false;
      else bin.members.push(point);
      bin.west = Math.min(bin.west, point.fx);
      bin.east = Math.max(bin.east, point.fx);
      bin.north = Math.min(bin.north, point.fy);
      bin.south = Math.max(bin.south, point.fy);
    }
    const footprint = this.options.footprint;
    const box = (bin) => {
      const x = bin.sx / bin.total;
      const y = bin.sy / bin.total;
      const { left, right, top, bottom } = footprint(bin.counts, bin.total);
      return { left: x - left, right: x + right, top: y - top, bottom: y + bottom };
    };
    const touch = (a, b) => a.left < b.right && b.left < a.right && a.top < b.bottom && b.top < a.bottom;
    const merge = (into, bin) => {
      into.total += bin.total;
      into.sx += bin.sx;
      into.sy += bin.sy;
      for (const [kind, n] of Object.entries(bin.counts)) into.counts[kind] = (into.counts[kind] || 0) + n;
      into.complete = into.complete && bin.complete;
      into.members.push(...bin.members);
      into.west = Math.min(into.west, bin.west);
      into.east = Math.max(into.east, bin.east);
      into.north = Math.min(into.north, bin.north);
      into.south = Math.max(into.south, bin.south);
      into.box = box(into);
    };
    const kept = [];
    const order = (a, b) => b.total - a.total || (a.key < b.key ? -1 : 1);
    for (const bin of [...bins.values()].sort(order)) {
      bin.box = box(bin);
      const into = kept.find((other) => touch(other.box, bin.box));
      if (into) merge(into, bin);
      else kept.push(bin);
    }
    // A bin that grew may now touch another: settle that too.
    for (let changed = true, rounds = 0; changed && rounds < 10; rounds += 1) {
      changed = false;
      kept.sort(order);
      for (let i = 0; i < kept.length; i += 1) {
        for (let j = i + 1; j < kept.length; j += 1) {
          if (touch(kept[i].box, kept[j].box)) {
            merge(kept[i], kept[j]);
            kept.splice(j, 1);
            j -= 1;
            changed = true;
          }
        }
      }
    }
    return kept.map((bin) => {
      const single = bin.total === 1 && bin.members.length === 1 ? bin.members[0] : null;
      const counts = Object.fromEntries(this._kinds.map((kind) => [kind.name, bin.counts[kind.name] || 0]));
      const x = bin.sx / bin.total;
      const y = bin.sy / bin.total;
      return {
        key: single ? `${single.kind}:${single.id}`
          : `${zoom}:${Math.round(x)}:${Math.round(y)}:${Object.values(counts).join(":")}`,
        latLng: this._map.unproject([x, y], zoom),
        counts,
        total: bin.total,
        single,
        members: bin.complete ? bin.members : null,
        bounds: L.latLngBounds(latLngOf(bin.west, bin.south), latLngOf(bin.east, bin.north)),
      };
    });
  },

  // Markers already drawn stay (an open popup survives), gone ones go, new ones come.
  _draw(zoom, points) {
    this._clusters = this._clusterPoints(zoom, points);
    const keys = new Set(this._clusters.map((cluster) => cluster.key));
    for (const [key, marker] of this._markers) {
      if (!keys.has(key)) {
        this._group.removeLayer(marker);
        this._markers.delete(key);
      }
    }
    for (const cluster of this._clusters) {
      if (this._markers.has(cluster.key)) continue;
      const marker = this._makeMarker(cluster);
      this._markers.set(cluster.key, marker);
      this._group.addLayer(marker);
    }
  },
});
