// The map of an OGC API items (or item) page: a marker per located feature,
// labelled by name, linking to the feature's page. The features come from the
// page's json_script block (lon/lat, CRS84); text goes in by textContent only.

const container = document.getElementById("ogc-map");
const source = document.getElementById("ogc-map-data");

if (container && source && typeof L !== "undefined") {
  const data = JSON.parse(source.textContent);
  const itemsUrl = container.dataset.itemsUrl;
  const map = L.map(container);
  const layer = L.geoJSON(data, {
    // Circles, not image markers: nothing to fetch, whatever the static setup.
    pointToLayer: (feature, latlng) =>
      L.circleMarker(latlng, { radius: 6, color: "#1d6f8a", weight: 2, fillOpacity: 0.6 }),
    onEachFeature(feature, marker) {
      const label = feature.properties.label;
      marker.bindTooltip(() => document.createTextNode(label));
      marker.bindPopup(() => {
        const link = document.createElement("a");
        link.href = `${itemsUrl}/${encodeURIComponent(feature.properties.id)}?f=html`;
        link.textContent = label;
        return link;
      });
    },
  }).addTo(map);
  const bounds = layer.getBounds();
  if (bounds.isValid()) {
    map.fitBounds(bounds, { padding: [20, 20], maxZoom: 15 });
  } else {
    map.setView([0, 0], 2);
  }
  container.dataset.features = String(layer.getLayers().length);
}
