package match

import (
	"context"
	"math"
	"slices"
	"strings"
	"sync"

	tribune "github.com/tribune-live/tribune"
)

var _ tribune.Matcher = (*Matcher)(nil)

// DefaultThreshold is the Jaccard similarity of two questions' key-word
// sets from which the second is taken as a repeat of the first.
const DefaultThreshold = 0.7

// Matcher finds near-duplicate questions. It implements tribune.Matcher.
//
// A question is reduced to its key words: folded (accents and case
// removed), without French and English stop words, crudely stemmed (plural
// ending dropped, long words cut to their first letters) so that "transport"
// and "transports", "impôt" and "impots" meet. Two questions match when the
// Jaccard similarity of their key-word sets reaches Threshold, with guards
// against false merges of short or opposite questions:
//   - questions of one or two key words match only an identical set;
//   - a number or a negation present in one and not the other prevents a
//     match ("taxes in 2025" vs "in 2026", "will you" vs "will you not").
//
// An inverted index (key word → questions) keeps Match fast with many open
// questions: only questions that share one of the rarest key words of the
// text can reach the threshold, and only those are compared. The index is
// compact, since it holds every open question of a session for the whole
// meeting: key words are numbered, postings are 32-bit question ids kept
// sorted, and a question is 12 bytes plus its key-word numbers, in a table
// indexed by id: the Service numbers a session's questions 1, 2, 3….
//
// Add only queues the text: a goroutine indexes what is queued, outside
// the caller's lock, so that the Service loading 100 000 questions at
// start is not held up by the index. Match and Len first index whatever is
// still queued, so a text is never compared with a partial index: a
// question asked in the first moments after a restart waits for the rest
// of the index instead of missing a duplicate.
//
// A Matcher is safe for concurrent use.
type Matcher struct {
	// Threshold is the similarity (0–1] from which texts match;
	// DefaultThreshold by default. Set it before first use.
	Threshold float64

	mu    sync.Mutex
	idle  sync.Cond      // on mu: signalled when the builder has applied what it took
	dict  map[string]tok // every key word seen, numbered
	post  [][]entry      // key word number → questions that have it, sorted
	docs  []doc          // by id
	arena []tok          // key-word numbers of the questions; a doc's are arena[off:off+n]
	waste int            // arena entries no live doc uses
	live  int
	epoch uint32
	// candidates is Match's scratch list, kept from call to call.
	candidates []entry

	// pending holds the Adds (and the Removes that came after them) not
	// indexed yet, in order; the builder indexes pending[:taken] outside
	// the lock.
	pending  []op
	taken    int
	building bool
	built    chan struct{} // closed when the running build ends; nil when idle
}

// tok numbers a key word. Numbers of critical key words (negations,
// numbers) have critBit set, so that comparisons test a bit, not a string.
type tok uint32

const critBit tok = 1 << 31

// entry is a question id in a posting list: 32 bits, as ids are below
// maxID.
type entry int32

type doc struct {
	off  uint32 // first key word in arena
	seen uint32 // epoch of the last Match that looked at it
	n    uint16 // number of key words: 300 runes hold fewer than 2^16
	live bool
	hits uint8 // in the last Match (seen), how many of its rarest key words it has
}

type op struct {
	id     int
	text   string
	remove bool
}

// Sizes of the index's moving parts.
const (
	// maxID bounds the ids indexed: docs is a table indexed by id, and the
	// Service numbers questions densely from 1.
	maxID = 1 << 24
	// buildChunk is how many queued texts the builder takes at a time:
	// the lock is held only while a chunk's key words are inserted.
	buildChunk = 256
)

// NewMatcher returns an empty Matcher with DefaultThreshold.
func NewMatcher() *Matcher {
	m := &Matcher{Threshold: DefaultThreshold, dict: map[string]tok{}}
	m.idle.L = &m.mu
	return m
}

