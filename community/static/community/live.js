/*
 * Live forum: progressive enhancement over HDS.liveSocket (hds_site/static/js/site.js).
 * Protocol and event types: docs/realtime.md. Every page works without this file.
 *
 * - thread page   (#thread-live):   new/changed posts from the server-rendered html,
 *                                   "… schreibt gerade", viewer count
 * - category page (#category-live): "N neue Beiträge" in #new-posts-notice (not inserted)
 * - header badge  (#notification-badge): unread count of the member's notifications
 *
 * Loaded on forum pages and by the header badge on every page: runs once.
 */
(function () {
  "use strict";
  var HDS = window.HDS;
  if (!HDS || !HDS.liveSocket || HDS.communityLive) return;
  HDS.communityLive = true;

  var TYPING_SEND_INTERVAL = 3000; /* the server accepts one typing event per 3 s */
  var TYPING_SHOW_FOR = 5000;
  var THREAD_NOTICES = {
    "thread.locked": ["locked", true],
    "thread.unlocked": ["unlocked", true],
    "thread.pinned": ["pinned", false],
    "thread.unpinned": ["unpinned", false],
    "thread.moved": ["moved", true]
  };

  var lang = (document.documentElement.getAttribute("lang") || "de").slice(0, 2);
  var STRINGS = {
    de: {
      newReply: "Neue Antwort von {name}",
      newReplyAnon: "Neue Antwort",
      typing: "{name} schreibt gerade …",
      typingMany: "{n} Personen schreiben gerade …",
      newPosts1: "1 neuer Beitrag – neu laden",
      newPostsN: "{n} neue Beiträge – neu laden",
      notification: "Neue Benachrichtigung: {text}",
      notificationPlain: "Neue Benachrichtigung",
      locked: "Dieses Thema wurde geschlossen.",
      unlocked: "Dieses Thema ist wieder offen.",
      pinned: "Dieses Thema wurde angeheftet.",
      unpinned: "Dieses Thema ist nicht mehr angeheftet.",
      moved: "Dieses Thema wurde verschoben.",
      accepted: "Eine Antwort wurde als Lösung markiert.",
      resync: "Es gibt Änderungen, die nicht live angezeigt werden können – bitte neu laden.",
      reload: "neu laden",
      solution: "Lösung",
      newerPage: "Neue Antworten auf der letzten Seite",
      reloaded: "Die Beiträge wurden neu geladen."
    },
    en: {
      newReply: "New reply from {name}",
      newReplyAnon: "New reply",
      typing: "{name} is typing …",
      typingMany: "{n} people are typing …",
      newPosts1: "1 new post – reload",
      newPostsN: "{n} new posts – reload",
      notification: "New notification: {text}",
      notificationPlain: "New notification",
      locked: "This thread has been locked.",
      unlocked: "This thread is open again.",
      pinned: "This thread has been pinned.",
      unpinned: "This thread is no longer pinned.",
      moved: "This thread has been moved.",
      accepted: "An answer has been marked as the solution.",
      resync: "There are changes that cannot be shown live – please reload.",
      reload: "reload",
      solution: "Solution",
      newerPage: "New replies on the last page",
      reloaded: "The posts have been reloaded."
    }
  };
  function t(key, values) {
    var table = STRINGS[lang] || STRINGS.de;
    var text = table[key] || STRINGS.de[key] || key;
    values = values || {};
    return text.replace(/\{(\w+)\}/g, function (_, name) {
      return values[name] === undefined ? "" : String(values[name]);
    });
  }

  function intAttr(el, name) {
    var value = parseInt(el.getAttribute(name) || "0", 10);
    return isNaN(value) ? 0 : value;
  }

  /* Top-level elements of a server-rendered html fragment. */
  function fragmentElements(html) {
    var template = document.createElement("template");
    template.innerHTML = html || "";
    return Array.prototype.filter.call(template.content.childNodes, function (node) {
      return node.nodeType === 1;
    });
  }

  function statusNotice(root, text, withReload) {
    var notice = document.getElementById("live-status");
    if (!notice) {
      notice = document.createElement("p");
      notice.id = "live-status";
      notice.className = "info-box live-status";
      root.insertBefore(notice, root.firstChild);
    }
    notice.textContent = text + " ";
    if (withReload) {
      var link = document.createElement("a");
      link.href = window.location.href;
      link.textContent = t("reload");
      notice.appendChild(link);
    }
    HDS.announce(text);
  }

  /* ---- thread page ------------------------------------------------------ */

  function initThread(root) {
    var list = document.getElementById("post-list");
    var typingEl = document.getElementById("typing-indicator");
    var viewersEl = document.getElementById("viewer-count");
    var onLastPage = root.getAttribute("data-last-page") !== "false";
    var typists = {}; /* user id -> {name, until} */
    var typingTimer = null;
    var socket;

    function findPost(data, element) {
      if (element && element.id) {
        var byId = document.getElementById(element.id);
        if (byId) return byId;
      }
      if (data && data.post_id !== undefined && data.post_id !== null && list) {
        var byPk = list.querySelector('[data-post-id="' + String(data.post_id).replace(/[^0-9]/g, "") + '"]');
        if (byPk) return byPk;
      }
      if (data && data.number && list) {
        return document.getElementById("post-" + String(data.number).replace(/[^0-9]/g, ""));
      }
      return null;
    }

    /* Live html is rendered for a neutral viewer, without a CSRF token: lend it the page's. */
    function lendCsrfToken(element) {
      var token = document.querySelector('input[name="csrfmiddlewaretoken"]');
      if (!token) return;
      Array.prototype.forEach.call(element.querySelectorAll('form[method="post"]'), function (form) {
        if (!form.querySelector('input[name="csrfmiddlewaretoken"]')) form.insertBefore(token.cloneNode(), form.firstChild);
      });
    }

    /* Replace the posts the html carries; with insert=true append the ones not yet on the page.
       Returns the elements that were inserted or replaced. */
    function applyPostHtml(event, insert) {
      if (!list) return [];
      var changed = [];
      fragmentElements(event.html).forEach(function (element, index) {
        var existing = findPost(index === 0 ? event.data : null, element);
        if (existing) {
          lendCsrfToken(element);
          existing.replaceWith(element);
          changed.push(element);
        } else if (insert && onLastPage) {
          lendCsrfToken(element);
          list.appendChild(element);
          changed.push(element);
        }
      });
      return changed;
    }

    function authorOf(element) {
      var author = element && element.querySelector(".post-author");
      return author ? author.textContent.replace(/\s+/g, " ").trim() : "";
    }

    function isOwn(element) {
      var me = root.getAttribute("data-viewer-id");
      return !!(me && element && element.getAttribute("data-author-id") === me);
    }

    function updateReactions(data) {
      var post = findPost(data, null);
      if (!post || !data.counts) return;
      Object.keys(data.counts).forEach(function (kind) {
        var button = post.querySelector('.reaction[data-kind="' + kind.replace(/[^a-z]/g, "") + '"] .reaction-count');
        if (button) button.textContent = String(data.counts[kind]);
      });
    }

    function renderTyping() {
      if (!typingEl) return;
      var now = Date.now();
      var names = [];
      Object.keys(typists).forEach(function (id) {
        if (typists[id].until > now) names.push(typists[id].name);
        else delete typists[id];
      });
      var text = "";
      if (names.length === 1) text = t("typing", { name: names[0] });
      else if (names.length > 1) text = t("typingMany", { n: names.length });
      if (typingEl.textContent !== text) typingEl.textContent = text;
      window.clearTimeout(typingTimer);
      if (names.length) typingTimer = window.setTimeout(renderTyping, 1000);
    }

    /* "resync": the server's log no longer reaches back to what this page saw (old events are
       pruned, or too much was missed). Swap in the current posts from a fresh copy of the page;
       the reply form, and a draft in it, stays as it is. */
    var reloading = false;
    function reloadPosts() {
      if (reloading) return;
      if (!list) { statusNotice(root, t("resync"), true); return; }
      reloading = true;
      fetchFresh("post-list").then(function (fresh) {
        if (!fresh) throw new Error("no post list");
        list.innerHTML = fresh.innerHTML;
        HDS.announce(t("reloaded"));
      }).catch(function () {
        statusNotice(root, t("resync"), true);
      }).then(function () { reloading = false; });
    }

    function onEvent(event) {
      var data = event.data || {};
      switch (event.type) {
        case "post.created":
        case "post.approved":
          var added = applyPostHtml(event, true);
          if (!onLastPage) {
            statusNotice(root, t("newerPage"), true);
          } else if (added.length && !isOwn(added[0])) {
            var name = authorOf(added[0]);
            HDS.announce(name ? t("newReply", { name: name }) : t("newReplyAnon"));
          }
          if (added.length) {
            var authorId = added[0].getAttribute("data-author-id");
            if (authorId && typists[authorId]) {
              delete typists[authorId];
              renderTyping();
            }
          }
          break;
        case "post.edited":
        case "post.deleted":
        case "post.hidden":
        case "post.unhidden":
          applyPostHtml(event, false);
          break;
        case "reaction.changed":
          if (event.html) applyPostHtml(event, false);
          else updateReactions(data);
          break;
        case "answer.accepted":
          markAccepted(data);
          if (data.post_id) HDS.announce(t("accepted"));
          break;
        case "thread.locked":
        case "thread.unlocked":
        case "thread.pinned":
        case "thread.unpinned":
        case "thread.moved":
          if (event.type === "thread.locked") root.setAttribute("data-can-post", "false");
          /* text key and whether the page should be reloaded, per thread event */
          statusNotice(root, t(THREAD_NOTICES[event.type][0]), THREAD_NOTICES[event.type][1]);
          break;
        case "typing":
          if (data.user_id !== undefined && data.name) {
            typists[data.user_id] = { name: data.name, until: Date.now() + TYPING_SHOW_FOR };
            renderTyping();
          }
          break;
        case "viewers":
          if (viewersEl && typeof data.count === "number") viewersEl.textContent = String(data.count);
          break;
        case "resync":
          reloadPosts();
          break;
        default:
          break;
      }
    }

    /* Move the "accepted" mark (class and badge) to the new answer, or remove it. */
    function markAccepted(data) {
      if (!list) return;
      Array.prototype.forEach.call(list.querySelectorAll(".post.is-accepted"), function (post) {
        post.classList.remove("is-accepted");
        var badge = post.querySelector(".post-head .badge-accepted");
        if (badge) badge.remove();
      });
      if (data.post_id === null || data.post_id === undefined) return;
      var post = findPost({ post_id: data.post_id, number: data.number }, null);
      if (!post) return;
      post.classList.add("is-accepted");
      var head = post.querySelector(".post-head");
      if (head && !head.querySelector(".badge-accepted")) {
        var badge = document.createElement("span");
        badge.className = "badge badge-accepted";
        badge.textContent = "✓ " + t("solution");
        head.appendChild(badge);
      }
    }

    socket = HDS.liveSocket(root.getAttribute("data-ws-path"), {
      lastSeq: intAttr(root, "data-last-seq"),
      onEvent: onEvent
    });

    if (root.getAttribute("data-can-post") === "true") {
      var lastTyping = 0;
      var textarea = root.querySelector("textarea") || document.querySelector("#reply-form textarea, form.reply-form textarea");
      if (textarea) {
        textarea.addEventListener("input", function () {
          var now = Date.now();
          if (now - lastTyping < TYPING_SEND_INTERVAL) return;
          if (root.getAttribute("data-can-post") !== "true") return;
          lastTyping = now;
          socket.send({ type: "typing" });
        });
      }
    }
  }

  /* ---- category and group pages ------------------------------------------- */

  /* Fetch this page again and return the element with the given id from it (or null). */
  function fetchFresh(id) {
    if (!window.fetch || !window.DOMParser) return Promise.reject(new Error("unsupported"));
    return window.fetch(window.location.href, { credentials: "same-origin", headers: { Accept: "text/html" } })
      .then(function (response) { return response.ok ? response.text() : Promise.reject(response.status); })
      .then(function (text) { return new DOMParser().parseFromString(text, "text/html").getElementById(id); });
  }

  function initCategory(root) {
    var notice = document.getElementById("new-posts-notice");
    var count = 0;
    HDS.liveSocket(root.getAttribute("data-ws-path"), {
      lastSeq: intAttr(root, "data-last-seq"),
      onEvent: function (event) {
        if (event.type === "resync" && notice) {
          /* the log no longer reaches back to this page: offer a reload, without a count */
          notice.textContent = "";
          var reload = document.createElement("a");
          reload.href = window.location.pathname + window.location.search;
          reload.textContent = t("resync");
          notice.appendChild(reload);
          notice.hidden = false;
          return;
        }
        if (event.type !== "thread.activity") return;
        count += 1;
        if (!notice) return;
        var link = notice.querySelector("a");
        if (!link) {
          notice.textContent = "";
          link = document.createElement("a");
          link.href = window.location.pathname + window.location.search;
          notice.appendChild(link);
        }
        /* the notice is a role="status" live region: changing it announces it */
        link.textContent = count === 1 ? t("newPosts1") : t("newPostsN", { n: count });
        notice.hidden = false;
      }
    });
  }

  /* ---- notification badge ------------------------------------------------- */

  function initBadge(badge) {
    HDS.liveSocket(badge.getAttribute("data-ws-path"), {
      lastSeq: intAttr(badge, "data-last-seq"),
      onEvent: function (event) {
        var data = event.data || {};
        if (typeof data.unread_count === "number") {
          badge.textContent = String(data.unread_count);
          badge.classList.toggle("badge-empty", data.unread_count === 0);
        }
        if (event.type === "notification.created") {
          HDS.announce(data.text ? t("notification", { text: data.text }) : t("notificationPlain"));
        }
      }
    });
  }

  function init() {
    var thread = document.getElementById("thread-live");
    if (thread && thread.getAttribute("data-ws-path")) initThread(thread);
    var category = document.getElementById("category-live");
    if (category && category.getAttribute("data-ws-path")) initCategory(category);
    var badge = document.getElementById("notification-badge");
    if (badge && badge.getAttribute("data-ws-path")) initBadge(badge);
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
