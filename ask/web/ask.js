// Tribune ask page. Vanilla JS, no framework, loaded inline under the
// page's nonce. The page works without it (plain forms, server-rendered
// list); this script makes it live: it posts with fetch, keeps the list
// current from the server's event stream, and shows the viewer's own
// questions. Every piece of text from viewers reaches the DOM through
// textContent, never as HTML.
(function () {
  'use strict';

  var root = document.documentElement;
  var L = {};
  try { L = JSON.parse(root.dataset.labels || '{}') || {}; } catch (e) { L = {}; }
  var Q = root.dataset.q || '';           // "?lang=fr" when the URL chose the language
  var MAX = parseInt(root.dataset.max, 10) || 300;
  var LIMIT = 200;                        // rows shown at most, as the server lists
  var MIN_RETRY = 1000, MAX_RETRY = 30000;

  function $(id) { return document.getElementById(id); }
  function str(v) { return typeof v === 'string' ? v : (v == null ? '' : String(v)); }
  function num(v) { var n = Number(v); return isFinite(n) ? Math.trunc(n) : 0; }
  function word(key) { return str(L[key]); }
  function fmt(key) {
    var args = Array.prototype.slice.call(arguments, 1);
    return word(key).replace(/%d/g, function () { return String(args.length ? args.shift() : ''); });
  }
  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined) e.textContent = str(text);
    return e;
  }
  function visible(st) { return st === 'approved' || st === 'onair'; }

  var list = $('list');
  var empty = $('list-empty');
  var mineSection = $('mine');
  var mineList = $('mine-list');
  var statusBox = $('status');
  var alertBox = $('alert');
  var live = $('live');
  var askForm = $('ask-form');
  var textArea = $('text');
  var nameInput = $('name');
  var anonBox = $('anonymous');
  var counter = $('text-count');
  var codeForm = $('code-form');

  // ---- State: the listed questions, the viewer's own, their votes ----
  var qs = {};       // id -> public question
  var mine = {};     // id -> own question
  var voted = {};    // id -> true
  var synced = false; // the first snapshot arrived: the list is ours to redraw
  var known = true;   // the feed belongs to a browser with an id
  var rows = {};     // id -> <li>, the server's rows adopted first

  Array.prototype.forEach.call(list.children, function (li) {
    var id = num(li.dataset.id);
    if (!id) return;
    rows[id] = li;
    var b = li.querySelector('.vote');
    if (b && b.getAttribute('aria-pressed') === 'true') voted[id] = true;
  });

  // ---- Notices ----
  function say(msg, isError) {
    var show = isError ? alertBox : statusBox;
    var other = isError ? statusBox : alertBox;
    other.hidden = true;
    other.textContent = '';
    show.textContent = str(msg);
    show.hidden = !msg;
  }

  // ---- Requests ----
  function api(method, path, body) {
    var opts = { method: method, credentials: 'same-origin', cache: 'no-store', headers: { 'Accept': 'application/json' } };
    if (body !== undefined) {
      opts.headers['Content-Type'] = 'application/json';
      opts.body = JSON.stringify(body);
    }
    return fetch(path + Q, opts).then(function (res) {
      return res.json().catch(function () { return null; }).then(function (data) {
        if (!res.ok) {
          var e = (data && data.error) || {};
          throw { message: str(e.message) || word('network'), reason: str(e.reason) };
        }
        return data || {};
      });
    }, function () {
      throw { message: word('network'), reason: 'network' };
    });
  }

  // ---- The list ----
  function votesWord(n) { return Math.abs(n) === 1 ? word('vote_one') : word('vote_many'); }

  function buildRow(id) {
    var li = el('li', 'q');
    li.id = 'q' + id;
    li.dataset.id = String(id);
    var votes = el('div', 'q-votes');
    votes.appendChild(el('span', 'q-count'));
    votes.appendChild(document.createTextNode(' '));
    votes.appendChild(el('span', 'q-votes-label'));
    li.appendChild(votes);
    var body = el('div', 'q-body');
    var t = el('p', 'q-text chat-text');
    t.dir = 'auto';
    body.appendChild(t);
    body.appendChild(el('p', 'q-meta'));
    li.appendChild(body);
    var form = el('form', 'vote-form');
    form.method = 'post';
    form.action = '/ask/questions/' + id + '/vote' + Q;
    var b = el('button', 'vote');
    b.type = 'submit';
    b.appendChild(el('span', 'vote-word'));
    b.appendChild(el('span', 'sr', ' #' + id));
    form.appendChild(b);
    li.appendChild(form);
    return li;
  }

  function fillMeta(meta, q) {
    meta.textContent = '';
    meta.appendChild(el('span', 'q-num', '#' + num(q.id)));
    var author = str(q.author);
    if (author) {
      meta.appendChild(document.createTextNode(' '));
      var a = el('span', 'q-author chat-text', author);
      a.dir = 'auto';
      meta.appendChild(a);
    }
    var src = str(q.source);
    var badge = word('source_' + src);
    if (badge && /^[a-z]+$/.test(src)) {
      meta.appendChild(document.createTextNode(' '));
      meta.appendChild(el('span', 'badge badge-' + src, badge));
    }
    meta.appendChild(document.createTextNode(' '));
    var mark = el('span', 'onair-mark', word('onair'));
    mark.hidden = q.status !== 'onair';
    meta.appendChild(mark);
  }

  function fillRow(li, q) {
    var id = num(q.id);
    var n = num(q.votes);
    var count = li.querySelector('.q-count');
    if (count.textContent !== String(n)) {
      if (count.textContent !== '') {
        li.classList.add('bumped');
        setTimeout(function () { li.classList.remove('bumped'); }, 800);
      }
      count.textContent = String(n);
    }
    li.querySelector('.q-votes-label').textContent = votesWord(n);
    var t = li.querySelector('.q-text');
    if (t.textContent !== str(q.text)) t.textContent = str(q.text);
    fillMeta(li.querySelector('.q-meta'), q);
    li.classList.toggle('is-onair', q.status === 'onair');
    fillVote(li, id);
  }

  function fillVote(li, id) {
    var on = !!voted[id];
    var b = li.querySelector('.vote');
    b.setAttribute('aria-pressed', on ? 'true' : 'false');
    b.querySelector('.vote-word').textContent = on ? word('voted') : word('vote');
    var form = li.querySelector('.vote-form');
    var remove = form.querySelector('input[name="remove"]');
    if (on && !remove) {
      remove = el('input');
      remove.type = 'hidden';
      remove.name = 'remove';
      remove.value = '1';
      form.insertBefore(remove, form.firstChild);
    } else if (!on && remove) {
      form.removeChild(remove);
    }
  }

  function order() {
    return Object.keys(qs).map(function (k) { return qs[k]; }).sort(function (a, b) {
      var ao = a.status === 'onair', bo = b.status === 'onair';
      if (ao !== bo) return ao ? -1 : 1;
      if (num(a.votes) !== num(b.votes)) return num(b.votes) - num(a.votes);
      return num(a.id) - num(b.id);
    }).slice(0, LIMIT);
  }

  // renderList redraws the list from qs, moving rows rather than
  // rebuilding them, so that a vote does not flash the page or steal the
  // keyboard focus.
  function renderList() {
    if (!synced) return;
    var active = document.activeElement;
    var sorted = order();
    var keep = {};
    for (var i = 0; i < sorted.length; i++) {
      var q = sorted[i];
      var id = num(q.id);
      var li = rows[id];
      if (!li) {
        li = buildRow(id);
        rows[id] = li;
      }
      fillRow(li, q);
      keep[id] = true;
      if (list.children[i] !== li) move(li, list.children[i] || null);
    }
    Object.keys(rows).forEach(function (k) {
      if (keep[k]) return;
      var li = rows[k];
      delete rows[k];
      if (li.parentNode) li.parentNode.removeChild(li);
    });
    empty.hidden = sorted.length > 0;
    if (active && active !== document.activeElement && list.contains(active)) active.focus({ preventScroll: true });
  }

  // move puts li before ref; moveBefore, where the browser has it, keeps
  // the focus and state of what moves.
  function move(li, ref) {
    if (typeof list.moveBefore === 'function' && li.parentNode === list) {
      try { list.moveBefore(li, ref); return; } catch (e) { /* fall back */ }
    }
    list.insertBefore(li, ref);
  }

  // updateRow refreshes one question's row before the first snapshot,
  // when the server's rows are all there is.
  function updateRow(q) {
    var id = num(q.id);
    if (synced) { renderList(); return; }
    if (rows[id]) fillRow(rows[id], q);
  }

  function upsert(q) {
    if (!q || typeof q !== 'object') return;
    var id = num(q.id);
    if (!id) return;
    if (visible(q.status)) qs[id] = q; else delete qs[id];
  }

  // ---- The viewer's own questions ----
  function renderMine() {
    var items = Object.keys(mine).map(function (k) { return mine[k]; }).sort(function (a, b) { return num(b.id) - num(a.id); });
    mineList.textContent = '';
    items.forEach(function (m) {
      var st = str(m.status);
      var li = el('li');
      li.dataset.id = String(num(m.id));
      li.dataset.status = st;
      li.appendChild(el('span', 'num', '#' + num(m.id)));
      li.appendChild(document.createTextNode(' '));
      var t = el('span', 'chat-text', m.text);
      t.dir = 'auto';
      li.appendChild(t);
      li.appendChild(document.createTextNode(' '));
      var cls = /^[a-z]+$/.test(st) ? ' status-' + st : '';
      li.appendChild(el('span', 'status' + cls, word('status_' + st) || st));
      if (m.anonymous) {
        li.appendChild(document.createTextNode(' '));
        li.appendChild(el('span', 'anon', word('anonymous')));
      }
      mineList.appendChild(li);
    });
    mineSection.hidden = items.length === 0;
  }

  function upsertMine(m) {
    if (!m || typeof m !== 'object' || !num(m.id)) return;
    mine[num(m.id)] = m;
  }

  // ---- Asking ----
  function updateCount() {
    var n = Array.from(textArea.value.trim()).length;
    counter.hidden = n === 0;
    counter.textContent = fmt('counter', n, MAX);
    counter.classList.toggle('over', n > MAX);
  }
  textArea.addEventListener('input', updateCount);
  updateCount();

  // A form in flight ignores more submits. Not disabled: a disabled
  // button loses the keyboard focus.
  function busy(el, on) {
    if (on && el.dataset.busy === '1') return false;
    el.dataset.busy = on ? '1' : '';
    el.setAttribute('aria-busy', on ? 'true' : 'false');
    return true;
  }

  askForm.addEventListener('submit', function (e) {
    e.preventDefault();
    if (!busy(askForm, true)) return;
    api('POST', '/ask/questions', { text: textArea.value, name: nameInput.value, anonymous: anonBox.checked }).then(function (data) {
      textArea.value = '';
      updateCount();
      say(data.message, false);
      if (data.mine) {
        upsertMine(data.mine);
        renderMine();
      }
      identified();
      var q = data.question;
      if (q && (data.mine || data.voted)) voted[num(q.id)] = true;
      if (q) { upsert(q); updateRow(q); }
    }, function (err) {
      say(err.message, true);
      if (err.reason === 'code_required' && codeForm) $('code').focus();
    }).then(function () { busy(askForm, false); });
  });

  // ---- Voting ----
  list.addEventListener('submit', function (e) {
    var form = e.target;
    if (!form || !form.classList || !form.classList.contains('vote-form')) return;
    e.preventDefault();
    var li = form.closest('li');
    var id = num(li && li.dataset.id);
    if (!id) return;
    if (!busy(form, true)) return;
    api(voted[id] ? 'DELETE' : 'POST', '/ask/questions/' + id + '/vote').then(function (data) {
      var q = data.question || {};
      identified();
      if (data.voted) voted[num(q.id) || id] = true; else delete voted[num(q.id) || id];
      say(data.message, false);
      upsert(q);
      updateRow(q);
    }, function (err) {
      // The server knows better than the page: follow it.
      if (err.reason === 'already_voted') voted[id] = true;
      if (err.reason === 'not_voted') delete voted[id];
      if (li && rows[id] === li) fillVote(li, id);
      say(err.message, true);
    }).then(function () { busy(form, false); });
  });

  // ---- The meeting code ----
  if (codeForm) {
    codeForm.addEventListener('submit', function (e) {
      e.preventDefault();
      api('POST', '/ask/code', { code: $('code').value }).then(function (data) {
        codeForm.hidden = true;
        say(data.message, false);
        textArea.focus();
      }, function (err) { say(err.message, true); });
    });
  }

  // ---- The live feed ----
  function handle(msg) {
    if (!msg || typeof msg !== 'object') return;
    var i;
    if (msg.type === 'snapshot') {
      qs = {};
      (Array.isArray(msg.questions) ? msg.questions : []).forEach(upsert);
      mine = {};
      (Array.isArray(msg.mine) ? msg.mine : []).forEach(upsertMine);
      voted = {};
      (Array.isArray(msg.voted) ? msg.voted : []).forEach(function (id) { if (num(id)) voted[num(id)] = true; });
      synced = true;
      known = msg.known === true;
      renderList();
      renderMine();
    } else if (msg.type === 'delta') {
      (Array.isArray(msg.questions) ? msg.questions : []).forEach(upsert);
      var removed = Array.isArray(msg.removed) ? msg.removed : [];
      for (i = 0; i < removed.length; i++) delete qs[num(removed[i])];
      renderList();
    } else if (msg.type === 'mine') {
      (Array.isArray(msg.questions) ? msg.questions : []).forEach(upsertMine);
      renderMine();
    }
  }

  function setLive(open) {
    root.dataset.live = open ? 'open' : 'connecting';
    live.hidden = false;
    live.textContent = open ? word('live_open') : word('live_connecting');
  }

  // identified follows the first POST that gave this browser its id: the
  // feed opened before it knows nothing of the viewer's own questions, so
  // open it again.
  function identified() {
    if (known || !source) return;
    known = true;
    source.close();
    connect();
  }

  var retry = MIN_RETRY;
  var source = null;
  function connect() {
    if (typeof EventSource !== 'function') return; // the server's list stays
    setLive(false);
    source = new EventSource('/ask/events' + Q);
    source.onopen = function () { retry = MIN_RETRY; setLive(true); };
    source.onmessage = function (ev) {
      var msg;
      try { msg = JSON.parse(ev.data); } catch (e) { return; }
      handle(msg);
    };
    source.onerror = function () {
      setLive(false);
      // EventSource retries by itself after a dropped stream, but gives
      // up on an error status (a full server): then retry here, slower
      // each time.
      if (source.readyState === EventSource.CLOSED) {
        source.close();
        setTimeout(connect, retry);
        retry = Math.min(retry * 2, MAX_RETRY);
      }
    };
  }
  connect();
})();
