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
});
