package tribune

import "sync"

// DefaultSubscriptionBuffer is how many events a subscriber may fall behind
// before it is told to resync.
const DefaultSubscriptionBuffer = 1024

// Hub fans events out to subscribers without ever blocking the publisher.
// One mutex guards the subscriber set and every subscriber's lag flag.
type Hub struct {
	mu   sync.Mutex
	subs map[*Subscription]struct{}
}

// NewHub returns an empty hub.
func NewHub() *Hub { return &Hub{subs: map[*Subscription]struct{}{}} }

// Subscription receives events on C until Close.
//
// A subscriber that falls behind is not fed a stale, gappy stream: when its
// buffer is full the hub puts one EventResync in the last free slot and drops
// further events until the subscriber has drained the buffer. On reading
// EventResync the subscriber must reload the state it mirrors; everything it
// missed is in that state, because events are published after they are
// stored, and events carry whole questions, so applying one twice is harmless.
type Subscription struct {
	C       <-chan Event
	c       chan Event
	hub     *Hub
	lagging bool // guarded by hub.mu
	closed  bool // guarded by hub.mu
}

// Subscribe returns a subscription with a buffer of n events (at least 2).
func (h *Hub) Subscribe(n int) *Subscription {
	if n < 2 {
		n = 2
	}
	c := make(chan Event, n)
	s := &Subscription{C: c, c: c, hub: h}
	h.mu.Lock()
	h.subs[s] = struct{}{}
	h.mu.Unlock()
	return s
}

// Close ends the subscription and closes C.
func (s *Subscription) Close() {
	h := s.hub
	h.mu.Lock()
	defer h.mu.Unlock()
	if s.closed {
		return
	}
	s.closed = true
	delete(h.subs, s)
	close(s.c)
}

// Subscribers returns how many subscriptions are open.
func (h *Hub) Subscribers() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return len(h.subs)
}

// Publish sends events to every subscriber without blocking.
func (h *Hub) Publish(events ...Event) {
	if len(events) == 0 {
		return
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	for s := range h.subs {
		for _, e := range events {
			s.send(e)
		}
	}
}

// send must be called with hub.mu held.
func (s *Subscription) send(e Event) {
	if s.lagging {
		if len(s.c) > 0 {
			return // the resync marker is still unread
		}
		s.lagging = false
	}
	if len(s.c) < cap(s.c)-1 {
		s.c <- e
		return
	}
	s.lagging = true
	s.c <- Event{Type: EventResync}
}
