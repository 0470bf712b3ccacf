// Tribune overlay page. Vanilla JS, no framework. Every piece of chat text
// reaches the DOM through textContent, never as HTML, in an element that
// takes its direction from its own text and isolates it (chat(), and
// unicode-bidi: isolate in overlay.css). The page reconnects by itself and,
// while it is disconnected, keeps showing the last state: nothing about
// the connection ever appears on stream.
(function () {
  'use strict';

  var root = document.documentElement;
  var cfg = root.dataset;
  var stage = document.getElementById('stage');
  var mode = cfg.mode === 'top' ? 'top' : 'card';
  var limit = Math.max(1, Math.min(20, parseInt(cfg.n, 10) || 5));
  // The answer timer: a countdown of so many seconds, 0 to count up, -1
  // for none.
  var timerLimit = parseInt(cfg.timer, 10) || 0;
  var showLabel = cfg.showLabel === '1';
  var OUT_MS = 400;      // longest exit transition, see overlay.css
  var MIN_DELAY = 500;   // first reconnection delay, ms
  var MAX_DELAY = 5000;  // reconnection delay cap, ms
  var LAST_SECONDS = 15; // a countdown turns red for its last seconds
  var TICK_MS = 250;     // timer refresh; a second never shows late by more

  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined) e.textContent = String(text);
    return e;
  }
  // chat returns an element for text that came from chat.
  function chat(tag, cls) {
    var e = el(tag, cls);
    e.dir = 'auto';
    return e;
  }
  function str(v) { return typeof v === 'string' ? v : (v == null ? '' : String(v)); }
  function num(v) { var n = Number(v); return isFinite(n) ? Math.trunc(n) : 0; }
  function votesLabel(n) { return Math.abs(n) === 1 ? cfg.labelVote : cfg.labelVotes; }

  // ---- The on-air card ----
  var slot = null;
  var current = null; // {id, card} of the question on air

  // since parses an RFC 3339 time into milliseconds, or NaN. Go writes up
  // to nine fractional digits; Date.parse is only sure of three.
  function since(v) {
    if (typeof v !== 'string' || v === '') return NaN;
    return Date.parse(v.replace(/(\.\d{3})\d+/, '$1'));
  }

  function clock(sec) {
    var h = Math.floor(sec / 3600), m = Math.floor(sec / 60) % 60, s = sec % 60;
    var mm = h > 0 && m < 10 ? '0' + m : String(m);
    return (h > 0 ? h + ':' : '') + mm + ':' + (s < 10 ? '0' : '') + s;
  }

  function buildCard() {
    var card = el('article', 'card');
    var head = el('div', 'card-head');
    head.appendChild(el('span', 'badge'));
    var label = chat('span', 'label-chip');
    label.hidden = true;
    head.appendChild(label);
    head.appendChild(el('span', 'from', cfg.labelFrom));
    head.appendChild(chat('span', 'author'));
    var timer = el('span', 'timer');
    timer.setAttribute('role', 'timer');
    timer.setAttribute('aria-label', cfg.labelTimer);
    timer.hidden = true;
    head.appendChild(timer);
    card.appendChild(head);
    card.appendChild(chat('p', 'text'));
    var votes = el('div', 'votes');
    votes.appendChild(el('span', 'count'));
    votes.appendChild(document.createTextNode(' '));
    votes.appendChild(el('span', 'votes-label'));
    card.appendChild(votes);
    return card;
  }

  function fillCard(card, q) {
    var n = num(q.votes);
    var author = str(q.author);
    var label = str(q.label);
    card.querySelector('.badge').textContent = '#' + num(q.id);
    var chip = card.querySelector('.label-chip');
    chip.textContent = label;
    chip.hidden = !showLabel || label === '';
    // No author (anonymous, or authors hidden on stream): no "Question from".
    card.querySelector('.from').hidden = author === '';
    card.querySelector('.author').hidden = author === '';
    card.querySelector('.author').textContent = author;
    card.querySelector('.text').textContent = str(q.text);
    card.querySelector('.count').textContent = String(n);
    card.querySelector('.votes-label').textContent = votesLabel(n);
  }

  // tick shows the time the question has been on air, or what is left of
  // the countdown. It counts from the question's "since", not from when
  // the page loaded: a reloaded page or a restarted server shows the same.
  function tick() {
    if (!current) return;
    var timer = current.card.querySelector('.timer');
    if (timerLimit < 0 || isNaN(current.since)) {
      timer.hidden = true;
      return;
    }
    var elapsed = Math.max(0, Math.floor((Date.now() - current.since) / 1000));
    var text, state;
    if (timerLimit > 0) {
      var left = timerLimit - elapsed;
      text = left >= 0 ? clock(left) : '+' + clock(-left);
      state = left < 0 ? 'over' : left <= LAST_SECONDS ? 'last' : 'countdown';
    } else {
      text = clock(elapsed);
      state = 'elapsed';
    }
    if (timer.textContent !== text) timer.textContent = text;
    timer.dataset.state = state;
    timer.hidden = false;
  }

  // retire animates a card out and then removes it from the DOM.
  function retire(card) {
    card.classList.remove('in', 'live');
    card.classList.add('out');
    var gone = false;
    function remove() {
      if (gone) return;
      gone = true;
      if (card.parentNode) card.parentNode.removeChild(card);
    }
    card.addEventListener('transitionend', remove);
    setTimeout(remove, OUT_MS + 100); // no transitionend without motion
  }

  function showCard(q) {
    if (current && current.id === num(q.id)) {
      fillCard(current.card, q); // same question: update in place
      current.since = since(q.since);
      tick();
      return;
    }
    if (current) retire(current.card);
    if (!slot) {
      slot = el('div', 'slot');
      stage.appendChild(slot);
    }
    var card = buildCard();
    fillCard(card, q);
    card.classList.add('live');
    slot.appendChild(card);
    void card.offsetWidth; // lay out the hidden state so that 'in' animates
    card.classList.add('in');
    current = { id: num(q.id), card: card, since: since(q.since) };
    tick();
  }

  function hideCard() {
    if (!current) return;
    retire(current.card);
    current = null;
  }

  // ---- The leaderboard ----
  var board = document.getElementById('board');
  var rows = document.getElementById('rows');

  // Rows are kept by question id and updated in place, so that a vote does
  // not flash the whole board: only new rows fade in.
  var rowsByID = {};

  function buildRow() {
    var row = el('li', 'row');
    row.appendChild(el('span', 'rank'));
    var body = el('div', 'row-body');
    body.appendChild(chat('div', 'row-text'));
    var meta = el('div', 'row-meta');
    meta.appendChild(chat('span', 'row-author'));
    meta.appendChild(el('span', 'onair', cfg.labelOnair));
    body.appendChild(meta);
    row.appendChild(body);
    var votes = el('div', 'row-votes');
    votes.appendChild(document.createTextNode(''));
    votes.appendChild(el('small'));
    row.appendChild(votes);
    return row;
  }

  function fillRow(row, q, rank) {
    var n = num(q.votes);
    row.querySelector('.rank').textContent = String(rank);
    row.querySelector('.row-text').textContent = str(q.text);
    row.querySelector('.row-author').textContent = str(q.author);
    row.querySelector('.onair').hidden = q.status !== 'onair';
    var votes = row.querySelector('.row-votes');
    votes.firstChild.data = String(n);
    votes.lastChild.textContent = votesLabel(n);
  }

  function showTop(list) {
    if (!board || !rows || !Array.isArray(list)) return;
    var keep = {};
    var rank = 0;
    for (var i = 0; i < list.length && rank < limit; i++) {
      var q = list[i];
      if (!q || typeof q !== 'object') continue;
      var id = String(num(q.id));
      var row = rowsByID[id];
      if (!row) {
        row = buildRow();
        row.dataset.id = id;
        rowsByID[id] = row;
      }
      fillRow(row, q, ++rank);
      keep[id] = true;
      if (rows.children[rank - 1] !== row) rows.insertBefore(row, rows.children[rank - 1] || null);
    }
    Object.keys(rowsByID).forEach(function (id) {
      if (keep[id]) return;
      var row = rowsByID[id];
      delete rowsByID[id];
      if (row.parentNode) row.parentNode.removeChild(row);
    });
    board.hidden = rank === 0;
  }

  // ---- The feed ----
  function handle(msg) {
    if (!msg || typeof msg !== 'object') return;
    if (mode === 'card') {
      if (msg.type === 'onair' && msg.question && typeof msg.question === 'object') showCard(msg.question);
      else if (msg.type === 'offair') hideCard();
    } else if (msg.type === 'top') {
      showTop(msg.questions || []);
    }
  }

  var delay = MIN_DELAY;

  function feedURL() {
    var scheme = location.protocol === 'https:' ? 'wss:' : 'ws:';
    return scheme + '//' + location.host + '/overlay/ws' + (mode === 'card' ? '?top=0' : '');
  }

  function connect() {
    var ws;
    root.dataset.connection = 'connecting';
    try {
      ws = new WebSocket(feedURL());
    } catch (e) {
      retry();
      return;
    }
    ws.onopen = function () { root.dataset.connection = 'open'; };
    ws.onmessage = function (ev) {
      delay = MIN_DELAY; // a server that talks is back for good
      var msg;
      try { msg = JSON.parse(ev.data); } catch (e) { return; }
      try { handle(msg); } catch (e) { /* keep the last good state on stream */ }
    };
    ws.onerror = function () { /* onclose follows */ };
    ws.onclose = function () {
      root.dataset.connection = 'closed';
      retry();
    };
  }

  // retry reconnects after a jittered delay that doubles up to MAX_DELAY, so
  // that many overlays do not hammer a restarting server in step.
  function retry() {
    var wait = delay / 2 + Math.random() * delay / 2;
    delay = Math.min(delay * 2, MAX_DELAY);
    setTimeout(connect, wait);
  }

  connect();
  if (mode === 'card') setInterval(tick, TICK_MS);
})();
