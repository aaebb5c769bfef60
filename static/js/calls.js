// Call desk keyboard shortcuts: plain keys pick the outcome and the assessment, never while
// typing in a text field; Escape leaves a text field; Ctrl+Enter saves from anywhere.
(function () {
  "use strict";

  var TEXT_TYPES = ["text", "email", "search", "tel", "url", "number", "password", "date", "datetime-local", "time"];

  function isTyping(el) {
    if (!el || !el.tagName) return false;
    if (el.isContentEditable || el.tagName === "TEXTAREA" || el.tagName === "SELECT") return true;
    return el.tagName === "INPUT" && TEXT_TYPES.indexOf((el.type || "text").toLowerCase()) !== -1;
  }

  function init() {
    var form = document.querySelector("form[data-call-form]");
    if (!form) return;
    var callBack = form.querySelector("[data-call-back]");
    var callBackInput = callBack && callBack.querySelector("input");

    function syncCallBack() {
      if (!callBack) return;
      var chosen = form.querySelector('input[name="outcome"]:checked');
      var show = (chosen && chosen.value === "call_back") || callBack.querySelector(".errorlist");
      callBack.classList.toggle("is-hidden", !show);
    }
    form.addEventListener("change", syncCallBack);
    syncCallBack();

    document.addEventListener("keydown", function (event) {
      if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
        event.preventDefault();
        form.requestSubmit();
        return;
      }
      if (event.key === "Escape" && isTyping(event.target)) {
        event.target.blur();
        return;
      }
      if (event.ctrlKey || event.metaKey || event.altKey || event.isComposing) return;
      if (isTyping(event.target) || event.key.length !== 1) return;
      var key = event.key.toLowerCase();
      var outcome = form.querySelector('input[name="outcome"][data-key="' + key + '"]');
      var level = form.querySelector('input[name="assessment"][data-key="' + key + '"]');
      var choice = outcome || level;
      if (!choice) return;
      event.preventDefault();
      choice.checked = true;
      choice.dispatchEvent(new Event("change", { bubbles: true }));
      if (outcome && outcome.value === "call_back" && callBackInput) {
        callBackInput.focus();
      } else {
        choice.focus();
      }
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
