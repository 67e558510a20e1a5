/* Progressive enhancement shared by all pages. Every page works without it. */
(function () {
  "use strict";
  window.HDS = window.HDS || {};

  /* Announce a message to screen readers through the shared live region. */
  window.HDS.announce = function (text) {
    var region = document.getElementById("live-announcer");
    if (!region) return;
    region.textContent = "";
    window.setTimeout(function () { region.textContent = text; }, 50);
  };

  /*
   * A WebSocket that reconnects with exponential backoff and resumes from the
   * last sequence number it saw: HDS.liveSocket(path, {onEvent, onOpen, onClose, lastSeq}).
   * Close codes 4401/4403/4404 (see docs/realtime.md) end it for good (onClose(code)).
   * The server replays missed events after {"type": "resume", "seq": N}.
   */
  var PERMANENT_CLOSE_CODES = [4401, 4403, 4404];
  window.HDS.liveSocket = function (path, options) {
    options = options || {};
    var lastSeq = options.lastSeq || 0;
    var attempt = 0;
    var socket = null;
    var closed = false;
    var api = {
      send: function (obj) { if (socket && socket.readyState === 1) socket.send(JSON.stringify(obj)); },
      close: function () { closed = true; if (socket) socket.close(); },
      get lastSeq() { return lastSeq; }
    };
    function connect() {
      var scheme = window.location.protocol === "https:" ? "wss://" : "ws://";
      socket = new WebSocket(scheme + window.location.host + path);
      socket.onopen = function () {
        attempt = 0;
        socket.send(JSON.stringify({ type: "resume", seq: lastSeq }));
        if (options.onOpen) options.onOpen(api);
      };
      socket.onmessage = function (message) {
        var event;
        try { event = JSON.parse(message.data); } catch (e) { return; }
        if (typeof event.seq === "number") {
          if (event.seq <= lastSeq) return; /* already seen */
          lastSeq = event.seq;
        } else if (event.type === "resync" && event.data && typeof event.data.last_seq === "number") {
          /* the log could not fill the gap: the page fetches its current state (onEvent), and from here on
             the server counts from its last_seq – also when that is below ours (a restored database) */
          lastSeq = event.data.last_seq;
        }
        if (options.onEvent) options.onEvent(event, api);
      };
      socket.onclose = function (close) {
        if (closed) return;
        /* 4401/4403/4404: not signed in, not allowed, not found – retrying will not help */
        if (close && PERMANENT_CLOSE_CODES.indexOf(close.code) !== -1) {
          closed = true;
          if (options.onClose) options.onClose(close.code, api);
          return;
        }
        attempt += 1;
        var delay = Math.min(30000, 500 * Math.pow(2, attempt)) * (0.75 + Math.random() * 0.5);
        window.setTimeout(connect, delay);
      };
    }
    connect();
    return api;
  };
})();
