/* roomwatch: live refresh of the overview board and the alarm console (vendored, no
 * dependencies). Every element with data-refresh-url is refetched each
 * data-refresh-seconds and its fragment swapped in. A region is left alone while someone
 * types in it (an acknowledgement comment is never wiped). When the session has expired
 * (redirect to login) the whole page reloads; when the server cannot be reached a visible
 * warning says so, because stale green is worse than no screen. */
(function () {
  "use strict";
  if (!window.fetch || !document.querySelectorAll) { return; }
  var regions = document.querySelectorAll("[data-refresh-url]");
  var warning = document.getElementById("live-error");

  function showError(on) {
    if (warning) { warning.hidden = !on; }
    document.body.classList.toggle("live-failed", on);
  }

  function editing(region) {
    var active = document.activeElement;
    if (active && active !== document.body && region.contains(active)) { return true; }
    var fields = region.querySelectorAll("input[type=text], input:not([type]), textarea");
    for (var i = 0; i < fields.length; i++) {
      if (fields[i].value) { return true; }
    }
    return false;
  }

  function watch(region) {
    var url = region.getAttribute("data-refresh-url");
    var seconds = parseInt(region.getAttribute("data-refresh-seconds"), 10) || 10;
    var busy = false;

    function refresh() {
      if (busy || document.hidden || editing(region)) { return; }
      busy = true;
      fetch(url, { credentials: "same-origin", headers: { "X-Requested-With": "fetch" } })
        .then(function (resp) {
          if (resp.redirected || resp.status === 401 || resp.status === 403) {
            window.location.reload();
            return null;
          }
          if (!resp.ok) { throw new Error("HTTP " + resp.status); }
          return resp.text();
        })
        .then(function (html) {
          if (html !== null && !editing(region)) { region.innerHTML = html; showError(false); }
        })
        .catch(function () { showError(true); })
        .then(function () { busy = false; });
    }

    window.setInterval(refresh, seconds * 1000);
    document.addEventListener("visibilitychange", function () {
      if (!document.hidden) { refresh(); }
    });
  }

  for (var i = 0; i < regions.length; i++) { watch(regions[i]); }
})();
