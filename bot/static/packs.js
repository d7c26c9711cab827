// 台账: while a pack is queued or being built, read the page again every few seconds
// and show its packs' status (排队中 → 生成中 N/M 个单位 → 已完成 with its link).
(function () {
  "use strict";
  var EVERY = 3000;
  function poll() {
    var section = document.getElementById("packs");
    if (!section || !section.hasAttribute("data-pending")) { return; }
    window.setTimeout(function () {
      fetch(window.location.href, { credentials: "same-origin", cache: "no-store" })
        .then(function (resp) { return resp.ok ? resp.text() : Promise.reject(resp.status); })
        .then(function (html) {
          var fresh = new DOMParser().parseFromString(html, "text/html").getElementById("packs");
          if (fresh) { section.replaceWith(fresh); }
          poll();
        })
        .catch(function () { poll(); });
    }, EVERY);
  }
  poll();
}());
