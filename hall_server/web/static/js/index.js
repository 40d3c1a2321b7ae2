/* Landing page: fill in who sits at each counter now (the hall must post officers' names and titles). */
(function () {
  "use strict";
  var M = window.MOTCUA;

  function fill(snap) {
    for (var i = 0; i < snap.counters.length; i++) {
      var k = snap.counters[i];
      var row = document.querySelector('#roster tr[data-counter="' + k.number + '"]');
      if (!row) continue;
      var cell = M.clear(row.querySelector(".officer"));
      var o = k.officer ? M.officer(k.officer) : null;
      if (o) {
        cell.appendChild(M.el("span", "officer-name", o.name));
        cell.appendChild(M.el("span", "officer-title", o.title));
      } else {
        cell.appendChild(M.el("span", "muted", M.t("no_officer")));
      }
      var status = row.querySelector(".status");
      status.textContent = M.t(k.status);
      status.className = "status st-" + k.status;
    }
  }

  M.api("GET", "/snapshot").then(function (res) {
    if (res.ok) fill(res.body);
  });
})();
