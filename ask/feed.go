package ask

import (
	"context"
	"encoding/json"
	"net/http"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/tribune-live/tribune"
)

// Timing of the live feed.
const (
	// flushInterval folds changes: a storm of votes reaches each page as
	// one message per interval, not one per vote.
	flushInterval = 250 * time.Millisecond
	// heartbeat keeps proxies from closing an idle feed, and finds dead
	// clients through the write deadline.
	heartbeat = 25 * time.Second
	// streamWriteWait bounds every write to a feed.
	streamWriteWait = 10 * time.Second
	// streamBuffer is how many messages a feed may fall behind before it
	// is dropped; the page reconnects and starts again from a snapshot.
	streamBuffer = 32
	// retryMillis is how soon a browser reconnects a dropped feed.
	retryMillis = 2000
)

// Feed messages, one JSON object per Server-Sent Event:
//
//	{"type":"snapshot","questions":[PublicQuestion…],"mine":[MyQuestion…],"voted":[id…],"known":bool}
//	{"type":"delta","questions":[PublicQuestion…],"removed":[id…]}
//	{"type":"mine","questions":[MyQuestion…]}
//
// A feed starts with a snapshot; known says whether the feed belongs to a
// browser with an id (one without gets no "mine" messages, and the page
// reconnects once its first POST gave it an id); deltas carry the listed questions that
// changed (whole, so applying one twice is harmless) and the ids that left
// the list; "mine" carries the browser's own questions that changed, to
// that browser only.
type deltaMessage struct {
	Type      string                   `json:"type"`
	Questions []tribune.PublicQuestion `json:"questions"`
	Removed   []int                    `json:"removed"`
}

type mineMessage struct {
	Type      string       `json:"type"`
	Questions []MyQuestion `json:"questions"`
}

// feed mirrors the Service's visible questions for the live feeds, and
// keeps what the page knows of each browser: its questions and its votes.
// One goroutine (run) applies the Service's events and sends the changes;
// mu guards everything below it, for run and for the requests.
type feed struct {
	s    *Server
	sub  *tribune.Subscription
	quit chan struct{}
	done chan struct{}

	mu      sync.Mutex
	stopped bool
	// visible[id] tells whether question id is listed (approved or on
	// air). The questions themselves are read from the Service when a
	// change is flushed: a copy of every visible question here cost 22 MB
	// of live heap in a meeting of 100 000 questions (tribune-bench -only
	// mixed -target inproc -memprofile).
	visible   []bool
	dirty     map[int]struct{}              // changed since the last flush
	mineDirty map[string]map[int]MyQuestion // by browser, changed since the last flush
	snap      []byte                        // the encoded list, nil when stale
	streams   map[*stream]struct{}
	byBrowser map[string]map[*stream]struct{}
	// mine lists each browser's questions in the session, oldest first.
	mine map[string][]int
	// voted holds the questions each browser's vote is on, as far as the
	// page has seen: its votes and unvotes, its own questions, and the
	// Service's "already voted" and "no vote" answers, which correct it.
	// The Service has no read of one viewer's votes (see the report), so
	// after a restart a vote shows once the Service has said so.
	voted map[string]map[int]struct{}
}

// stream is one open live feed.
type stream struct {
	browser string
	c       chan []byte
	dropped bool // guarded by feed.mu; c is closed
}

func newFeed(s *Server) (*feed, error) {
	// Subscribe first: an event between the load and the subscription
	// would be lost, one before and after is applied twice, harmlessly.
	sub, err := s.svc.Subscribe(context.Background())
	if err != nil {
		return nil, err
	}
	f := &feed{
		s: s, sub: sub, quit: make(chan struct{}), done: make(chan struct{}),
		dirty: map[int]struct{}{}, mineDirty: map[string]map[int]MyQuestion{},
		streams: map[*stream]struct{}{}, byBrowser: map[string]map[*stream]struct{}{},
		voted: map[string]map[int]struct{}{},
	}
	f.load()
	return f, nil
}

// load reads the session's questions. The caller holds f.mu or owns f.
func (f *feed) load() {
	f.visible = f.visible[:0]
	f.mine = map[string][]int{}
	f.snap = nil
	// One question at a time: Questions("") would copy a whole session
	// of 100 000 questions at once.
	for id := 1; ; id++ {
		q, err := f.s.svc.Get(id)
		if err != nil {
			break
		}
		f.setVisible(id, q.Status.Visible())
		if q.Source == tribune.SourceWeb {
			f.mine[q.AuthorID] = append(f.mine[q.AuthorID], id)
			f.markVoted(q.AuthorID, id, true)
		}
	}
}

