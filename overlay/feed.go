package overlay

import (
	"context"
	"encoding/json"
	"log/slog"
	"slices"
	"strconv"
	"time"

	"github.com/tribune-live/tribune"
)

const (
	// maxTop is how many questions the feed's top list carries; pages show
	// the first n of them.
	maxTop = 20
	// topInterval coalesces leaderboard updates: a vote storm sends at most
	// one top message per interval, and none when the list did not change.
	topInterval = 200 * time.Millisecond
	// feedQueue is how many messages an overlay page may fall behind before
	// it is dropped. Pages reconnect and get the current state, so dropping
	// a stalled page loses nothing it needs.
	feedQueue = 256
	// eventsQueue is the same for a remote console, which receives every
	// event: a vote storm is bursty, and a dropped console reloads all.
	eventsQueue = tribune.DefaultSubscriptionBuffer
)

// clientKind says which messages a websocket client receives.
type clientKind int

const (
	kindFeed   clientKind = iota + 1 // overlay page: onair, offair, optionally top
	kindEvents                       // remote console: every event, and top
)

// hub fans the Service's events out to websocket clients. It holds one
// subscription to the Service. Only run touches clients, onAir, top and the
// timer; everything else talks to it through register and unregister.
//
// Feed clients (overlay pages) receive questions in their public form,
// event clients (remote consoles) whole questions: each message is encoded
// once per kind.
type hub struct {
	svc         *tribune.Service
	logger      *slog.Logger
	sub         *tribune.Subscription
	showAuthors bool

	register   chan *client
	unregister chan *client
	quit       chan struct{}
	done       chan struct{}

	clients  map[*client]struct{}
	feeds    int               // feed clients, reported as overlay health
	onAir    *tribune.Question // nil when nothing is on air
	top      []tribune.Question
	topDirty bool
}

func newHub(svc *tribune.Service, logger *slog.Logger, showAuthors bool) *hub {
	h := &hub{
		svc:         svc,
		logger:      logger,
		sub:         subscribe(svc),
		showAuthors: showAuthors,
		register:    make(chan *client),
		unregister:  make(chan *client),
		quit:        make(chan struct{}),
		done:        make(chan struct{}),
		clients:     map[*client]struct{}{},
	}
	// Subscribed first, then read: an event in between is applied again,
	// which is harmless because events carry whole questions.
	h.loadState()
	svc.SetHealth(tribune.HealthOverlay, "0")
	return h
}

// subscribe subscribes to svc, whose subscriptions never fail.
func subscribe(svc *tribune.Service) *tribune.Subscription {
	sub, _ := svc.Subscribe(context.Background())
	return sub
}

// loadState reads the on-air question and the top list from the Service.
func (h *hub) loadState() {
	if q, ok := h.svc.OnAir(); ok {
		h.onAir = &q
	} else {
		h.onAir = nil
	}
	h.top = h.svc.Top(maxTop)
	h.topDirty = false
}

// stop closes every client and ends run.
func (h *hub) stop() {
	select {
	case <-h.quit:
	default:
		close(h.quit)
	}
	<-h.done
}

func (h *hub) run() {
	defer close(h.done)
	defer func() { h.sub.Close() }()
	timer := time.NewTimer(topInterval)
	timer.Stop()
	var topC <-chan time.Time // non-nil while the timer runs
	for {
		select {
		case ev, ok := <-h.sub.C:
			if !ok {
				h.sub = subscribe(h.svc)
				h.resync()
				continue
			}
			h.handle(ev)
		case c := <-h.register:
			h.add(c)
		case c := <-h.unregister:
			h.remove(c)
		case <-topC:
			topC = nil
			h.refreshTop()
		case <-h.quit:
			for c := range h.clients {
				close(c.send) // its writer says goodbye and hangs up
			}
			clear(h.clients)
			h.setFeeds(0)
			return
		}
		if h.topDirty && topC == nil {
			timer.Reset(topInterval)
			topC = timer.C
		}
	}
}

// handle applies one event of the Service and forwards what clients need.
func (h *hub) handle(ev tribune.Event) {
	switch ev.Type {
	case tribune.EventOnAir:
		if ev.Question == nil {
			return
		}
		q := *ev.Question
		h.onAir = &q
		h.broadcast(h.feedOnAir(), onAirMessage(h.onAir), false)
		h.topDirty = true
	case tribune.EventOffAir:
		h.onAir = nil
		msg := onAirMessage(nil)
		h.broadcast(msg, msg, false)
		h.topDirty = true
	case tribune.EventResync:
		h.resync()
	case tribune.EventTop:
		// The hub computes the leaderboard itself; ignore any other source.
	default:
		if ev.Type == tribune.EventCreated || ev.Type == tribune.EventUpdated || ev.Type == tribune.EventVoted {
			h.topDirty = true
		}
		h.broadcast(nil, encode(ev), false)
	}
}

