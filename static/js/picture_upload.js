// Picture forms: a file larger than the site takes is refused in the browser,
// before it is sent (the server refuses it too, from the body's length).
for (const input of document.querySelectorAll("input[type=file][data-max-bytes]")) {
  const maxBytes = Number(input.dataset.maxBytes);
  input.addEventListener("change", () => {
    const file = input.files[0];
    input.setCustomValidity(file && file.size > maxBytes ? input.dataset.tooLarge : "");
    input.reportValidity();
  });
}
