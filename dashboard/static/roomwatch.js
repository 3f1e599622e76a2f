/* roomwatch: live refresh of the overview board (vendored, no dependencies).
 * Every data-refresh-seconds the board fragment is fetched and swapped in. When the
 * session has expired (redirect to login) the whole page reloads; when the server cannot
 * be reached a visible warning says so, because stale green is worse than no screen. */
(function () {
  "use strict";
  var board = document.getElementById("board");
  if (!board || !window.fetch) { return; }
  var url = board.getAttribute("data-refresh-url");
  var seconds = parseInt(board.getAttribute("data-refresh-seconds"), 10) || 10;
  var warning = document.getElementById("live-error");
  var busy = false;

  function showError(on) {
    if (warning) { warning.hidden = !on; }
    document.body.classList.toggle("live-failed", on);
  }

  function refresh() {
    if (busy || document.hidden) { return; }
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
        if (html !== null) { board.innerHTML = html; showError(false); }
      })
      .catch(function () { showError(true); })
      .then(function () { busy = false; });
  }

  window.setInterval(refresh, seconds * 1000);
  document.addEventListener("visibilitychange", function () {
    if (!document.hidden) { refresh(); }
  });
})();
