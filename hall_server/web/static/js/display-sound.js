/* Waiting-room board: speak each call, through /announce.wav, one after another.
 *
 * Sets window.MOTCUA.onCall(ticket, counter, recall), which display.js calls for every
 * call it puts up. `ticket` is a ticket object ({code, counter, ...}) or a code string,
 * `counter` a counter object ({number, ...}), a number, or null (then ticket.counter).
 * Sounds play through one HTMLAudioElement, in order, never overlapping; the returned
 * Promise resolves when this call's sound has ended (or failed, or was skipped), so the
 * board can keep the call up while it is spoken.
 *
 * Browsers block sound until someone touches the page: when playing is refused, a
 * one-time "Bật âm thanh" (enable sound) button appears; one click enables sound for the
 * rest of the session. A kiosk browser can skip it with chromium's
 * --autoplay-policy=no-user-gesture-required (docs/pi/display.md).
 *
 * Written for old browsers too: no optional chaining, no modules.
 */
(function () {
  "use strict";

  var M = window.MOTCUA = window.MOTCUA || {};
  var MAX_SOUND_MS = 30000;   // a sound that neither ends nor fails is given up after this
  var MAX_WAITING = 10;       // calls queued at most; older ones are dropped unspoken
  var LABEL = {vi: "Bật âm thanh", en: "Enable sound"};
  var HINT = {vi: "Trình duyệt đang chặn âm thanh. Bấm để nghe gọi số.",
              en: "The browser is blocking sound. Click to hear the calls."};
  // 0.05 s of silence (8 kHz, 8-bit mono WAV): played on the click that enables sound
  var SILENCE = "data:audio/wav;base64,UklGRrQBAABXQVZFZm10IBAAAAABAAEAQB8AAEAfAAABAAgAZGF0YZABAACA" + new Array(134).join("gICA");

  var player = null;
  var waiting = [];     // [{url, done}]
  var current = null;   // the item playing
  var blocked = false;  // the browser refused to play: waiting for a click
  var button = null;

  function lang() { return M.lang === "en" ? "en" : "vi"; }

  function codeOf(ticket) {
    if (typeof ticket === "string") return ticket;
    return ticket && typeof ticket.code === "string" ? ticket.code : "";
  }

  function counterOf(counter, ticket) {
    if (typeof counter === "number" || typeof counter === "string") return String(counter);
    if (counter && counter.number !== undefined && counter.number !== null) return String(counter.number);
    if (ticket && ticket.counter !== undefined && ticket.counter !== null) return String(ticket.counter);
    return "";
  }

  M.soundUrl = function (ticket, counter, recall) {
    var code = codeOf(ticket), number = counterOf(counter, ticket);
    if (!/^[A-Z]{1,2}[0-9]{1,4}$/.test(code) || !/^[1-9][0-9]{0,2}$/.test(number)) return null;
    return "/announce.wav?ticket=" + encodeURIComponent(code) + "&counter=" + encodeURIComponent(number) +
      (recall ? "&recall=1" : "");
  };

  function getPlayer() {
    if (!player) {
      player = new Audio();
      player.preload = "auto";
    }
    return player;
  }

  function finish(item) {
    if (current !== item) return;
    clearTimeout(item.timer);
    current = null;
    item.done();
    next();
  }

  function next() {
    if (current || blocked || !waiting.length) return;
    var item = current = waiting.shift();
    var audio = getPlayer();
    audio.onended = function () { finish(item); };
    audio.onerror = function () { finish(item); }; // e.g. 503 while the server builds its clips
    item.timer = setTimeout(function () { audio.pause(); finish(item); }, MAX_SOUND_MS);
    audio.src = item.url;
    var played;
    try {
      played = audio.play();
    } catch (e) {
      played = null;
    }
    if (played && typeof played.then === "function") {
      played.then(null, function (err) {
        if (err && err.name === "NotAllowedError") {
          refuse();
        } else {
          finish(item);
        }
      });
    }
  }

  /* Autoplay refused: skip what is queued (it would be stale by the click) and ask for a click. */
  function refuse() {
    blocked = true;
    var all = current ? [current].concat(waiting) : waiting;
    waiting = [];
    for (var i = 0; i < all.length; i++) {
      clearTimeout(all[i].timer);
      all[i].done();
    }
    current = null;
    showButton();
  }

  function showButton() {
    if (button || !document.body) return;
    button = document.createElement("button");
    button.type = "button";
    button.id = "sound-enable";
    button.className = "btn btn-primary sound-enable";
    button.textContent = "\uD83D\uDD0A " + LABEL[lang()];
    button.title = HINT[lang()];
    button.setAttribute("aria-label", HINT[lang()]);
    var s = button.style;
    s.position = "fixed";
    s.right = "2vw";
    s.bottom = "12vh";
    s.zIndex = "200";
    s.fontSize = "clamp(18px, 2.2vw, 40px)";
    s.padding = "0.6em 1.2em";
    s.borderRadius = "999px";
    s.boxShadow = "0 4px 16px rgba(0,0,0,.4)";
    s.cursor = "pointer";
    button.addEventListener("click", enable);
    document.body.appendChild(button);
  }

  /* The click: play a silent sound inside the gesture, which unlocks the element for good. */
  function enable() {
    var audio = getPlayer();
    audio.onended = null;
    audio.onerror = null;
    audio.src = SILENCE;
    var played;
    try {
      played = audio.play();
    } catch (e) {
      played = null;
    }
    var unlocked = function () {
      blocked = false;
      if (button && button.parentNode) button.parentNode.removeChild(button);
      button = null;
      next();
    };
    if (played && typeof played.then === "function") {
      played.then(unlocked, function () { /* still refused: keep the button */ });
    } else {
      unlocked();
    }
  }

  M.onCall = function (ticket, counter, recall) {
    var url = M.soundUrl(ticket, counter, recall);
    return new Promise(function (resolve) {
      if (!url || blocked) {
        resolve(false);
        return;
      }
      waiting.push({url: url, done: function () { resolve(true); }});
      while (waiting.length > MAX_WAITING) waiting.shift().done();
      next();
    });
  };

  M.sound = {
    enable: enable,
    isBlocked: function () { return blocked; },
    pending: function () { return waiting.length + (current ? 1 : 0); }
  };
})();
