/* The header search box as an ARIA 1.2 combobox (list autocomplete, aria-activedescendant).
 * htmx fetches the listbox of suggestions (hx-get on the input); this adds what htmx cannot: the
 * expanded state, arrow keys, Enter on a suggestion, Escape. Focus stays in the text box throughout.
 * Without this file, or without JavaScript at all, the box is a plain search field in a GET form. */
(function () {
  "use strict";

  function isCombobox(el) {
    return !!el && el.nodeType === 1 && el.getAttribute("role") === "combobox";
  }

  function listboxOf(input) {
    return document.getElementById(input.getAttribute("aria-controls"));
  }

  function optionsOf(input) {
    var listbox = listboxOf(input);
    return listbox ? Array.prototype.slice.call(listbox.querySelectorAll('[role="option"]')) : [];
  }

  function activeIndex(options) {
    for (var i = 0; i < options.length; i++) {
      if (options[i].getAttribute("aria-selected") === "true") return i;
    }
    return -1;
  }

  function setActive(input, options, index) {
    options.forEach(function (option, i) {
      option.setAttribute("aria-selected", i === index ? "true" : "false");
    });
    if (index >= 0) {
      input.setAttribute("aria-activedescendant", options[index].id);
      options[index].scrollIntoView({ block: "nearest" });
    } else {
      input.removeAttribute("aria-activedescendant");
    }
  }

  function setOpen(input, open) {
    var listbox = listboxOf(input);
    var options = optionsOf(input);
    var expanded = open && options.length > 0;
    if (listbox) listbox.hidden = !expanded;
    input.setAttribute("aria-expanded", expanded ? "true" : "false");
    if (!expanded) setActive(input, options, -1);
  }

  document.addEventListener("keydown", function (event) {
    var input = event.target;
    if (!isCombobox(input) || event.altKey || event.ctrlKey || event.metaKey) return;
    var options = optionsOf(input);
    var expanded = input.getAttribute("aria-expanded") === "true";
    var current = activeIndex(options);
    if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      if (!options.length) return;
      event.preventDefault();
      if (!expanded) {
        setOpen(input, true);
        current = -1;
      }
      var next;
      if (event.key === "ArrowDown") {
        next = current + 1 >= options.length ? 0 : current + 1;
      } else {
        // Up from the first suggestion goes back to the text; up from the text goes to the last.
        next = current === 0 ? -1 : current < 0 ? options.length - 1 : current - 1;
      }
      setActive(input, options, next);
    } else if (event.key === "Enter") {
      if (expanded && current >= 0) {
        event.preventDefault();
        window.location.assign(options[current].href);
      }
    } else if (event.key === "Escape") {
      if (expanded) {
        event.preventDefault(); // a first Escape closes the list; a second clears the box (browser default)
        setOpen(input, false);
      }
    } else if (event.key === "Tab") {
      setOpen(input, false);
    }
  });

  // A new listbox arrived: show it only while its text box still has focus (the shopper may have moved on).
  document.addEventListener("htmx:afterSettle", function () {
    document.querySelectorAll('[role="combobox"][aria-controls]').forEach(function (input) {
      setOpen(input, document.activeElement === input);
    });
  });

  // Clicking a suggestion must not take focus from the box (which would close the list before the click lands).
  document.addEventListener("mousedown", function (event) {
    if (event.target.closest && event.target.closest('[role="listbox"].suggest')) event.preventDefault();
  });

  document.addEventListener("focusin", function (event) {
    if (isCombobox(event.target)) setOpen(event.target, true);
  });

  document.addEventListener("focusout", function (event) {
    if (!isCombobox(event.target)) return;
    var listbox = listboxOf(event.target);
    if (!listbox || !listbox.contains(event.relatedTarget)) setOpen(event.target, false);
  });

  // Back from a suggestion's page (bfcache): the list must not be left hanging open.
  window.addEventListener("pageshow", function () {
    document.querySelectorAll('[role="combobox"][aria-controls]').forEach(function (input) {
      setOpen(input, false);
    });
  });
})();
