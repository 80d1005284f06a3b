// The mini-map of a study group or event page: its marker and meeting area.

const data = JSON.parse(document.getElementById("cerca-detail").textContent);

window.addEventListener("map:init", (event) => {
  const map = event.detail.map;
  const [lon, lat] = data.point;
  const marker = L.marker([lat, lon], { title: data.label, alt: data.label }).addTo(map);
  marker.bindTooltip(() => document.createTextNode(data.label));
  if (data.area) {
    const area = L.geoJSON(data.area, { style: { color: "#1d6f8a", weight: 2, fillOpacity: 0.15 } }).addTo(map);
    map.fitBounds(area.getBounds(), { padding: [20, 20] });
  } else {
    map.setView([lat, lon], 16);
  }
});
