/* Live signature count and organiser updates on a campaign page. The page works without it. */
(function () {
  "use strict";
  function start() {
    var root = document.querySelector("[data-campaign-live]");
    if (!root || !window.HDS || !window.HDS.liveSocket || !window.WebSocket) return;
    var lastAnnounced = Date.now();
    var countText = root.getAttribute("data-text-count") || "";
    var countTextOne = root.getAttribute("data-text-count-one") || countText;
    var numberLocale = document.documentElement.lang || "de";
    var updateText = root.getAttribute("data-text-update") || "";

    function applyCount(data) {
      var nodes = document.querySelectorAll("[data-campaign-progress]");
      Array.prototype.forEach.call(nodes, function (box) {
        var number = box.querySelector("[data-count]");
        var bar = box.querySelector("progress");
        var percent = box.querySelector("[data-percent]");
        if (number) {
          number.setAttribute("data-count", String(data.count));
          number.textContent = Number(data.count).toLocaleString(numberLocale);
        }
        if (bar) {
          bar.max = data.goal;
          bar.value = Math.min(data.count, data.goal);
          bar.textContent = data.percent + " %";
        }
        if (percent) percent.textContent = String(data.percent);
      });
      var now = Date.now();
      if (now - lastAnnounced > 30000) { /* do not flood screen readers */
        lastAnnounced = now;
        window.HDS.announce(Number(data.count).toLocaleString(numberLocale) + " " + (Number(data.count) === 1 ? countTextOne : countText));
      }
    }

    function addUpdate(event) {
      var list = document.querySelector("[data-updates]");
      if (!list || !event.html) return;
      var empty = list.querySelector("[data-updates-empty]");
      if (empty) empty.remove();
      var holder = document.createElement("div");
      holder.innerHTML = event.html;
      var node = holder.firstElementChild;
      if (node && !document.getElementById(node.id)) list.insertBefore(node, list.firstChild);
      window.HDS.announce(updateText);
    }

    /* "resync": the server's event log no longer reaches back to what this page saw (old events
       are pruned), so replaying would leave a gap. Fetch the page again and swap in its current
       updates and progress; the socket stays open and live events continue. */
    var resyncing = false;
    function resync() {
      if (resyncing || !window.fetch || !window.DOMParser) return;
      resyncing = true;
      window.fetch(window.location.href, { credentials: "same-origin", headers: { Accept: "text/html" } })
        .then(function (response) { return response.ok ? response.text() : Promise.reject(response.status); })
        .then(function (text) {
          var fresh = new DOMParser().parseFromString(text, "text/html");
          ["[data-updates]", "[data-campaign-progress]"].forEach(function (selector) {
            var current = document.querySelectorAll(selector);
            var replacement = fresh.querySelectorAll(selector);
            Array.prototype.forEach.call(current, function (node, i) {
              if (replacement[i]) node.innerHTML = replacement[i].innerHTML;
            });
          });
          root.setAttribute("data-resynced", "true");
        })
        .catch(function () { /* the count stays live; the next reload shows the rest */ })
        .then(function () { resyncing = false; });
    }

    window.HDS.liveSocket(root.getAttribute("data-campaign-live"), {
      lastSeq: parseInt(root.getAttribute("data-last-seq") || "0", 10),
      onEvent: function (event) {
        if (event.type === "campaign.count") applyCount(event.data || {});
        else if (event.type === "campaign.update") addUpdate(event);
        else if (event.type === "resync") resync();
      }
    });
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
