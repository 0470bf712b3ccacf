package bot

import (
	"hash/maphash"
	"strings"
	"sync"
	"time"
)

// Defaults of the memory of recent messages.
const (
	// DefaultDedupWindow is how long a message's key is remembered: its
	// Shared Chat copies arrive within moments of each other, and a copy
	// that comes later than this is applied again (a vote is then refused
	// as already counted; a question folds into itself as a duplicate).
	DefaultDedupWindow = time.Minute
	// DefaultDedupSize bounds the keys remembered, whatever the window:
	// seconds of the busiest chat, ample for copies that arrive within
	// moments. 1<<16 keys held 5 MB more live heap in tribune-bench -only
	// mixed, which pushed the meeting past its memory budget.
	DefaultDedupSize = 1 << 14
	// askWindow and askSize bound the ids of the messages that asked a
	// question, kept so that a moderator's deletion of any copy finds it,
	// which it does within minutes. After that the deletion's id is taken
	// as the key, which it is unless the question came from a mirror.
	// An hour and 1<<14 held 3 MB of live heap in tribune-bench -only
	// mixed, where every kilobyte is collection work under the budget.
	askWindow = 10 * time.Minute
	askSize   = 1 << 12
)

// recent remembers what the Client applied lately, for Twitch Shared Chat:
// a message and its mirrors share one key (the mirror's source-id, the
// original's id), and only the first copy to arrive is applied.
//
// Keys are kept as 64-bit hashes, so that 65 536 of them cost about 2 MB
// and nothing the garbage collector scans; two keys collide with a
// probability of about 10⁻¹⁰ for a full memory, and a collision only
// drops one command. The messages that asked questions are few (one per
// viewer per 30 s at most): their ids are kept whole, with the key and
// author they lead to.
type recent struct {
	window time.Duration
	size   int
	seed   maphash.Seed

	mu    sync.Mutex // guards everything below
	seen  map[uint64]int64
	order []stamp // arrival order; order[head:] is live
	head  int
	asks  map[string]askRef
	aord  []askStamp
	ahead int
}

type stamp struct {
	h  uint64
	at int64 // unix nanoseconds
}

// askRef is where the id of a copy of a question's message leads: the
// question's key (its MessageID) and its author's user id.
type askRef struct {
	key, user string
}

type askStamp struct {
	id string
	at int64
}

func newRecent(window time.Duration, size int) *recent {
	if window <= 0 {
		window = DefaultDedupWindow
	}
	if size <= 0 {
		size = DefaultDedupSize
	}
	return &recent{window: window, size: size, seed: maphash.MakeSeed(), seen: map[uint64]int64{}, asks: map[string]askRef{}}
}

// first records key at now and reports whether it is new: false when a
// copy with the same key was recorded within the window.
func (r *recent) first(key string, now time.Time) bool {
	t := now.UnixNano()
	h := maphash.String(r.seed, key)
	r.mu.Lock()
	defer r.mu.Unlock()
	for r.head < len(r.order) && (len(r.order)-r.head >= r.size || t-r.order[r.head].at >= int64(r.window)) {
		old := r.order[r.head]
		if r.seen[old.h] == old.at {
			delete(r.seen, old.h)
		}
		r.head++
	}
	if r.head > len(r.order)/2 {
		r.order = append(r.order[:0], r.order[r.head:]...)
		r.head = 0
	}
	if at, ok := r.seen[h]; ok && t-at < int64(r.window) {
		return false
	}
	r.seen[h] = t
	r.order = append(r.order, stamp{h: h, at: t})
	return true
}

// putAsk records that the message id, one copy of a question's message
// with key, was written by user.
func (r *recent) putAsk(id, key, user string, now time.Time) {
	t := now.UnixNano()
	r.mu.Lock()
	defer r.mu.Unlock()
	for r.ahead < len(r.aord) && (len(r.aord)-r.ahead >= askSize || t-r.aord[r.ahead].at >= int64(askWindow)) {
		delete(r.asks, r.aord[r.ahead].id)
		r.aord[r.ahead] = askStamp{}
		r.ahead++
	}
	if r.ahead > len(r.aord)/2 {
		r.aord = append(r.aord[:0], r.aord[r.ahead:]...)
		r.ahead = 0
	}
	if _, ok := r.asks[id]; ok {
		return
	}
	// The strings are slices of the raw IRC line: copies keep only them.
	ref := askRef{key: strings.Clone(key), user: strings.Clone(user)}
	if key == id {
		id = ref.key
	} else {
		id = strings.Clone(id)
	}
	r.asks[id] = ref
	r.aord = append(r.aord, askStamp{id: id, at: t})
}

// ask returns where the id of a copy of a question's message leads.
func (r *recent) ask(id string) (askRef, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	ref, ok := r.asks[id]
	return ref, ok
}
