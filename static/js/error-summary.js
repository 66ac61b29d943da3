// After a form error, focus moves to the error summary (GOV.UK pattern), so a keyboard or screen
// reader user lands on what went wrong; each of its links then moves focus to its field.
(function () {
  "use strict";
  function start() {
    var summary = document.querySelector(".error-summary");
    if (!summary) { return; }
    summary.focus();
    summary.addEventListener("click", function (event) {
      var link = event.target.closest("a[href^='#']");
      if (!link) { return; }
      var field = document.getElementById(link.getAttribute("href").slice(1));
      if (!field) { return; }
      event.preventDefault();
      field.focus();
      var label = document.querySelector("label[for='" + field.id + "']");
      (label || field).scrollIntoView();
    });
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
