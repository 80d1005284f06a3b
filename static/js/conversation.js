// The conversation of a group's or an event's page. The forms work without
// this; it asks before a post is deleted or removed, and keeps a reply box
// open with its text field focused.

for (const form of document.querySelectorAll(".conversation form[data-confirm]")) {
  form.addEventListener("submit", (event) => {
    if (!window.confirm(form.dataset.confirm)) event.preventDefault();
  });
}

for (const box of document.querySelectorAll(".conversation details.reply-box")) {
  box.addEventListener("toggle", () => {
    if (box.open) box.querySelector("textarea")?.focus();
  });
}

// A second click on "Post" while the first is on its way sends nothing twice.
for (const form of document.querySelectorAll(".conversation form.post-form")) {
  form.addEventListener("submit", () => {
    const button = form.querySelector("button[type=submit]");
    if (button) window.setTimeout(() => { button.disabled = true; }, 0);
  });
}
