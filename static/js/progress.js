// Progress pages: refuse an oversized evidence file before uploading it (the server checks too),
// and tick/untick every row of the review queue.  No inline handlers (CSP).
document.addEventListener("submit", function (event) {
  var form = event.target;
  if (!form.classList || !form.classList.contains("js-upload")) { return; }
  var max = parseInt(form.dataset.maxBytes || "0", 10);
  var input = form.querySelector('input[type="file"]');
  if (max && input && input.files && input.files[0] && input.files[0].size > max) {
    event.preventDefault();
    window.alert(form.dataset.tooLarge || "File too large");
  }
});
document.addEventListener("change", function (event) {
  var box = event.target;
  if (!box.classList || !box.classList.contains("js-select-all")) { return; }
  document.querySelectorAll('input[name="sel"]').forEach(function (other) { other.checked = box.checked; });
});
