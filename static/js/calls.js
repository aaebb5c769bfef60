// Call desk keyboard shortcuts: plain keys pick the outcome and the assessment, never while
// typing in a text field; Escape leaves a text field; Ctrl+Enter saves from anywhere.
// With htmx, "Save and next" answers with the next member's screen in place of this one: the
// handlers below look the form up on each key press, and focus moves to the new member's name.
(function () {
  "use strict";

  var TEXT_TYPES = ["text", "email", "search", "tel", "url", "number", "password", "date", "datetime-local", "time"];

  function isTyping(el) {
    if (!el || !el.tagName) return false;
    if (el.isContentEditable || el.tagName === "TEXTAREA" || el.tagName === "SELECT") return true;
    return el.tagName === "INPUT" && TEXT_TYPES.indexOf((el.type || "text").toLowerCase()) !== -1;
  }

  function callForm() {
    return document.querySelector("form[data-call-form]");
  }

  function syncCallBack(form) {
    var callBack = form && form.querySelector("[data-call-back]");
    if (!callBack) return;
    var chosen = form.querySelector('input[name="outcome"]:checked');
    var show = (chosen && chosen.value === "call_back") || callBack.querySelector(".errorlist");
    callBack.classList.toggle("is-hidden", !show);
  }

  document.addEventListener("change", function (event) {
    var form = event.target.form;
    if (form && form.hasAttribute("data-call-form")) syncCallBack(form);
  });

  document.addEventListener("keydown", function (event) {
    var form = callForm();
    if (!form) return;
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
      event.preventDefault();
      if (!form.querySelector("button[type=submit]:disabled")) form.requestSubmit();
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
    var callBackInput = form.querySelector("[data-call-back] input");
    if (outcome && outcome.value === "call_back" && callBackInput) {
      callBackInput.focus();
    } else {
      choice.focus();
    }
  });

  // A refused call (400) comes back as the same screen with its errors: show it.
  document.addEventListener("htmx:beforeSwap", function (event) {
    var form = event.detail.requestConfig && event.detail.requestConfig.elt;
    if (event.detail.xhr.status === 400 && form && form.hasAttribute && form.hasAttribute("data-call-form")) {
      event.detail.shouldSwap = true;
      event.detail.isError = false;
    }
  });

  // After a swap the focused element is gone: take keyboard and screen-reader users to the
  // first error, or else to the new member's name.
  document.addEventListener("htmx:afterSettle", function () {
    var form = callForm();
    if (!form) return;
    syncCallBack(form);
    var target = form.querySelector("[role=alert]") || document.querySelector("#call-desk .errorlist");
    if (target && target.closest) {
      var field = target.closest("fieldset, .field");
      var input = field && field.querySelector("input, textarea, select");
      target = input || target;
    }
    target = target || document.getElementById("member-name");
    if (target) target.focus();
  });

  function init() {
    syncCallBack(callForm());
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