// resync runs when the hub missed events: it reloads the state, sends it to
// every page, and tells remote consoles to reload theirs.
func (h *hub) resync() {
	h.logger.Warn("overlay feed fell behind the service; resending the current state")
	h.loadState()
	h.broadcast(h.feedOnAir(), nil, false)
	h.broadcast(h.feedTop(), nil, true)
	h.broadcast(nil, encode(tribune.Event{Type: tribune.EventResync}), false)
}

// refreshTop recomputes the leaderboard and sends it if it changed.
func (h *hub) refreshTop() {
	h.topDirty = false
	top := h.svc.Top(maxTop)
	if slices.EqualFunc(top, h.top, sameForTop) {
		return
	}
	h.top = top
	h.broadcast(h.feedTop(), topMessage(top), true)
}

// sameForTop reports whether a leaderboard shows a and b alike, to the
// public and to consoles.
func sameForTop(a, b tribune.Question) bool {
	return a.ID == b.ID && a.Votes == b.Votes && a.Status == b.Status && a.Text == b.Text &&
		a.Author == b.Author && a.Anonymous == b.Anonymous && a.Label == b.Label && a.Aired.Equal(b.Aired)
}

// broadcast queues feedMsg to feed clients and eventsMsg to event clients
// (nil sends nothing to that kind). isTop marks a leaderboard message,
// which feed clients that did not ask for it skip. A client whose queue is
// full is dropped: it never holds up the others.
func (h *hub) broadcast(feedMsg, eventsMsg []byte, isTop bool) {
	for c := range h.clients {
		msg := eventsMsg
		if c.kind == kindFeed {
			msg = feedMsg
			if isTop && !c.top {
				continue
			}
		}
		if msg == nil {
			continue
		}
		select {
		case c.send <- msg:
		default:
			h.logger.Info("dropping a websocket client that does not keep up", "remote", c.remote, "queued", len(c.send))
			h.remove(c)
			c.conn.Close() // it is stalled: no goodbye, the writer's pending write fails now
		}
	}
}

// add registers c and queues the current state for it, so that what it
// receives first is the state and what follows are changes.
func (h *hub) add(c *client) {
	if h.topDirty && c.top {
		// Not the board of up to topInterval ago: a page that connects
		// as a question leaves the air would show it on air.
		h.refreshTop()
	}
	h.clients[c] = struct{}{}
	switch c.kind {
	case kindFeed:
		c.send <- h.feedOnAir()
		if c.top {
			c.send <- h.feedTop()
		}
		h.setFeeds(h.feeds + 1)
	case kindEvents:
		// The first message tells a remote console that it is subscribed.
		health, _ := h.svc.Health(context.Background())
		c.send <- encode(tribune.Event{Type: tribune.EventHealth, Health: health})
	}
}

func (h *hub) remove(c *client) {
	if _, ok := h.clients[c]; !ok {
		return
	}
	delete(h.clients, c)
	close(c.send)
	if c.kind == kindFeed {
		h.setFeeds(h.feeds - 1)
	}
}

func (h *hub) setFeeds(n int) {
	h.feeds = n
	h.svc.SetHealth(tribune.HealthOverlay, strconv.Itoa(n))
}

// Feed messages. They have their own types so that "questions" is always
// present in a top message, even when the list is empty. The public forms
// are what overlay pages receive; the others go to consoles.
type (
	questionMessage struct {
		Type     tribune.EventType `json:"type"`
		Question *tribune.Question `json:"question,omitempty"`
	}
	topListMessage struct {
		Type      tribune.EventType  `json:"type"`
		Questions []tribune.Question `json:"questions"`
	}
	publicQuestionMessage struct {
		Type     tribune.EventType       `json:"type"`
		Question *tribune.PublicQuestion `json:"question,omitempty"`
	}
	publicTopMessage struct {
		Type      tribune.EventType        `json:"type"`
		Questions []tribune.PublicQuestion `json:"questions"`
	}
)

// onAirMessage encodes the overlay state for consoles: q on air, or nothing
// when q is nil.
func onAirMessage(q *tribune.Question) []byte {
	if q == nil {
		return encode(questionMessage{Type: tribune.EventOffAir})
	}
	return encode(questionMessage{Type: tribune.EventOnAir, Question: q})
}

func topMessage(top []tribune.Question) []byte {
	if top == nil {
		top = []tribune.Question{}
	}
	return encode(topListMessage{Type: tribune.EventTop, Questions: top})
}

// feedOnAir encodes the overlay state for the public feed. The onair
// message carries the question's "since", from which pages count the
// time on air: a reloaded page or a restarted server counts on.
func (h *hub) feedOnAir() []byte {
	if h.onAir == nil {
		return encode(publicQuestionMessage{Type: tribune.EventOffAir})
	}
	p := h.onAir.Public(h.showAuthors)
	return encode(publicQuestionMessage{Type: tribune.EventOnAir, Question: &p})
}

// feedTop encodes the leaderboard for the public feed.
func (h *hub) feedTop() []byte {
	return encode(publicTopMessage{Type: tribune.EventTop, Questions: tribune.PublicQuestions(h.top, h.showAuthors)})
}

// encode marshals a message; the types above cannot fail to encode.
func encode(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic("overlay: encode message: " + err.Error())
	}
	return b
}
