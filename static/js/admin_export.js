// The export page's "Select all" box (django-import-export): its inline onchange attribute is
// blocked by the Content Security Policy, so the same handler is bound from this file.
document.querySelectorAll(".select-toggle").forEach((box) => {
  box.addEventListener("change", onSelectToggleChange);
});
