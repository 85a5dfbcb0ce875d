// A page restored from the back-forward cache shows what it held when it was left; fragments that should be
// fresh (recommendation rows) listen for "shopguide:restored" on window (hx-trigger="... from:window").
// This replaces the hx-trigger filter "pageshow[persisted]", which htmx can only evaluate with eval, and the
// Content-Security-Policy allows no eval.
(function () {
  "use strict";
  window.addEventListener("pageshow", function (e) {
    if (e.persisted) window.dispatchEvent(new CustomEvent("shopguide:restored"));
  });
})();
