// The groups page's form (templates/studygroups/groups.html): "use my
// location" fills the hidden `near` with the browser's position and searches;
// typing a place clears it. Without JavaScript the form works as is.

const form = document.getElementById("groups-form");
const place = document.getElementById("place");
const near = document.getElementById("near");
const locate = document.getElementById("locate");
const status = document.getElementById("locate-status");

place.addEventListener("input", () => { near.value = ""; });

if ("geolocation" in navigator) {
  locate.hidden = false;
  locate.addEventListener("click", () => {
    locate.disabled = true;
    navigator.geolocation.getCurrentPosition(
      (position) => {
        const { longitude, latitude } = position.coords;
        near.value = `${longitude.toFixed(5)},${latitude.toFixed(5)}`;
        // No words for the point in the URL: the page names it in its own
        // language (coordinates), and a shared link does not say "my
        // location" to whoever opens it.
        place.value = "";
        form.submit();
      },
      () => {
        locate.disabled = false;
        status.textContent = locate.dataset.failed;
      },
      { timeout: 10000, maximumAge: 300000 },
    );
  });
}
