/*
 * Suggestions as you type for every search input with data-suggest-url
 * (the header box). Progressive enhancement: without this script the form
 * simply submits to /suche/.
 *
 * ARIA 1.2 combobox pattern: the input gets role=combobox, aria-expanded,
 * aria-controls and aria-activedescendant; the list is role=listbox with
 * role=option items. Keys: ArrowDown/ArrowUp move, Enter opens the active
 * suggestion (or submits the form when none is active), Escape closes.
 */
(function () {
  "use strict";

  var TEXT = {
    de: { label: "Vorschläge", none: "Keine Vorschläge", count: function (n) { return n === 1 ? "1 Vorschlag verfügbar" : n + " Vorschläge verfügbar"; } },
    en: { label: "Suggestions", none: "No suggestions", count: function (n) { return n === 1 ? "1 suggestion available" : n + " suggestions available"; } }
  };
  var DEBOUNCE_MS = 180;
  var MIN_CHARS = 2;

  function strings() {
    var lang = (document.documentElement.lang || "de").slice(0, 2);
    return TEXT[lang] || TEXT.de;
  }

  function announce(text) {
    if (window.HDS && window.HDS.announce) window.HDS.announce(text);
  }

  function setup(input, index) {
    var url = input.getAttribute("data-suggest-url");
    var form = input.form;
    if (!url || !form) return;
    var t = strings();
    var listId = "search-suggestions-" + index;
    var list = document.createElement("ul");
    list.id = listId;
    list.className = "suggestions";
    list.setAttribute("role", "listbox");
    list.setAttribute("aria-label", t.label);
    list.hidden = true;
    form.appendChild(list);

    input.setAttribute("role", "combobox");
    input.setAttribute("aria-autocomplete", "list");
    input.setAttribute("aria-expanded", "false");
    input.setAttribute("aria-controls", listId);

    var items = [];
    var active = -1;
    var timer = null;
    var controller = null;
    var lastQuery = "";

    function close() {
      list.hidden = true;
      input.setAttribute("aria-expanded", "false");
      input.removeAttribute("aria-activedescendant");
      active = -1;
    }

    function highlight(i) {
      items.forEach(function (el, j) { el.setAttribute("aria-selected", j === i ? "true" : "false"); });
      active = i;
      if (i >= 0) {
        input.setAttribute("aria-activedescendant", items[i].id);
        items[i].scrollIntoView({ block: "nearest" });
      } else {
        input.removeAttribute("aria-activedescendant");
      }
    }

    function render(suggestions) {
      list.textContent = "";
      items = suggestions.map(function (s, i) {
        var li = document.createElement("li");
        li.id = listId + "-" + i;
        li.setAttribute("role", "option");
        li.setAttribute("aria-selected", "false");
        li.dataset.url = s.url;
        var title = document.createElement("span");
        title.textContent = s.title;  /* textContent: never HTML */
        li.appendChild(title);
        if (s.type_label) {
          var type = document.createElement("span");
          type.className = "suggestion-type";
          type.textContent = s.type_label;
          li.appendChild(type);
        }
        li.addEventListener("mousedown", function (event) { event.preventDefault(); });
        li.addEventListener("click", function () { window.location.assign(s.url); });
        list.appendChild(li);
        return li;
      });
      active = -1;
      if (items.length) {
        list.hidden = false;
        input.setAttribute("aria-expanded", "true");
        announce(t.count(items.length));
      } else {
        close();
      }
    }

    function fetchSuggestions() {
      var q = input.value.trim();
      if (q === lastQuery) return;
      lastQuery = q;
      if (q.length < MIN_CHARS) { render([]); return; }
      if (controller) controller.abort();
      controller = typeof AbortController === "function" ? new AbortController() : null;
      fetch(url + "?q=" + encodeURIComponent(q), {
        headers: { Accept: "application/json" },
        credentials: "same-origin",
        signal: controller ? controller.signal : undefined
      })
        .then(function (response) { return response.ok ? response.json() : { suggestions: [] }; })
        .then(function (data) { if (input.value.trim() === q) render(data.suggestions || []); })
        .catch(function () { /* aborted or offline: keep the plain form */ });
    }

    input.addEventListener("input", function () {
      window.clearTimeout(timer);
      timer = window.setTimeout(fetchSuggestions, DEBOUNCE_MS);
    });
    input.addEventListener("keydown", function (event) {
      if (event.key === "ArrowDown") {
        if (list.hidden && items.length) { list.hidden = false; input.setAttribute("aria-expanded", "true"); }
        if (items.length) { event.preventDefault(); highlight((active + 1) % items.length); }
      } else if (event.key === "ArrowUp") {
        if (items.length && !list.hidden) { event.preventDefault(); highlight(active <= 0 ? items.length - 1 : active - 1); }
      } else if (event.key === "Enter") {
        if (!list.hidden && active >= 0) { event.preventDefault(); window.location.assign(items[active].dataset.url); }
      } else if (event.key === "Escape") {
        if (!list.hidden) { event.preventDefault(); close(); }
      }
    });
    input.addEventListener("blur", function () { window.setTimeout(close, 150); });
  }

  function init() {
    var inputs = document.querySelectorAll("input[data-suggest-url]");
    Array.prototype.forEach.call(inputs, setup);
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
