// Confirmation for destructive POST buttons (forms carrying data-confirm); no inline handlers (CSP).
document.addEventListener("submit", function (event) {
  var form = event.target;
  if (form.dataset && form.dataset.confirm && !window.confirm(form.dataset.confirm)) {
    event.preventDefault();
  }
});
// htmx sends the CSRF token from the meta tag on every non-GET request.
document.addEventListener("htmx:configRequest", function (event) {
  var meta = document.querySelector('meta[name="csrf-token"]');
  if (meta) { event.detail.headers["X-CSRFToken"] = meta.content; }
});
// "Cetak" buttons on printable pages (data-print): the browser's print dialog.
document.addEventListener("click", function (event) {
  var button = event.target.closest ? event.target.closest("[data-print]") : null;
  if (button) { event.preventDefault(); window.print(); }
});