func (f *feed) run() {
	defer close(f.done)
	tick := time.NewTicker(flushInterval)
	defer tick.Stop()
	for {
		select {
		case <-f.quit:
			f.mu.Lock()
			f.stopped = true
			for st := range f.streams {
				f.drop(st)
			}
			f.mu.Unlock()
			f.sub.Close()
			return
		case ev, ok := <-f.sub.C:
			if !ok {
				return
			}
			f.apply(ev)
		case <-tick.C:
			f.flush()
		}
	}
}

// stop ends run and every feed.
func (f *feed) stop() {
	select {
	case <-f.quit:
	default:
		close(f.quit)
	}
	<-f.done
}

func (f *feed) apply(ev tribune.Event) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if ev.Type == tribune.EventResync {
		// Events were missed: read everything again, and let every page
		// start again from a snapshot (they reconnect in retryMillis).
		f.s.Logger.Warn("ask: the live feed fell behind the meeting; reloading")
		f.load()
		clear(f.dirty)
		clear(f.mineDirty)
		for st := range f.streams {
			f.drop(st)
		}
		return
	}
	if ev.Question == nil {
		return // top lists repeat what the questions' own events say
	}
	q := *ev.Question
	if now := q.Status.Visible(); now || f.isVisible(q.ID) {
		f.setVisible(q.ID, now)
		f.dirty[q.ID] = struct{}{}
		f.snap = nil
	}
	if q.Source != tribune.SourceWeb {
		return
	}
	if ev.Type == tribune.EventCreated {
		f.addMine(q.AuthorID, q.ID)
		f.markVoted(q.AuthorID, q.ID, true)
	}
	if len(f.byBrowser[q.AuthorID]) > 0 {
		m := f.mineDirty[q.AuthorID]
		if m == nil {
			m = map[int]MyQuestion{}
			f.mineDirty[q.AuthorID] = m
		}
		m[q.ID] = myQuestion(q)
	}
}

// flush sends what changed since the last flush: one delta to every feed,
// and to each author's feeds their own questions.
func (f *feed) flush() {
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.dirty) > 0 {
		msg := deltaMessage{Type: "delta", Questions: []tribune.PublicQuestion{}, Removed: []int{}}
		ids := make([]int, 0, len(f.dirty))
		for id := range f.dirty {
			ids = append(ids, id)
		}
		slices.Sort(ids)
		for _, id := range ids {
			if q, err := f.s.svc.Get(id); err == nil && f.isVisible(id) {
				msg.Questions = append(msg.Questions, q.Public(f.s.ShowAuthors))
			} else {
				msg.Removed = append(msg.Removed, id)
			}
		}
		clear(f.dirty)
		b, _ := json.Marshal(msg)
		for st := range f.streams {
			f.send(st, b)
		}
	}
	for browser, qs := range f.mineDirty {
		msg := mineMessage{Type: "mine"}
		for _, q := range qs {
			msg.Questions = append(msg.Questions, q)
		}
		slices.SortFunc(msg.Questions, func(a, b MyQuestion) int { return b.ID - a.ID })
		b, _ := json.Marshal(msg)
		for st := range f.byBrowser[browser] {
			f.send(st, b)
		}
	}
	clear(f.mineDirty)
}

// send queues b on st without blocking; a feed that fell behind is
// dropped. The caller holds f.mu.
func (f *feed) send(st *stream, b []byte) {
	select {
	case st.c <- b:
	default:
		f.drop(st)
	}
}

// drop closes st and forgets it. The caller holds f.mu.
func (f *feed) drop(st *stream) {
	if st.dropped {
		return
	}
	st.dropped = true
	close(st.c)
	delete(f.streams, st)
	if set := f.byBrowser[st.browser]; set != nil {
		delete(set, st)
		if len(set) == 0 {
			delete(f.byBrowser, st.browser)
		}
	}
}

// subscribe opens a feed for browser ("" for a browser without an id)
// and returns it with its first message, the snapshot. EUNAVAILABLE when
// the feed is stopped or full.
func (f *feed) subscribe(browser string) (*stream, []byte, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.stopped {
		return nil, nil, tribune.Errorf(tribune.EUNAVAILABLE, reasonNotOpen, "the ask page is closing")
	}
	if len(f.streams) >= f.s.MaxStreams {
		return nil, nil, tribune.Errorf(tribune.EUNAVAILABLE, reasonBusy, "%d live feeds already", len(f.streams))
	}
	st := &stream{browser: browser, c: make(chan []byte, streamBuffer)}
	f.streams[st] = struct{}{}
	if browser != "" {
		if f.byBrowser[browser] == nil {
			f.byBrowser[browser] = map[*stream]struct{}{}
		}
		f.byBrowser[browser][st] = struct{}{}
	}
	// Built under f.mu with the registration: every later change reaches
	// this feed as a delta, none is lost between the two.
	mine, voted := []MyQuestion{}, []int{}
	if browser != "" {
		mine, voted = f.s.myQuestions(f.mine[browser]), f.votedLocked(browser)
	}
	mb, _ := json.Marshal(mine)
	vb, _ := json.Marshal(voted)
	b := make([]byte, 0, len(f.list())+len(mb)+len(vb)+64)
	b = append(b, `{"type":"snapshot","questions":`...)
	b = append(b, f.list()...)
	b = append(b, `,"mine":`...)
	b = append(b, mb...)
	b = append(b, `,"voted":`...)
	b = append(b, vb...)
	b = append(b, `,"known":`...)
	b = strconv.AppendBool(b, browser != "")
	b = append(b, '}')
	return st, b, nil
}

