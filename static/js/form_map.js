// A form's map opens where the chosen study group meets, while no point is
// placed yet: a venue or event of a Madrid group is placed on Madrid, not on
// the site's default centre. Changing the group moves an empty map along.
(function () {
  "use strict";
  const data = document.getElementById("form-map-centres");
  if (!data) return;
  const centres = JSON.parse(data.textContent);
  const group = document.getElementById("id_study_group");
  const field = document.getElementById("id_location");
  if (!group || !field) return;

  function showGroup(map) {
    const centre = centres[group.value];
    if (centre && !field.value.trim()) map.setView([centre[1], centre[0]], 15);
  }

  window.addEventListener("map:init", (event) => {
    const map = event.detail.map;
    if (event.detail.id !== `${field.id}-map`) return;
    window.cercaFormMap = map; // for the browser tests
    showGroup(map);
    group.addEventListener("change", () => showGroup(map));
  });
})();
