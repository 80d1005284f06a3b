// The event page: when the visitor's time zone puts the event at another wall-clock
// time than the event's own zone, say when that is for them ("In your time zone: ...").
// The page already shows the event's times, in the event's zone, without this.

const when = document.querySelector(".event-when[data-zone]");
const line = document.querySelector(".visitor-time");

function wallClock(date, timeZone) {
  return new Intl.DateTimeFormat("en-CA", {
    timeZone, year: "numeric", month: "2-digit", day: "2-digit",
    hour: "2-digit", minute: "2-digit", hourCycle: "h23",
  }).format(date);
}

function showVisitorTime() {
  const visitorZone = Intl.DateTimeFormat().resolvedOptions().timeZone;
  const start = new Date(when.dataset.start);
  const end = new Date(when.dataset.end);
  if (!visitorZone || Number.isNaN(start.getTime()) || Number.isNaN(end.getTime())) return;
  try {
    if (wallClock(start, visitorZone) === wallClock(start, when.dataset.zone)) return;
  } catch (error) {
    return; // A zone this browser does not know: the event's own times stand.
  }
  const language = document.documentElement.lang || undefined;
  const format = new Intl.DateTimeFormat(language, {
    weekday: "long", day: "numeric", month: "long", year: "numeric",
    hour: "numeric", minute: "2-digit", timeZone: visitorZone,
  });
  const range = typeof format.formatRange === "function"
    ? format.formatRange(start, end)
    : `${format.format(start)} – ${format.format(end)}`;
  // The zone in words, apart: inside a range the browser may shorten it to "CET".
  const zone = new Intl.DateTimeFormat(language, { timeZone: visitorZone, timeZoneName: "longGeneric" })
    .formatToParts(start).find((part) => part.type === "timeZoneName");
  const text = zone ? `${range}, ${zone.value}` : range;
  line.textContent = `${line.dataset.label}: ${text}`;
  line.hidden = false;
}

if (when && line) showVisitorTime();
