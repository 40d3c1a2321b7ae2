/* Supervisor console: the live hall, alerts, and the supervisor's actions.
 *
 * Two sources, merged on the page:
 *  - the live hall over Socket.IO (MOTCUA.live: snapshot + numbered events): counter status,
 *    officers, fields, current tickets, queue lengths; plus `alerts` (devices), `wait_alerts`
 *    and `notice` events;
 *  - GET /api/v1/supervisor/hall every 10 s and shortly after events: today's figures, waiting
 *    tickets, the alerts with suggestions. GET /api/v1/supervisor/audit for the audit log.
 * Every action goes through the REST API with the CSRF header and a fresh Idempotency-Key.
 * Window.MOTCUA.supervisor exposes {live, view(), refresh()} for tests.
 */
(function () {
  "use strict";
  var M = window.MOTCUA;
  var P = M.page || {};
  var T = P.text || {};
  var $ = function (id) { return document.getElementById(id); };
  var REFRESH_MS = 10000;

  function st(key, fmt) {
    var s = Object.prototype.hasOwnProperty.call(T, key) ? T[key] : M.t(key);
    if (fmt) {
      for (var k in fmt) {
        if (Object.prototype.hasOwnProperty.call(fmt, k)) s = s.split("{" + k + "}").join(fmt[k]);
      }
    }
    return s;
  }
  var EN = M.lang === "en";

  var view = null;          // the last /supervisor/hall answer
  var state = null;         // the live hall (snapshot + events)
  var deviceAlerts = [];
  var waitAlerts = [];
  var confirming = {id: null, until: 0};

  // ------------------------------------------------------------------ helpers
  function flash(node, text, kind) {
    if (!node) return;
    node.textContent = text;
    node.className = "sc-msg " + (kind || "ok");
    node.hidden = false;
    clearTimeout(node._timer);
    node._timer = setTimeout(function () { node.hidden = true; }, kind === "bad" ? 10000 : 4000);
  }

  function minutesText(minutes) {
    if (minutes === null || minutes === undefined) return "–";
    return Math.floor(minutes) + " " + st("minutes_short");
  }
  function percent(share) {
    return share === null || share === undefined ? "–" : Math.round(share * 100) + "%";
  }
  function officerName(id) {
    var o = id ? M.officer(id) : null;
    return o ? o.name : (id || "");
  }
  /* "26/11 14:05:09" in the centre's time zone. */
  var stampParts = (function () {
    try {
      return new Intl.DateTimeFormat("en-GB", {timeZone: M.centre.timezone, day: "2-digit", month: "2-digit",
        hour: "2-digit", minute: "2-digit", second: "2-digit", hour12: false});
    } catch (e) {
      return new Intl.DateTimeFormat("en-GB", {day: "2-digit", month: "2-digit", hour: "2-digit", minute: "2-digit",
        second: "2-digit", hour12: false});
    }
  })();
  var stamp = {format: function (d) {
    var p = {}, parts = stampParts.formatToParts(d);
    for (var i = 0; i < parts.length; i++) p[parts[i].type] = parts[i].value;
    return p.day + "/" + p.month + " " + p.hour + ":" + p.minute + ":" + p.second;
  }};

  /* Send one request; on success refresh soon. Resolves the API result. */
  function send(method, path, body, msgNode, okText) {
    return M.api(method, path, body, {idempotencyKey: M.newKey()}).then(function (res) {
      if (res.ok) {
        if (okText !== null) flash(msgNode, okText || st("saved"), "ok");
        schedule(250);
      } else if (res.status === 401) {
        window.location.href = (M.base || "") + "/login?next=" + encodeURIComponent(location.pathname + location.search);
      } else {
        var msg = M.errorText(res);
        if (res.body && res.body.message && res.status < 500) msg += " (" + res.body.message + ")";
        flash(msgNode, msg, "bad");
      }
      return res;
    });
  }

  /* Several requests one after another; stops at the first refusal. */
  function chain(steps, msgNode, okText) {
    var i = 0;
    function next() {
      if (i >= steps.length) {
        flash(msgNode, okText || st("saved"), "ok");
        return null;
      }
      var s = steps[i++];
      return send(s[0], s[1], s[2], msgNode, null).then(function (res) { return res.ok ? next() : res; });
    }
    return next();
  }

  function liveCounter(number) {
    if (!state) return null;
    for (var i = 0; i < state.counters.length; i++) {
      if (state.counters[i].number === number) return state.counters[i];
    }
    return null;
  }
  function effectiveFields(c) { return c.pending_fields || c.fields || []; }

  // ------------------------------------------------------------------ counters (live)
  var cards = {};
  var nodes = document.querySelectorAll("#counters .sc");
  for (var n = 0; n < nodes.length; n++) {
    cards[nodes[n].getAttribute("data-counter")] = nodes[n];
  }

  function renderCounters() {
    if (!state) return;
    var seats = {};
    for (var i = 0; i < state.counters.length; i++) {
      if (state.counters[i].officer) seats[state.counters[i].officer] = state.counters[i].number;
    }
    for (var j = 0; j < state.counters.length; j++) {
      var c = state.counters[j];
      var card = cards[String(c.number)];
      if (!card) continue;
      card.className = "sc sc-" + c.status + (c.current ? " sc-busy" : "");
      var badge = card.querySelector(".sc-status");
      M.setText(badge, M.t(c.status));
      badge.className = "badge sc-status st-" + c.status;
      var name = card.querySelector(".sc-officer-name");
      M.setText(name, c.officer ? officerName(c.officer) : M.t("no_officer"));
      name.classList.toggle("muted", !c.officer);
      var po = card.querySelector(".sc-pending-officer");
      po.hidden = !c.has_pending_officer;
      if (c.has_pending_officer) {
        M.setText(po, c.pending_officer ? "→ " + st("pending_officer") + ": " + officerName(c.pending_officer)
          : "→ " + st("pending_leave"));
      }
      M.setText(card.querySelector(".sc-fields"), (c.fields || []).map(M.fieldName).join(", "));
      var pf = card.querySelector(".sc-pending-fields");
      pf.hidden = !c.pending_fields;
      if (c.pending_fields) M.setText(pf, M.t("pending_fields") + ": " + c.pending_fields.map(M.fieldName).join(", "));
      var cur = c.current;
      M.setText(card.querySelector(".sc-code"), cur ? cur.code : "–");
      M.setText(card.querySelector(".sc-state"), cur ? M.t(cur.state) : st("nobody_at_counter"));
      var q = 0, f = effectiveFields(c);
      for (var k = 0; k < f.length; k++) q += state.waiting[f[k]] || 0;
      M.setText(card.querySelector(".sc-queue"), q);
      var open = card.querySelector('[data-act="toggle-open"]');
      M.setText(open, c.status === "closed" ? M.t("open_counter") : M.t("close_counter"));
      var pause = card.querySelector('[data-act="toggle-pause"]');
      M.setText(pause, c.status === "paused" ? M.t("resume") : M.t("pause"));
      pause.disabled = c.status === "closed";
      card.querySelector('[data-act="unassign"]').disabled = !c.officer && !c.has_pending_officer;
      var select = card.querySelector(".sc-officer-select");
      for (var o = 1; o < select.options.length; o++) {
        var opt = select.options[o];
        var base = officerName(opt.value);
        var seat = seats[opt.value];
        var label = base + " – " + (seat ? st("seated_at", {n: seat}) : st("not_seated"));
        if (opt.textContent !== label) opt.textContent = label;
      }
      var details = card.querySelector(".sc-fields-form");
      if (!details.open) syncChecks(card, c);
    }
    tick();
  }

  function syncChecks(card, c) {
    var f = effectiveFields(c);
    var boxes = card.querySelectorAll(".sc-checks input");
    for (var i = 0; i < boxes.length; i++) boxes[i].checked = f.indexOf(boxes[i].value) >= 0;
  }

  function onCardClick(e) {
    var btn = e.target.closest ? e.target.closest("[data-act]") : null;
    if (!btn) return;
    var card = btn.closest(".sc");
    var number = parseInt(card.getAttribute("data-counter"), 10);
    var c = liveCounter(number);
    if (!c) return;
    var msg = card.querySelector(".sc-msg");
    var base = "/counters/" + number;
    var act = btn.getAttribute("data-act");
    if (act === "toggle-open") {
      send("POST", base + (c.status === "closed" ? "/open" : "/close"), null, msg);
    } else if (act === "toggle-pause") {
      send("POST", base + (c.status === "paused" ? "/resume" : "/pause"), null, msg);
    } else if (act === "assign") {
      var select = card.querySelector(".sc-officer-select");
      if (!select.value) {
        flash(msg, st("pick_officer_first"), "bad");
        select.focus();
        return;
      }
      send("PUT", base + "/officer", {officer: select.value}, msg).then(function (res) {
        if (res.ok) select.value = "";
      });
    } else if (act === "unassign") {
      send("DELETE", base + "/officer", null, msg);
    } else if (act === "fields") {
      var chosen = [];
      var boxes = card.querySelectorAll(".sc-checks input");
      for (var i = 0; i < boxes.length; i++) if (boxes[i].checked) chosen.push(boxes[i].value);
      if (!chosen.length) {
        flash(msg, st("pick_one_field"), "bad");
        return;
      }
      send("PUT", base + "/fields", {fields: chosen}, msg, st("saved_next_call")).then(function (res) {
        if (res.ok) card.querySelector(".sc-fields-form").open = false;
      });
    }
  }
  $("counters").addEventListener("click", onCardClick);
  var forms = document.querySelectorAll(".sc-fields-form");
  for (var d = 0; d < forms.length; d++) {
    forms[d].addEventListener("toggle", function () {
      var card = this.closest(".sc");
      var c = liveCounter(parseInt(card.getAttribute("data-counter"), 10));
      if (this.open && c) syncChecks(card, c);
    });
  }

  // ------------------------------------------------------------------ fields (live + figures)
  function renderFields() {
    var rows = document.querySelectorAll("#fields tbody tr");
    var byCode = {};
    if (view) for (var i = 0; i < view.fields.length; i++) byCode[view.fields[i].code] = view.fields[i];
    var target = (view && view.wait_target_minutes) || P.target || 15;
    for (var r = 0; r < rows.length; r++) {
      var row = rows[r], code = row.getAttribute("data-field");
      var f = byCode[code];
      var waiting = state ? state.waiting[code] || 0 : (f ? f.waiting : 0);
      M.setText(row.querySelector(".fd-waiting"), waiting);
      row.classList.toggle("has-waiting", waiting > 0);
      if (!f) continue;
      M.setText(row.querySelector(".fd-mean"), f.mean_wait_today === null ? "–" : minutesText(f.mean_wait_today));
      M.setText(row.querySelector(".fd-served"), f.served_today);
      var sl = row.querySelector(".fd-sl");
      M.setText(sl, percent(f.service_level_today));
      sl.className = "num fd-sl" + (f.service_level_today === null ? "" : f.service_level_today >= 0.8 ? " good" : " bad");
      M.setText(row.querySelector(".fd-counters"), f.counters.length ? f.counters.join(", ") : "–");
      row.classList.toggle("unserved", waiting > 0 && !f.counters.length);
      row.setAttribute("data-target", target);
    }
    tick();
  }

  function tick() {
    var now = M.now();
    if (view) {
      var target = view.wait_target_minutes;
      for (var i = 0; i < view.fields.length; i++) {
        var f = view.fields[i];
        var row = document.querySelector('#fields tr[data-field="' + f.code + '"]');
        if (!row) continue;
        var waiting = state ? state.waiting[f.code] || 0 : f.waiting;
        var minutes = f.oldest_issued_at && waiting ? (now - Date.parse(f.oldest_issued_at)) / 60000 : null;
        M.setText(row.querySelector(".fd-longest"), minutes === null ? "–" : minutesText(minutes));
        row.classList.toggle("over", minutes !== null && minutes > target);
      }
    }
    if (state) {
      for (var j = 0; j < state.counters.length; j++) {
        var c = state.counters[j];
        var card = cards[String(c.number)];
        if (!card) continue;
        var cur = c.current;
        var since = cur ? (cur.state === "serving" ? cur.serving_at || cur.called_at : cur.called_at) : null;
        M.setText(card.querySelector(".sc-timer"), since ? M.fmtDuration((now - Date.parse(since)) / 1000) : "");
      }
    }
  }
  setInterval(tick, 1000);

  // ------------------------------------------------------------------ figures, waiting tickets
  function renderView() {
    if (!view) return;
    M.setText($("kpi-issued"), view.today.issued);
    M.setText($("kpi-served"), view.today.served);
    M.setText($("kpi-waiting"), view.today.waiting);
    M.setText($("kpi-wait"), minutesText(view.today.mean_wait));
    M.setText($("kpi-sl"), percent(view.today.service_level));
    M.setText($("updated"), stamp.format(new Date(M.now())));
    for (var i = 0; i < view.counters.length; i++) {
      var c = view.counters[i];
      var card = cards[String(c.number)];
      if (card) M.setText(card.querySelector(".sc-served"), c.served_today);
    }
    renderFields();
    renderWaiting();
  }

  function renderWaiting() {
    var list = M.clear($("waiting"));
    var filter = $("waiting-filter").value;
    var shown = 0;
    var tickets = view ? view.waiting_tickets : [];
    M.setText($("waiting-count"), tickets.length);
    for (var i = 0; i < tickets.length; i++) {
      var tk = tickets[i];
      if (filter && tk.field !== filter) continue;
      shown++;
      var li = M.el("li", "wt");
      li.setAttribute("data-ticket", tk.id);
      li.appendChild(M.el("span", "wt-code", tk.code));
      var info = M.el("span", "wt-info", M.fieldName(tk.field));
      if (tk.priority) info.appendChild(M.el("span", "wt-prio", " · " + M.priorityName(tk.priority)));
      if (tk.transfers) info.appendChild(M.el("span", "wt-prio", " · " + st("transferred")));
      li.appendChild(info);
      var minutes = (M.now() - Date.parse(tk.issued_at)) / 60000;
      var waited = M.el("span", "wt-waited" + (minutes > view.wait_target_minutes ? " over" : ""),
        st("waited") + " " + minutesText(minutes));
      li.appendChild(waited);
      var btn = M.el("button", "btn sm quiet wt-cancel", st("cancel_ticket"));
      btn.type = "button";
      btn.setAttribute("data-ticket", tk.id);
      if (confirming.id === tk.id && Date.now() < confirming.until) {
        btn.textContent = st("confirm_cancel");
        btn.classList.add("confirm");
      }
      li.appendChild(btn);
      list.appendChild(li);
    }
    if (!shown) list.appendChild(M.el("li", "muted", st("no_waiting")));
  }
  $("waiting-filter").addEventListener("change", renderWaiting);
  $("waiting").addEventListener("click", function (e) {
    var btn = e.target.closest ? e.target.closest(".wt-cancel") : null;
    if (!btn) return;
    var id = parseInt(btn.getAttribute("data-ticket"), 10);
    if (confirming.id !== id || Date.now() > confirming.until) {
      confirming = {id: id, until: Date.now() + 5000};
      btn.textContent = st("confirm_cancel");
      btn.classList.add("confirm");
      setTimeout(function () { if (confirming.id === id) renderWaiting(); }, 5100);
      return;
    }
    confirming = {id: null, until: 0};
    btn.disabled = true;
    send("POST", "/tickets/" + id + "/cancel", null, $("waiting-msg"));
  });

  // ------------------------------------------------------------------ alerts
  function describe(s) {
    var field = M.fieldName(s.field);
    if (s.action === "resume_counter") return st("do_resume", {n: s.counter});
    if (s.action === "open_counter") return st("do_open", {n: s.counter}) + (s.add_field ? " + " + field : "");
    if (s.action === "seat_officer") return st("do_seat", {n: s.counter, officer: officerName(s.officer)}) +
      (s.add_field ? " + " + field : "");
    return st("do_add_field", {n: s.counter, field: field});
  }

  var alertNotes = {};  // alert id -> {text, cls, until}: an answer outlives the alert list being redrawn

  function applySuggestion(alertId, s, msg) {
    var base = "/counters/" + s.counter;
    var c = liveCounter(s.counter);
    var fields = c ? effectiveFields(c).slice() : [];
    if (fields.indexOf(s.field) < 0) fields.push(s.field);
    var steps = [];
    if (s.action === "resume_counter") steps.push(["POST", base + "/resume", null]);
    if (s.action === "seat_officer") steps.push(["PUT", base + "/officer", {officer: s.officer}]);
    if (s.add_field || s.action === "add_field") steps.push(["PUT", base + "/fields", {fields: fields}]);
    if (s.action === "open_counter" || s.action === "seat_officer") steps.push(["POST", base + "/open", null]);
    return Promise.resolve(chain(steps, msg)).then(function () {
      alertNotes[alertId] = {text: msg.textContent, cls: msg.className, until: Date.now() + 8000};
    });
  }

  function renderAlerts() {
    var list = M.clear($("alerts"));
    var all = waitAlerts.concat(deviceAlerts);
    M.setText($("alert-count"), all.length ? all.length : "");
    $("alerts").parentNode.classList.toggle("has-alerts", all.length > 0);
    if (!all.length) {
      list.appendChild(M.el("li", "alert-none", st("no_alerts")));
      return;
    }
    for (var i = 0; i < all.length; i++) {
      var a = all[i];
      var li = M.el("li", "alert sev-" + (a.severity || "warning"));
      li.setAttribute("data-alert", a.id);
      li.setAttribute("data-kind", a.kind);
      li.appendChild(M.el("p", "alert-msg", EN && a.message_en ? a.message_en : a.message_vi));
      var action = EN && a.action_en ? a.action_en : a.action_vi;
      if (action) {
        var p = M.el("p", "alert-action");
        p.appendChild(M.el("strong", null, st("what_to_do") + ": "));
        p.appendChild(document.createTextNode(action));
        li.appendChild(p);
      }
      var sugg = a.suggestions || [];
      if (sugg.length) {
        var row = M.el("div", "alert-buttons");
        var msg = M.el("p", "sc-msg");
        var note = alertNotes[a.id];
        msg.hidden = !(note && note.until > Date.now());
        if (!msg.hidden) {
          msg.textContent = note.text;
          msg.className = note.cls;
        }
        for (var j = 0; j < Math.min(2, sugg.length); j++) {
          var b = M.el("button", "btn sm", describe(sugg[j]));
          b.type = "button";
          b.setAttribute("data-suggestion", sugg[j].action + ":" + sugg[j].counter);
          b.addEventListener("click", (function (id, s, m) {
            return function () { applySuggestion(id, s, m); };
          })(a.id, sugg[j], msg));
          row.appendChild(b);
        }
        li.appendChild(row);
        li.appendChild(msg);
      }
      list.appendChild(li);
    }
  }

  // ------------------------------------------------------------------ notice
  var noticeText = $("notice-text");
  function showNotice(text) {
    M.setText($("notice-now"), text || st("notice_none"));
    if (document.activeElement !== noticeText) noticeText.value = text || "";
  }
  $("notice-save").addEventListener("click", function () {
    send("PUT", "/notice", {text: noticeText.value}, $("notice-msg"), st("notice_saved")).then(function (res) {
      if (res.ok) showNotice(res.body.text);
    });
  });
  $("notice-clear").addEventListener("click", function () {
    noticeText.value = "";
    send("PUT", "/notice", {text: ""}, $("notice-msg"), st("notice_saved")).then(function (res) {
      if (res.ok) showNotice("");
    });
  });

  // ------------------------------------------------------------------ audit log
  function auditDetail(d) {
    var parts = [];
    if (d.counter !== undefined && d.counter !== null) parts.push(st("counter_word") + " " + d.counter);
    if (d.ticket_code) parts.push(st("ticket") + " " + d.ticket_code);
    else if (d.ticket !== undefined && d.ticket !== null) parts.push(st("ticket") + " #" + d.ticket);
    if (d.officer) parts.push(st("officer_word") + " " + officerName(d.officer));
    if (d.fields) parts.push(d.fields.map(M.fieldName).join(", "));
    if (d.field) parts.push(M.fieldName(d.field));
    if (d.text !== undefined) parts.push(d.text ? "«" + d.text + "»" : "—");
    return parts.join(" · ");
  }

  function loadAudit() {
    return M.api("GET", "/supervisor/audit?limit=100").then(function (res) {
      if (!res.ok) return;
      var body = M.clear(document.querySelector("#audit tbody"));
      var rows = res.body.rows || [];
      for (var i = 0; i < rows.length; i++) {
        var r = rows[i];
        var tr = M.el("tr", r.outcome === "ok" ? "" : "refused");
        tr.setAttribute("data-action", r.action);
        tr.appendChild(M.el("td", "nowrap", stamp.format(new Date(r.at))));
        tr.appendChild(M.el("td", null, r.actor));
        tr.appendChild(M.el("td", null, st("act_" + r.action) === "act_" + r.action ? r.action : st("act_" + r.action)));
        tr.appendChild(M.el("td", null, auditDetail(r.detail || {})));
        var out = r.outcome === "ok" ? st("result_ok") : (M.text["err_" + r.outcome] || r.outcome);
        tr.appendChild(M.el("td", null, out));
        body.appendChild(tr);
      }
    });
  }

  // ------------------------------------------------------------------ refresh
  var timer = null, timerAt = 0;
  function refresh() {
    timer = null;
    return M.api("GET", "/supervisor/hall").then(function (res) {
      if (res.status === 401) {
        window.location.href = (M.base || "") + "/login?next=" + encodeURIComponent(location.pathname);
        return;
      }
      if (!res.ok) return;
      view = res.body;
      waitAlerts = view.alerts || [];
      deviceAlerts = view.device_alerts || [];
      renderView();
      renderAlerts();
      showNotice(view.notice);
      return loadAudit();
    });
  }
  function schedule(delay) {
    var at = Date.now() + delay;
    if (timer && timerAt <= at) return;
    clearTimeout(timer);
    timerAt = at;
    timer = setTimeout(refresh, delay);
  }
  setInterval(function () { schedule(0); }, REFRESH_MS);

  var live = M.live({
    onChange: function (s) {
      state = s;
      renderCounters();
      renderFields();
    },
    onSnapshot: function (s) {
      if (s.alerts) {
        deviceAlerts = s.alerts;
        renderAlerts();
      }
      if (typeof s.notice === "string") showNotice(s.notice);
    },
    onEvent: function () { schedule(600); },
    onStatus: function (online) {
      M.showOffline(!online);
      if (online) schedule(0);
    }
  });
  live.socket.on("alerts", function (list) {
    deviceAlerts = list || [];
    renderAlerts();
  });
  live.socket.on("wait_alerts", function (list) {
    waitAlerts = list || [];
    renderAlerts();
  });
  live.socket.on("notice", function (data) {
    if (data && typeof data.text === "string") showNotice(data.text);
  });

  M.supervisor = {live: live, view: function () { return view; }, refresh: refresh};
  refresh();
})();