// Add indexes question id with its text, replacing what id had. It
// returns at once: the text is indexed in the background, before any later
// Match. id is a question number as the Service makes them, 1, 2, 3…: the
// index is a table indexed by id, and an id below 0 or from 2^24 on is not
// indexed.
func (m *Matcher) Add(id int, text string) {
	if id < 0 || id >= maxID {
		return
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	m.pending = append(m.pending, op{id: id, text: text})
	if !m.building {
		m.building = true
		m.built = make(chan struct{})
		go m.build()
	}
}

// Wait returns once Match would not have to index a big backlog first, or
// when ctx ends. The Service calls it before it queues a question: after a
// restart the index of a big session takes a fraction of a second to
// build, and Match must not wait for it while the Service's writer holds
// every other command up. A backlog of a chunk or less (the questions of
// the last moments) is not waited for: Match indexes it in a few ms, and
// waiting for the builder to go idle would chain every question asked in a
// busy chat behind the ones asked just before it.
func (m *Matcher) Wait(ctx context.Context) error {
	m.mu.Lock()
	built, backlog := m.built, len(m.pending)
	m.mu.Unlock()
	if built == nil || backlog <= buildChunk {
		return nil
	}
	select {
	case <-built:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Remove forgets question id.
func (m *Matcher) Remove(id int) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if len(m.pending) > 0 {
		// After the queued Adds, one of which may be id's.
		m.pending = append(m.pending, op{id: id, remove: true})
		return
	}
	m.removeLocked(id)
}

// Len returns how many questions are indexed.
func (m *Matcher) Len() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.settleLocked()
	return m.live
}

// build indexes the queued texts, a chunk at a time, until none is left.
// Key words are computed outside the lock, so that Add and Remove never wait
// for more than a chunk's insertion.
func (m *Matcher) build() {
	var (
		kws  []string
		ends []int
	)
	m.mu.Lock()
	defer m.mu.Unlock()
	for len(m.pending) > 0 {
		n := min(len(m.pending), buildChunk)
		ops := m.pending[:n]
		m.taken = n
		m.mu.Unlock()
		// Nobody touches pending[:taken] meanwhile: Add and Remove append
		// after it, settleLocked waits for taken to drop to 0.
		kws, ends = kws[:0], ends[:0]
		for _, o := range ops {
			if !o.remove {
				kws = appendKeyWords(kws, o.text)
			}
			ends = append(ends, len(kws))
		}
		m.mu.Lock()
		from := 0
		for i, o := range ops {
			if o.remove {
				m.removeLocked(o.id)
			} else {
				m.insertLocked(o.id, kws[from:ends[i]])
			}
			from = ends[i]
		}
		clear(ops) // drop the texts: pending's array lives until it empties
		m.pending = m.pending[n:]
		m.taken = 0
		m.idle.Broadcast()
	}
	m.pending = nil
	m.building = false
	close(m.built)
	m.built = nil
}

// settleLocked indexes everything queued, on the caller's goroutine, after
// the chunk the builder holds, if any.
func (m *Matcher) settleLocked() {
	for m.taken > 0 {
		m.idle.Wait()
	}
	if len(m.pending) == 0 {
		return
	}
	var kws []string
	for _, o := range m.pending {
		if o.remove {
			m.removeLocked(o.id)
			continue
		}
		kws = appendKeyWords(kws[:0], o.text)
		m.insertLocked(o.id, kws)
	}
	m.pending = nil // a start's queue is big: let it go
}

// insertLocked indexes id with key words kw (sorted, unique), replacing
// what id had.
func (m *Matcher) insertLocked(id int, kw []string) {
	m.removeLocked(id)
	off := len(m.arena)
	for _, w := range kw {
		t, ok := m.dict[w]
		if !ok {
			t = tok(len(m.post))
			m.post = append(m.post, nil)
			if critical(w) {
				t |= critBit
			}
			m.dict[strings.Clone(w)] = t // w may be a slice of a long text
		}
		m.arena = append(m.arena, t)
	}
	toks := m.arena[off:]
	slices.Sort(toks)
	if id >= len(m.docs) {
		m.docs = slices.Grow(m.docs, id+1-len(m.docs))[:id+1]
	}
	m.docs[id] = doc{off: uint32(off), n: uint16(len(toks)), live: true}
	e := entry(id)
	m.live++
	for _, t := range toks {
		k := t &^ critBit
		list := m.post[k]
		if n := len(list); n == 0 || list[n-1] < e {
			m.post[k] = append(list, e) // the usual case: ids grow
			continue
		}
		i, _ := slices.BinarySearch(list, e)
		m.post[k] = slices.Insert(list, i, e)
	}
}

func (m *Matcher) removeLocked(id int) {
	if id < 0 || id >= len(m.docs) || !m.docs[id].live {
		return
	}
	e, d := entry(id), &m.docs[id]
	for _, t := range m.arena[d.off : d.off+uint32(d.n)] {
		k := t &^ critBit
		if i, found := slices.BinarySearch(m.post[k], e); found {
			m.post[k] = slices.Delete(m.post[k], i, i+1)
		}
	}
	d.live = false
	m.live--
	m.waste += int(d.n)
	if m.waste > 1<<16 && m.waste > len(m.arena)/2 {
		m.compact()
	}
}

// compact drops the key words of removed and replaced questions from the
// arena.
func (m *Matcher) compact() {
	arena := make([]tok, 0, len(m.arena)-m.waste)
	for i := range m.docs {
		if d := &m.docs[i]; d.live {
			off := len(arena)
			arena = append(arena, m.arena[d.off:d.off+uint32(d.n)]...)
			d.off = uint32(off)
		}
	}
	m.arena, m.waste = arena, 0
}

// Match returns the indexed question that text repeats: the most similar
// one, the oldest (smallest id) among equals.
func (m *Matcher) Match(text string) (int, bool) {
	kw := appendKeyWords(nil, text)
	if len(kw) == 0 {
		return 0, false
	}
	th := m.Threshold
	if th <= 0 || th > 1 {
		th = DefaultThreshold
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	m.settleLocked()
	a := make([]tok, 0, len(kw))
	unknown := 0 // key words no question has: they only count in the size of text's set
	for _, w := range kw {
		t, ok := m.dict[w]
		if !ok {
			if critical(w) {
				return 0, false // a number or negation no question has
			}
			unknown++
			continue
		}
		a = append(a, t)
	}
	size := len(a) + unknown
	// A match shares at least need key words with text. Of the p rarest
	// known ones it then shares at least need-(len(a)-p): only questions
	// with that many hits in those p posting lists can match, and only
	// they are compared. Two hits rather than one keep the comparisons to
	// the few questions that share rare words, not every question that
	// shares one.
	need := size
	if size > 2 {
		need = int(math.Ceil(th*float64(size) - 1e-9))
	}
	if need > len(a) {
		return 0, false
	}
	p := min(len(a), len(a)-need+2)
	minHits := need - (len(a) - p)
	order := slices.Clone(a)
	slices.SortFunc(order, func(x, y tok) int { return len(m.post[x&^critBit]) - len(m.post[y&^critBit]) })
	slices.Sort(a)
	m.epoch++
	if m.epoch == 0 { // wrapped: forget the old marks
		for i := range m.docs {
			m.docs[i].seen = 0
		}
		m.epoch = 1
	}
	candidates := m.candidates[:0]
	for _, t := range order[:p] {
		for _, e := range m.post[t&^critBit] {
			d := &m.docs[e]
			if d.seen != m.epoch {
				d.seen, d.hits = m.epoch, 0
			}
			if d.hits < math.MaxUint8 {
				d.hits++
			}
			if int(d.hits) == minHits {
				candidates = append(candidates, e)
			}
		}
	}
	m.candidates = candidates
	best, bestScore := 0, -1.0
	for _, e := range candidates {
		d, id := &m.docs[e], int(e)
		if s, ok := similarity(a, unknown, m.arena[d.off:d.off+uint32(d.n)], th); ok && (s > bestScore || s == bestScore && id < best) {
			best, bestScore = id, s
		}
	}
	return best, bestScore >= 0
}

// similarity returns the Jaccard similarity of two key-word sets and
// whether it makes them a match. a and b are sorted; extra counts further
// key words of a that b cannot have (unknown to the index, not critical).
func similarity(a []tok, extra int, b []tok, th float64) (float64, bool) {
	na, nb := len(a)+extra, len(b)
	if na == 0 || nb == 0 {
		return 0, false
	}
	if (na <= 2 || nb <= 2) && na != nb {
		return 0, false
	}
	if small, large := min(na, nb), max(na, nb); float64(small) < th*float64(large)-1e-9 {
		return 0, false
	}
	inter := 0
	i, j := 0, 0
	for i < len(a) || j < len(b) {
		switch {
		case j == len(b) || i < len(a) && a[i] < b[j]:
			if a[i]&critBit != 0 {
				return 0, false
			}
			i++
		case i == len(a) || b[j] < a[i]:
			if b[j]&critBit != 0 {
				return 0, false
			}
			j++
		default:
			inter++
			i++
			j++
		}
	}
	s := float64(inter) / float64(na+nb-inter)
	if na <= 2 {
		return s, inter == na // identical sets only
	}
	return s, s >= th-1e-9
}
