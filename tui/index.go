package tui

import (
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/tribune-live/tribune"
)

// order is how the queue is sorted.
type order int

const (
	byVotes order = iota // most votes first, older first among equals
	byAge                // oldest first: the order questions arrived in
)

func (o order) String() string {
	if o == byAge {
		return "age"
	}
	return "votes"
}

// filter selects the questions the queue shows: a status, or one of the
// two groups below.
type filter string

const (
	filterOpen filter = "open" // pending, approved, on air, hidden: still in play
	filterAll  filter = "all"
)

// filters lists the filters in the order tab cycles through them.
var filters = func() []filter {
	fs := []filter{filterOpen}
	for _, s := range tribune.Statuses {
		fs = append(fs, filter(s))
	}
	return append(fs, filterAll)
}()

func (f filter) match(s tribune.Status) bool {
	switch f {
	case filterAll:
		return true
	case filterOpen:
		return s.Open()
	}
	return tribune.Status(f) == s
}

// next returns the filter d steps after f in filters.
func (f filter) next(d int) filter {
	i := slices.Index(filters, f)
	n := len(filters)
	return filters[((i+d)%n+n)%n]
}

// entry is one question as the console mirrors it.
type entry struct {
	q tribune.Question
	// haystack is what search looks in, lower-cased; computed on demand and
	// dropped when the text or author changes, so a vote costs nothing.
	haystack string
}

// index mirrors the session's questions and keeps the queue's view sorted
// incrementally: a vote moves one id within view (a binary search and a
// copy) instead of re-sorting everything, so the console stays fluid with
// tens of thousands of questions. Only the Model's goroutine touches it.
type index struct {
	byID       map[int]*entry
	counts     map[tribune.Status]int
	mergedFrom map[int][]int // target id -> ids merged into it, ascending
	original   map[int]string
	// fresh holds pending questions that arrived while the console ran and
	// that the moderator has not looked at yet: the "new pending" badge.
	fresh map[int]struct{}
	maxID int // the highest id, for the width of the id column

	filter filter
	order  order
	search string // lower-cased; "" shows everything the filter lets through
	view   []int  // ids shown, sorted by order
}

func newIndex() *index {
	return &index{
		byID:       map[int]*entry{},
		counts:     map[tribune.Status]int{},
		mergedFrom: map[int][]int{},
		original:   map[int]string{},
		fresh:      map[int]struct{}{},
		filter:     filterOpen,
		order:      byVotes,
	}
}

// count returns how many questions a filter lets through, search aside.
func (x *index) count(f filter) int {
	switch f {
	case filterAll:
		return len(x.byID)
	case filterOpen:
		n := 0
		for s, c := range x.counts {
			if s.Open() {
				n += c
			}
		}
		return n
	}
	return x.counts[tribune.Status(f)]
}

func (x *index) less(a, b *tribune.Question) bool {
	if x.order == byAge {
		if !a.Created.Equal(b.Created) {
			return a.Created.Before(b.Created)
		}
		return a.ID < b.ID
	}
	if a.Votes != b.Votes {
		return a.Votes > b.Votes
	}
	return a.ID < b.ID
}

func (e *entry) matches(term string) bool {
	if term == "" {
		return true
	}
	if e.haystack == "" {
		e.haystack = strings.ToLower("#" + strconv.Itoa(e.q.ID) + " " + e.q.Author + " @" + e.q.AuthorLogin + " " + e.q.Text)
	}
	return strings.Contains(e.haystack, term)
}

func (x *index) shows(e *entry) bool {
	return x.filter.match(e.q.Status) && e.matches(x.search)
}

// pos returns where q sits, or would sit, in view.
func (x *index) pos(q *tribune.Question) int {
	return sort.Search(len(x.view), func(i int) bool {
		return !x.less(&x.byID[x.view[i]].q, q)
	})
}

// find returns the position of question id in view.
func (x *index) find(id int) (int, bool) {
	e, ok := x.byID[id]
	if !ok || !x.shows(e) {
		return 0, false
	}
	i := x.pos(&e.q)
	if i < len(x.view) && x.view[i] == id {
		return i, true
	}
	return 0, false
}

