// The assistant panel: open/close (Escape closes, focus goes to the input and back to the toggle), the
// page's product sent as context, and after each reply the input cleared, refocused and the log scrolled.
// Sending itself is htmx (hx-post on the form); without JavaScript the toggle is a link to /assistant/.
(function () {
  "use strict";

  function init() {
    var root = document.querySelector("[data-assistant]");
    var product = document.querySelector("[data-view-product]");
    if (product) {
      document.querySelectorAll("[data-assistant-product]").forEach(function (input) {
        input.value = product.getAttribute("data-view-product");
      });
    }
    if (!root) return;
    var toggle = root.querySelector("[data-assistant-toggle]");
    var panel = document.getElementById(toggle.getAttribute("aria-controls"));
    var input = panel.querySelector("input[name=text]");

    function open() {
      panel.hidden = false;
      toggle.setAttribute("aria-expanded", "true");
      input.focus();
    }
    function close() {
      panel.hidden = true;
      toggle.setAttribute("aria-expanded", "false");
      toggle.focus();
    }
    toggle.addEventListener("click", function (e) {
      e.preventDefault();
      if (panel.hidden) open(); else close();
    });
    panel.querySelector("[data-assistant-close]").addEventListener("click", close);
    panel.addEventListener("keydown", function (e) {
      if (e.key === "Escape") close();
    });
  }

  document.addEventListener("htmx:afterSwap", function (e) {
    var log = e.detail.target;
    if (!log || log.getAttribute("role") !== "log") return;
    log.scrollTop = log.scrollHeight;
    var form = log.parentNode.querySelector("[data-assistant-form]");
    var input = form && form.querySelector("input[name=text]");
    if (input && e.detail.requestConfig && e.detail.requestConfig.verb === "post") {
      input.value = "";
      input.focus();
    }
  });

  // Too many messages (429, JSON with "detail"): htmx swaps nothing on an error, so say so in the log.
  document.addEventListener("htmx:responseError", function (e) {
    var xhr = e.detail.xhr;
    var log = e.detail.target;
    if (!xhr || xhr.status !== 429 || !log || log.getAttribute("role") !== "log") return;
    var detail = "Too many messages. Please wait a moment.";
    try {
      detail = JSON.parse(xhr.responseText).detail || detail;
    } catch (err) {}
    var notice = document.createElement("div");
    notice.className = "assistant-msg assistant-msg--notice";
    notice.setAttribute("role", "alert");
    var text = document.createElement("p");
    text.textContent = detail;
    notice.appendChild(text);
    log.appendChild(notice);
    log.scrollTop = log.scrollHeight;
  });

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