// list returns the encoded list of the listed questions: on air first,
// then by votes, older first among equals. It is built once per change,
// not once per feed. The caller holds f.mu.
func (f *feed) list() []byte {
	if f.snap != nil {
		return f.snap
	}
	qs := f.s.listed()
	f.snap, _ = json.Marshal(qs)
	return f.snap
}

// isVisible reports whether question id is listed. The caller holds f.mu.
func (f *feed) isVisible(id int) bool { return id < len(f.visible) && f.visible[id] }

// setVisible records whether question id is listed. The caller holds f.mu.
func (f *feed) setVisible(id int, v bool) {
	for id >= len(f.visible) {
		f.visible = append(f.visible, false)
	}
	f.visible[id] = v
}

// unsubscribe closes st, when its request ends.
func (f *feed) unsubscribe(st *stream) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.drop(st)
}

// asked records what an Ask of browser did: a new question of theirs, or
// a vote on the question it repeated.
func (f *feed) asked(browser string, res tribune.AskResult) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if !res.Duplicate {
		f.addMine(browser, res.Question.ID)
	}
	if !res.Duplicate || res.Voted {
		f.markVoted(browser, res.Question.ID, true)
	}
}

// addMine adds question id to browser's, once. The caller holds f.mu.
func (f *feed) addMine(browser string, id int) {
	if !slices.Contains(f.mine[browser], id) {
		f.mine[browser] = append(f.mine[browser], id)
	}
}

// mineOf returns the ids of browser's questions, oldest first.
func (f *feed) mineOf(browser string) []int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.mine[browser])
}

// setVoted records whether browser's vote is on question id.
func (f *feed) setVoted(browser string, id int, on bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.markVoted(browser, id, on)
}

// markVoted is setVoted for a caller that holds f.mu.
func (f *feed) markVoted(browser string, id int, on bool) {
	set := f.voted[browser]
	if on {
		if set == nil {
			set = map[int]struct{}{}
			f.voted[browser] = set
		}
		set[id] = struct{}{}
		return
	}
	delete(set, id)
}

// votedBy returns the questions browser's vote is on, in id order.
func (f *feed) votedBy(browser string) []int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.votedLocked(browser)
}

func (f *feed) votedLocked(browser string) []int {
	out := make([]int, 0, len(f.voted[browser]))
	for id := range f.voted[browser] {
		out = append(out, id)
	}
	slices.Sort(out)
	return out
}

// handleEvents serves a live feed as Server-Sent Events.
func (s *Server) handleEvents(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet {
		s.methodNotAllowed(w, r, "GET")
		return
	}
	browser, _ := s.browserID(r)
	st, snap, err := s.feed.subscribe(browser)
	if err != nil {
		lang, _ := s.langs.pick(r)
		w.Header().Set("Retry-After", "10")
		s.writeError(w, r, lang, err)
		return
	}
	defer s.feed.unsubscribe(st)
	rc := http.NewResponseController(w)
	// The feed outlives the server's write timeout: lift it, and bound
	// each write instead (TestTimeouts fails without). net/http already
	// lifts the read deadline of a request without a body; clearing it
	// here keeps that whatever server the Handler is mounted on.
	rc.SetReadDeadline(time.Time{})
	h := w.Header()
	h.Set("Content-Type", "text/event-stream; charset=utf-8")
	h.Set("X-Accel-Buffering", "no") // nginx: do not buffer the stream
	w.WriteHeader(http.StatusOK)
	write := func(parts ...[]byte) bool {
		rc.SetWriteDeadline(time.Now().Add(streamWriteWait))
		for _, p := range parts {
			if _, err := w.Write(p); err != nil {
				return false
			}
		}
		return rc.Flush() == nil
	}
	event := func(b []byte) bool { return write([]byte("data: "), b, []byte("\n\n")) }
	if !write([]byte("retry: "+strconv.Itoa(retryMillis)+"\n\n")) || !event(snap) {
		return
	}
	hb := time.NewTicker(heartbeat)
	defer hb.Stop()
	for {
		select {
		case b, ok := <-st.c:
			if !ok || !event(b) {
				return
			}
		case <-hb.C:
			if !write([]byte(": ping\n\n")) {
				return
			}
		case <-r.Context().Done():
			return
		}
	}
}
