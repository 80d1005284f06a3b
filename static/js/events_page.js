// The events page's form (templates/meetups/events.html): "use my location"
// fills the hidden `near` with the browser's position and searches; typing a
// place clears it; the date fields show only for "Choose dates". Without
// JavaScript the form works as is, dates always shown.

const form = document.getElementById("events-form");
const place = document.getElementById("place");
const near = document.getElementById("near");
const locate = document.getElementById("locate");
const status = document.getElementById("locate-status");
const when = document.getElementById("when");
const range = document.getElementById("date-range");

place.addEventListener("input", () => { near.value = ""; });

function showRange() {
  range.hidden = when.value !== "range";
}
when.addEventListener("change", showRange);
showRange();

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
