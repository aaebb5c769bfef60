// Progressive enhancement only: every page works, and every form submits, without this file.
(function () {
  "use strict";

  // "Call back at" matters only for a call-back outcome: hide it otherwise (unless it holds a value,
  // or the server flagged it), so the form stays short on a phone.
  function syncCallBack(form) {
    var outcome = form.querySelector("select[name=outcome]");
    var when = form.querySelector("input[name=call_back_at]");
    if (!outcome || !when) return;
    var wrapper = when.closest("div");
    if (!wrapper) return;
    var needed = outcome.value === "call_back" || when.value || when.getAttribute("aria-invalid") === "true";
    wrapper.hidden = !needed;
  }

  document.addEventListener("change", function (event) {
    if (event.target.name === "outcome" && event.target.form) syncCallBack(event.target.form);
  });

  document.addEventListener("DOMContentLoaded", function () {
    Array.prototype.forEach.call(document.querySelectorAll("form"), syncCallBack);
    // After a refused submit, take keyboard and screen-reader users to the error summary.
    var summary = document.querySelector(".message-error[role=alert]");
    if (summary) summary.focus();
  });
})();
