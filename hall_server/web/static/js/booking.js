/* Booked appointments: book a slot (/booking), check in at the kiosk (/checkin), the day's list (/bookings).
 *
 * Refusals show the server's Vietnamese reason (details.message_vi), which carries the times
 * ("you can check in from 08:45"), or the text for the error code in English.
 */
(function () {
  "use strict";
  var M = window.MOTCUA;
  var P = M.page;
  var $ = function (id) { return document.getElementById(id); };
  for (var k in P.text) {
    if (Object.prototype.hasOwnProperty.call(P.text, k)) M.text[k] = P.text[k];
  }

  function reason(res) {
    var d = res && res.body && res.body.details;
    if (M.lang !== "en" && d && d.message_vi) return d.message_vi;
    return M.errorText(res);
  }

  function say(id, text) {
    var box = $(id);
    box.textContent = text || "";
    box.hidden = !text;
  }

  function fmtDay(iso) {
    var p = iso.split("-");
    return M.fmtDate(new Date(Date.UTC(+p[0], +p[1] - 1, +p[2], 12)));
  }

  function statusBadge(node, status) {
    M.setText(node, M.t("st_" + status));
    node.className = "badge bs-" + status;
  }

  // ------------------------------------------------------------------ /booking
  function bookPage() {
    var form = $("bk-form"), fieldSel = $("bk-field"), daySel = $("bk-day"), slotsBox = $("bk-slots");
    var chosenStart = null, busy = false, slotRequest = 0;

    function showBooking(b) {
      $("bk-form-box").hidden = true;
      $("bk-result").hidden = false;
      $("bk-result-title").hidden = !b.qr_png || b.status !== "booked" || !!P.code;
      M.setText($("bk-result-code"), b.code_display);
      var qr = $("bk-qr");
      qr.hidden = !(b.qr_png && b.status === "booked");
      if (b.qr_png) qr.src = b.qr_png;
      $("bk-keep").hidden = b.status !== "booked";
      M.setText($("bk-r-field"), M.lang === "en" ? b.field_name_en : b.field_name);
      M.setText($("bk-r-when"), b.start + "–" + b.end + ", " + fmtDay(b.day));
      M.setText($("bk-r-name"), b.name);
      M.setText($("bk-r-phone"), b.phone_masked);
      statusBadge($("bk-r-status"), b.status);
      $("bk-r-ticket-row").hidden = !b.ticket_code;
      if (b.ticket_code) {
        var a = $("bk-r-ticket");
        M.setText(a, b.ticket_code + " – " + M.t("b_track"));
        a.href = M.base + "/t/" + encodeURIComponent(b.tracking_id);
      }
      M.setText($("bk-r-checkin"), b.status === "booked" ? M.t("b_checkin_from")
        .replace("{from}", M.fmtTime(b.checkin_opens_at)).replace("{to}", M.fmtTime(b.checkin_closes_at)) : "");
      var cancel = $("bk-cancel");
      cancel.hidden = b.status !== "booked";
      cancel.setAttribute("data-code", b.code);
    }

    var armed = false;
    $("bk-cancel").addEventListener("click", function (e) {
      var button = e.currentTarget;
      if (!armed) {
        armed = true;
        M.setText(button, M.t("b_confirm_cancel"));
        setTimeout(function () { armed = false; M.setText(button, M.t("b_cancel")); }, 4000);
        return;
      }
      armed = false;
      M.api("POST", "/bookings/" + encodeURIComponent(button.getAttribute("data-code")) + "/cancel").then(function (res) {
        M.setText(button, M.t("b_cancel"));
        if (res.ok) {
          showBooking(res.body);
          say("bk-r-msg", M.t("b_cancelled"));
        } else {
          say("bk-r-msg", reason(res));
        }
      });
    });

    function renderSlots(slots) {
      M.clear(slotsBox);
      chosenStart = null;
      var any = false;
      for (var i = 0; i < slots.length; i++) {
        var s = slots[i];
        var b = M.el("button", "bk-slot");
        b.type = "button";
        b.setAttribute("aria-pressed", "false");
        b.setAttribute("data-start", s.start);
        b.appendChild(document.createTextNode(s.start + "–" + s.end));
        b.appendChild(M.el("small", null, s.bookable ? M.t("b_left").replace("{n}", s.left) : M.t("b_full")));
        b.disabled = !s.bookable;
        if (s.bookable) any = true;
        b.addEventListener("click", function (e) {
          var all = slotsBox.querySelectorAll(".bk-slot");
          for (var j = 0; j < all.length; j++) all[j].setAttribute("aria-pressed", "false");
          e.currentTarget.setAttribute("aria-pressed", "true");
          chosenStart = e.currentTarget.getAttribute("data-start");
        });
        slotsBox.appendChild(b);
      }
      $("bk-no-slots").hidden = any || !fieldSel.value;
    }

    function loadSlots() {
      var mine = ++slotRequest;
      if (!fieldSel.value || !daySel.value) { renderSlots([]); return; }
      M.api("GET", "/booking/slots?field=" + encodeURIComponent(fieldSel.value) + "&day=" + daySel.value)
        .then(function (res) {
          if (mine !== slotRequest) return;
          if (res.ok) renderSlots(res.body.slots); else say("bk-msg", reason(res));
        });
    }
    fieldSel.addEventListener("change", loadSlots);
    daySel.addEventListener("change", loadSlots);

    form.addEventListener("submit", function (e) {
      e.preventDefault();
      if (busy) return;
      say("bk-msg", "");
      if (!fieldSel.value || !chosenStart) { say("bk-msg", M.t("b_choose_slot")); return; }
      busy = true;
      var body = {field: fieldSel.value, day: daySel.value, start: chosenStart,
                  name: $("bk-name").value, phone: $("bk-phone").value};
      M.api("POST", "/bookings", body).then(function (res) {
        busy = false;
        if (res.ok) {
          showBooking(res.body);
          if (window.history && window.history.replaceState) {
            window.history.replaceState(null, "", res.body.manage_path);
          }
        } else {
          say("bk-msg", reason(res));
          if (res.body && (res.body.error === "slot_full" || res.body.error === "slot_closed")) loadSlots();
        }
      });
    });

    if (P.code) {
      M.api("GET", "/bookings/" + encodeURIComponent(P.code)).then(function (res) {
        if (res.ok) { showBooking(res.body); return; }
        $("bk-form-box").hidden = false;
        say("bk-msg", reason(res));
        start();
      });
    } else {
      $("bk-form-box").hidden = false;
      start();
    }

    function start() {
      M.api("GET", "/booking/options").then(function (res) {
        if (!res.ok) { say("bk-msg", reason(res)); return; }
        var o = res.body;
        if (!o.enabled || !o.days.length) {
          say("bk-closed", o.enabled ? M.t("b_no_days") : M.t("b_disabled"));
          form.hidden = true;
          return;
        }
        for (var i = 0; i < o.fields.length; i++) {
          var f = o.fields[i];
          var opt = M.el("option", null, f.prefix + " – " + (M.lang === "en" && f.name_en ? f.name_en : f.name));
          opt.value = f.code;
          fieldSel.appendChild(opt);
        }
        for (var j = 0; j < o.days.length; j++) {
          var d = M.el("option", null, fmtDay(o.days[j]));
          d.value = o.days[j];
          daySel.appendChild(d);
        }
      });
    }
  }

  // ------------------------------------------------------------------ /checkin
  function checkinPage() {
    var token = P.device_token || "";
    var opts = token ? {token: token} : {};
    var input = $("ck-code"), busy = false, resetTimer = null;
    var SHOW_MS = 10000;

    function reset() {
      $("ck-result").hidden = true;
      $("ck-form-box").hidden = false;
      input.value = "";
      input.focus();
    }

    $("ck-form").addEventListener("submit", function (e) {
      e.preventDefault();
      if (busy) return;
      var code = input.value.replace(/[\s\-_.]/g, "").toUpperCase();
      var last = code.lastIndexOf("/");  // a scanned link: keep what follows the last slash
      if (last >= 0) code = code.slice(last + 1);
      if (!/^[A-HJKMNP-Z2-9]{8}$/.test(code)) { say("ck-msg", M.t("checkin_bad_code")); return; }
      busy = true;
      say("ck-msg", "");
      M.api("POST", "/bookings/" + code + "/check-in", null, opts).then(function (res) {
        busy = false;
        if (!res.ok) {
          say("ck-msg", res.status === 401 || res.status === 403 ? M.t("kiosk_not_set_up") : reason(res));
          input.select();
          return;
        }
        var t = res.body.ticket;
        M.setText($("ck-ticket"), t.code);
        M.setText($("ck-field"), M.fieldName(t.field));
        M.setText($("ck-ahead"), M.t("people_ahead") + ": " + t.people_ahead + " " + M.t("people"));
        $("ck-form-box").hidden = true;
        $("ck-result").hidden = false;
        clearTimeout(resetTimer);
        resetTimer = setTimeout(reset, SHOW_MS);
      });
    });
    $("ck-result").addEventListener("click", function () { clearTimeout(resetTimer); reset(); });
  }

  // ------------------------------------------------------------------ /bookings (staff)
  function staffPage() {
    var supervisor = P.role === "supervisor" || P.role === "admin";

    function render(body) {
      var counts = M.clear($("bks-counts"));
      ["booked", "checked_in", "cancelled", "no_show"].forEach(function (st) {
        var b = M.el("span", "badge bs-" + st, M.t("st_" + st) + ": " + body.counts[st]);
        b.setAttribute("data-status", st);
        counts.appendChild(b);
      });
      var rows = M.clear($("bks-rows"));
      $("bks-none").hidden = body.bookings.length > 0;
      body.bookings.forEach(function (b) {
        var tr = M.el("tr", "bs-" + b.status);
        tr.setAttribute("data-code", b.code);
        tr.appendChild(M.el("td", null, b.start + "–" + b.end));
        tr.appendChild(M.el("td", null, M.fieldName(b.field)));
        tr.appendChild(M.el("td", "code", b.code_display));
        tr.appendChild(M.el("td", null, b.name));
        tr.appendChild(M.el("td", null, b.phone));
        var st = M.el("td");
        var badge = M.el("span");
        statusBadge(badge, b.status);
        st.appendChild(badge);
        tr.appendChild(st);
        tr.appendChild(M.el("td", null, b.ticket_code || ""));
        var act = M.el("td");
        if (supervisor && b.status === "booked") {
          var button = M.el("button", "btn", M.t("b_mark_no_show"));
          button.type = "button";
          button.addEventListener("click", function () { noShow(b.code, button); });
          act.appendChild(button);
        }
        tr.appendChild(act);
        rows.appendChild(tr);
      });
    }

    function noShow(code, button) {
      button.disabled = true;
      M.api("POST", "/bookings/" + encodeURIComponent(code) + "/no-show").then(function (res) {
        if (!res.ok) { button.disabled = false; say("bks-msg", reason(res)); return; }
        load();
      });
    }

    function load() {
      M.api("GET", "/bookings?day=" + encodeURIComponent(P.day)).then(function (res) {
        if (res.ok) render(res.body); else say("bks-msg", reason(res));
      });
    }
    load();
    setInterval(load, 30000);
  }

  if (P.mode === "checkin") checkinPage();
  else if (P.mode === "staff") staffPage();
  else bookPage();
})();
