// The import's page: polls the job's progress (JSON) every second and moves
// the bar and the counts until the job is done or failed, then reloads the
// page once for the report of bad rows. Text goes in through textContent.
const box = document.getElementById("import-progress");

function show(job) {
  document.getElementById("import-bar").value = job.progress;
  document.getElementById("import-percent").textContent = `${job.progress}%`;
  document.getElementById("import-status").textContent = job.status_display;
  for (const [id, key] of [
    ["import-total", "total_rows"],
    ["import-created", "created_rows"],
    ["import-duplicates", "duplicate_rows"],
    ["import-problems", "problem_rows"],
  ]) {
    document.getElementById(id).textContent = String(job[key]);
  }
  const error = document.getElementById("import-error");
  error.textContent = job.error;
  // static/css/admin_imports.css hides it while hidden (the admin's CSS
  // alone would show an .errornote whatever its hidden attribute says).
  error.hidden = !job.error;
}

async function poll() {
  try {
    const response = await fetch(box.dataset.url, { headers: { Accept: "application/json" } });
    if (response.ok) {
      const job = await response.json();
      show(job);
      if (job.finished) {
        box.dataset.finished = "true";
        if (job.problem_rows > 0 && !document.getElementById("import-report")) {
          window.location.reload();
        }
        return;
      }
    }
  } catch (error) {
    // The server is restarting or the network dropped: try again below.
  }
  setTimeout(poll, 1000);
}

if (box && box.dataset.finished !== "true") {
  poll();
}
