// Small enhancements only: every page works without this file.
"use strict";
document.addEventListener("DOMContentLoaded", () => {
  // Bring the outcome of the last action into view and into the reader's attention.
  const status = document.querySelector('[role="status"], [role="alert"]');
  if (status) {
    status.setAttribute("tabindex", "-1");
    status.focus({ preventScroll: false });
  }
  // Filters apply as soon as a choice is made.
  for (const select of document.querySelectorAll("select[data-autosubmit]")) {
    select.addEventListener("change", () => select.form && select.form.requestSubmit());
  }
  // Copy buttons: shown only where the script runs, they put a value on the clipboard.
  for (const button of document.querySelectorAll("button[data-copy]")) {
    const source = document.getElementById(button.dataset.copy);
    if (!source || !navigator.clipboard) continue;
    button.hidden = false;
    button.addEventListener("click", async () => {
      const label = button.textContent;
      await navigator.clipboard.writeText(source.textContent.trim());
      button.textContent = "Copied";
      setTimeout(() => { button.textContent = label; }, 2000);
    });
  }
  // The console's menu on a phone: its Menu button shows or hides it (the stylesheet hides
  // the button on a wide screen, and the menu while the button says it is collapsed).
  // Escape folds it again and gives the focus back to the button.
  for (const toggle of document.querySelectorAll("button.menu-toggle[aria-controls]")) {
    const menu = document.getElementById(toggle.getAttribute("aria-controls"));
    if (!menu) continue;
    const open = () => toggle.getAttribute("aria-expanded") === "true";
    toggle.hidden = false;
    toggle.addEventListener("click", () => toggle.setAttribute("aria-expanded", String(!open())));
    menu.addEventListener("keydown", (event) => {
      if (event.key !== "Escape" || !open() || toggle.offsetParent === null) return;
      toggle.setAttribute("aria-expanded", "false");
      toggle.focus();
    });
  }
  // A live preview: while a template is typed, its Preview button is pressed for the reader
  // (the preview opens in the page's frame; nothing is saved).
  for (const form of document.querySelectorAll("form[data-live-preview]")) {
    const button = form.querySelector("[data-preview]");
    if (!button) continue;
    let timer = null;
    form.addEventListener("input", () => {
      clearTimeout(timer);
      timer = setTimeout(() => form.requestSubmit(button), 400);
    });
  }
});
