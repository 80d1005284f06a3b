// Share links (templates/share_links.html): a button that copies the page's
// link, and the phone's own share sheet (Web Share API) where the browser has
// one. Without JavaScript the buttons stay hidden and the link can be copied
// from its field by hand.

async function copyText(input) {
  if (navigator.clipboard && window.isSecureContext) {
    await navigator.clipboard.writeText(input.value);
    return;
  }
  // Plain HTTP (no Clipboard API): the selection and the old copy command.
  input.focus();
  input.select();
  if (!document.execCommand("copy")) throw new Error("copy refused");
}

for (const section of document.querySelectorAll("section.share")) {
  const input = section.querySelector(".share-link input");
  const copy = section.querySelector("button.copy-link");
  const status = section.querySelector(".copy-status");
  if (input && copy && status) {
    copy.hidden = false;
    copy.addEventListener("click", async () => {
      try {
        await copyText(input);
        status.textContent = copy.dataset.copied;
      } catch {
        input.focus();
        input.select();
        status.textContent = copy.dataset.failed;
      }
    });
  }
  const share = section.querySelector("button.share-native");
  if (share && input && typeof navigator.share === "function") {
    share.hidden = false;
    share.addEventListener("click", () => {
      // A dismissed share sheet rejects: nothing to report.
      navigator.share({ title: share.dataset.title, url: input.value }).catch(() => {});
    });
  }
}