// get returns question id.
func (x *index) get(id int) (tribune.Question, bool) {
	e, ok := x.byID[id]
	if !ok {
		return tribune.Question{}, false
	}
	return e.q, true
}

// put adds or replaces a question and reports whether it was new. Events
// carry whole questions, so applying one twice is harmless.
func (x *index) put(q tribune.Question) (added bool) {
	e, ok := x.byID[q.ID]
	if ok {
		if i, in := x.find(q.ID); in {
			x.view = slices.Delete(x.view, i, i+1)
		}
		x.counts[e.q.Status]--
		if e.q.MergedInto != 0 && e.q.MergedInto != q.MergedInto {
			x.mergedFrom[e.q.MergedInto] = slices.DeleteFunc(x.mergedFrom[e.q.MergedInto], func(id int) bool { return id == q.ID })
			if len(x.mergedFrom[e.q.MergedInto]) == 0 {
				delete(x.mergedFrom, e.q.MergedInto)
			}
		}
		if e.q.Text != q.Text {
			if _, seen := x.original[q.ID]; !seen {
				x.original[q.ID] = e.q.Text
			}
		}
		if e.q.Text != q.Text || e.q.Author != q.Author || e.q.AuthorLogin != q.AuthorLogin {
			e.haystack = ""
		}
		old := e.q.MergedInto
		e.q = q
		x.addMerged(q, old)
	} else {
		e = &entry{q: q}
		x.byID[q.ID] = e
		x.addMerged(q, 0)
	}
	x.counts[q.Status]++
	x.maxID = max(x.maxID, q.ID)
	if q.Status != tribune.StatusPending {
		delete(x.fresh, q.ID)
	}
	if x.shows(e) {
		i := x.pos(&e.q)
		x.view = slices.Insert(x.view, i, q.ID)
	}
	return !ok
}

func (x *index) addMerged(q tribune.Question, old int) {
	if q.MergedInto == 0 || q.MergedInto == old {
		return
	}
	ids := x.mergedFrom[q.MergedInto]
	i, found := slices.BinarySearch(ids, q.ID)
	if !found {
		x.mergedFrom[q.MergedInto] = slices.Insert(ids, i, q.ID)
	}
}

// load replaces everything with qs. Pending questions that were not known
// before count as fresh, unless this is the first load.
func (x *index) load(qs []tribune.Question, first bool) {
	known := x.byID
	x.byID = make(map[int]*entry, len(qs))
	x.counts = map[tribune.Status]int{}
	x.mergedFrom = map[int][]int{}
	x.maxID = 0
	for _, q := range qs {
		x.maxID = max(x.maxID, q.ID)
		e := &entry{q: q}
		if old, ok := known[q.ID]; ok {
			if old.q.Text != q.Text {
				if _, seen := x.original[q.ID]; !seen {
					x.original[q.ID] = old.q.Text
				}
			} else {
				e.haystack = old.haystack
			}
		} else if !first && q.Status == tribune.StatusPending {
			x.fresh[q.ID] = struct{}{}
		}
		x.byID[q.ID] = e
		x.counts[q.Status]++
		x.addMerged(q, 0)
	}
	for id := range x.fresh {
		if e, ok := x.byID[id]; !ok || e.q.Status != tribune.StatusPending {
			delete(x.fresh, id)
		}
	}
	x.rebuild()
}

// rebuild recomputes view after the filter, order or search changed.
func (x *index) rebuild() {
	es := make([]*entry, 0, len(x.byID))
	for _, e := range x.byID {
		if x.shows(e) {
			es = append(es, e)
		}
	}
	slices.SortFunc(es, func(a, b *entry) int {
		switch {
		case x.less(&a.q, &b.q):
			return -1
		case x.less(&b.q, &a.q):
			return 1
		}
		return 0
	})
	x.view = x.view[:0]
	for _, e := range es {
		x.view = append(x.view, e.q.ID)
	}
}

func (x *index) setFilter(f filter) { x.filter = f; x.rebuild() }
func (x *index) setOrder(o order)   { x.order = o; x.rebuild() }

func (x *index) setSearch(term string) {
	term = strings.ToLower(strings.TrimSpace(term))
	if term == x.search {
		return
	}
	x.search = term
	x.rebuild()
}
