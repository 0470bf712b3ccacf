package tui

import (
	"slices"
	"sort"

	"github.com/tribune-live/tribune"
)

// labelTable numbers the labels of the questions, so that a slot carries
// its label as a small number and the label filter compares numbers.
// Numbers are never reused: a label no question has any more keeps its.
type labelTable map[string]uint32

func newLabelTable() labelTable { return labelTable{"": 0} }

func (t labelTable) intern(label string) uint32 {
	c, ok := t[label]
	if !ok {
		// Past 2^24 labels (a Service holds 256), the last number is
		// shared: the label filter then shows those labels together.
		c = uint32(min(len(t), 1<<labelBits-1))
		t[label] = c
	}
	return c
}

// entry is one question as the console mirrors it.
type entry struct {
	q     tribune.Question
	chunk int // its search text in the index's corpus
}

// slot is an entry's place in a sorted list. It carries copies of what
// filtering reads, so that a pass over a list of a hundred thousand
// questions reads the list alone, not every entry scattered over the
// heap, which made such a pass several times slower.
//
// A slot has four fields: the compiler keeps a struct of at most four
// fields in registers, and copied a slot of five to the stack in every
// pass, which made rebuild 1.6× slower on 100 000 questions
// (BenchmarkKeyTab100k). tag packs the source and the label for that.
type slot struct {
	e   *entry
	id  int    // e.q.ID
	st  uint8  // statusCode(e.q.Status)
	tag uint32 // sourceCode(e.q.Source) << 24 | e.q.Label in the index's labelTable
}

const labelBits = 24

func (s slot) src() uint8  { return uint8(s.tag >> labelBits) }
func (s slot) lab() uint32 { return s.tag & (1<<labelBits - 1) }

func (t labelTable) slot(e *entry) slot {
	return slot{e: e, id: e.q.ID, st: statusCode(e.q.Status), tag: uint32(sourceCode(e.q.Source))<<labelBits | t.intern(e.q.Label)}
}

// search returns where e belongs in s, sorted by o. With skip >= 0, s is
// read as if s[skip] were not there: that is where e goes when it moves.
func (o order) search(s []slot, e *entry, skip int) int {
	n := len(s)
	if skip >= 0 {
		n--
	}
	return sort.Search(n, func(i int) bool {
		if skip >= 0 && i >= skip {
			i++
		}
		return o.cmp(&s[i].e.q, &e.q) >= 0
	})
}

// move moves s[i] to position j of s without it, shifting only what lies
// between: a vote usually moves a question a few places.
func move(s []slot, i, j int) {
	e := s[i]
	switch {
	case j > i:
		copy(s[i:j], s[i+1:j+1])
	case j < i:
		copy(s[j+1:i+1], s[j:i])
	}
	s[j] = e
}

// index mirrors the session's questions and keeps them sorted
// incrementally, in both orders: a vote moves one entry within each list (a
// binary search and a short copy) instead of re-sorting everything, and a
// change of filter, order or search is one pass over a list that is already
// sorted, so the console stays fluid with a hundred thousand questions.
// Only the Model's goroutine touches it.
type index struct {
	byID map[int]*entry
	// sorted holds every question, by votes and by age: view is cut out of
	// one of them.
	sorted     [2][]slot
	counts     map[tribune.Status]int
	mergedFrom map[int][]int // target id -> ids merged into it, ascending
	original   map[int]string
	// fresh holds pending questions that arrived while the console ran and
	// that the moderator has not looked at yet: the "new pending" badge.
	fresh  map[int]struct{}
	maxID  int // the highest id, for the width of the id column
	onAir  int // the question on air, or 0
	labels labelTable
	// labelN and twitchN count the questions of each label and of each
	// Twitch channel (but ""): the labels the label filter cycles
	// through, and whether the source badge needs the channel.
	labelN  map[string]int
	twitchN map[string]int
	// marked holds the questions selected for a wave: rejected together.
	marked map[int]struct{}

	filter filter
	source string // a source of sourceFilters; "" shows every source
	label  string // "" shows every label
	order  order
	search string // lower-cased; "" shows everything the filter lets through
	term   []byte // search, for the corpus
	text   *corpus
	hits   []uint64 // by question id, the questions whose text has term
	view   []slot   // questions shown, sorted by order
}

func newIndex() *index {
	return &index{
		byID:       map[int]*entry{},
		counts:     map[tribune.Status]int{},
		mergedFrom: map[int][]int{},
		original:   map[int]string{},
		fresh:      map[int]struct{}{},
		labels:     newLabelTable(),
		labelN:     map[string]int{},
		twitchN:    map[string]int{},
		marked:     map[int]struct{}{},
		text:       &corpus{},
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

func (x *index) less(a, b *tribune.Question) bool { return x.order.cmp(a, b) < 0 }

func (x *index) shows(e *entry) bool {
	return x.filter.match(e.q.Status) &&
		(x.source == "" || sourceCode(e.q.Source) == sourceCode(x.source)) &&
		(x.label == "" || e.q.Label == x.label) &&
		(x.search == "" || x.text.contains(e, x.term))
}

// tally counts q in (d = 1) or out of (d = -1) the counts of statuses,
// labels and Twitch channels, and keeps the on-air question.
func (x *index) tally(q *tribune.Question, d int) {
	x.counts[q.Status] += d
	if q.Label != "" {
		bump(x.labelN, q.Label, d)
	}
	if sourceCode(q.Source) == 0 && q.Channel != "" {
		bump(x.twitchN, q.Channel, d)
	}
	switch {
	case d > 0 && q.Status == tribune.StatusOnAir:
		x.onAir = q.ID
	case d < 0 && x.onAir == q.ID:
		x.onAir = 0
	}
}

func bump(m map[string]int, k string, d int) {
	if m[k] += d; m[k] <= 0 {
		delete(m, k)
	}
}

// labelList returns the labels questions have, sorted.
func (x *index) labelList() []string {
	out := make([]string, 0, len(x.labelN))
	for l := range x.labelN {
		out = append(out, l)
	}
	slices.Sort(out)
	return out
}

// at returns the id of the question at position i of view.
func (x *index) at(i int) int { return x.view[i].e.q.ID }

// find returns the position of question id in view.
func (x *index) find(id int) (int, bool) {
	e, ok := x.byID[id]
	if !ok || !x.shows(e) {
		return 0, false
	}
	i := x.order.search(x.view, e, -1)
	if i < len(x.view) && x.view[i].e == e {
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
	if !ok {
		e = &entry{q: q}
		x.text.add(e)
		x.byID[q.ID] = e
		x.addMerged(q, 0)
		sl := x.labels.slot(e)
		for o := range x.sorted {
			i := order(o).search(x.sorted[o], e, -1)
			x.sorted[o] = slices.Insert(x.sorted[o], i, sl)
		}
		x.tally(&e.q, 1)
		x.maxID = max(x.maxID, q.ID)
		if q.Status != tribune.StatusPending {
			delete(x.fresh, q.ID)
		}
		if x.shows(e) {
			x.view = slices.Insert(x.view, x.order.search(x.view, e, -1), sl)
		}
		return true
	}

	// Where e is now, found with its old values.
	var was [2]int
	for o := range x.sorted {
		was[o] = order(o).search(x.sorted[o], e, -1)
	}
	inView := -1
	if i, in := x.find(q.ID); in {
		inView = i
	}

	x.tally(&e.q, -1)
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
	refold := e.q.Text != q.Text || e.q.Author != q.Author || e.q.AuthorLogin != q.AuthorLogin
	old := e.q.MergedInto
	e.q = q
	if refold {
		x.text.replace(e, x.byID)
	}
	x.addMerged(q, old)
	x.tally(&e.q, 1)
	x.maxID = max(x.maxID, q.ID)
	if q.Status != tribune.StatusPending {
		delete(x.fresh, q.ID)
	}

	sl := x.labels.slot(e)
	for o := range x.sorted {
		j := order(o).search(x.sorted[o], e, was[o])
		move(x.sorted[o], was[o], j)
		x.sorted[o][j] = sl
	}
	switch shows := x.shows(e); {
	case inView >= 0 && shows:
		j := x.order.search(x.view, e, inView)
		move(x.view, inView, j)
		x.view[j] = sl
	case inView >= 0:
		x.view = slices.Delete(x.view, inView, inView+1)
	case shows:
		x.view = slices.Insert(x.view, x.order.search(x.view, e, -1), sl)
	}
	return false
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

// prepared is a snapshot's questions made ready for the index: folded for
// search and sorted in both orders. prepare is the costly part of a load,
// so the command that loads the snapshot runs it, off the Model's
// goroutine.
type prepared struct {
	entries []*entry // as loaded
	sorted  [2][]slot
	labels  labelTable
	text    *corpus
}

func prepare(qs []tribune.Question) *prepared {
	n := 0
	for i := range qs {
		n += size(&qs[i])
	}
	// One allocation for every entry, one for the texts.
	es := make([]entry, len(qs))
	p := &prepared{entries: make([]*entry, len(qs)), labels: newLabelTable(), text: &corpus{
		buf: make([]byte, 0, n), start: make([]int, 0, len(qs)), id: make([]int, 0, len(qs)),
	}}
	for i, q := range qs {
		es[i].q = q
		p.entries[i] = &es[i]
		p.text.add(p.entries[i])
	}
	for o := range p.sorted {
		s := make([]slot, len(p.entries))
		for i, e := range p.entries {
			s[i] = p.labels.slot(e)
		}
		slices.SortFunc(s, func(a, b slot) int { return order(o).cmp(&a.e.q, &b.e.q) })
		p.sorted[o] = s
	}
	return p
}

// load replaces everything with qs. Pending questions that were not known
// before count as fresh, unless this is the first load.
func (x *index) load(qs []tribune.Question, first bool) { x.loadPrepared(prepare(qs), first) }

// loadPrepared is load with the questions already prepared.
func (x *index) loadPrepared(p *prepared, first bool) {
	known := x.byID
	x.byID = make(map[int]*entry, len(p.entries))
	x.counts = map[tribune.Status]int{}
	x.labelN, x.twitchN = map[string]int{}, map[string]int{}
	x.mergedFrom = map[int][]int{}
	x.maxID, x.onAir = 0, 0
	x.labels = p.labels
	dup := false
	for _, e := range p.entries {
		q := e.q
		x.maxID = max(x.maxID, q.ID)
		if old, ok := known[q.ID]; ok {
			if old.q.Text != q.Text {
				if _, seen := x.original[q.ID]; !seen {
					x.original[q.ID] = old.q.Text
				}
			}
		} else if !first && q.Status == tribune.StatusPending {
			x.fresh[q.ID] = struct{}{}
		}
		if prev, ok := x.byID[q.ID]; ok {
			dup = true
			x.tally(&prev.q, -1)
			p.text.drop(prev)
		}
		x.byID[q.ID] = e
		x.tally(&e.q, 1)
		x.addMerged(q, 0)
	}
	for id := range x.fresh {
		if e, ok := x.byID[id]; !ok || e.q.Status != tribune.StatusPending {
			delete(x.fresh, id)
		}
	}
	for id := range x.marked {
		if _, ok := x.byID[id]; !ok {
			delete(x.marked, id)
		}
	}
	x.sorted = p.sorted
	x.text = p.text
	if dup {
		// A remote server sent an id twice: keep the last, as put
		// would, and only it in the sorted lists.
		for o := range x.sorted {
			x.sorted[o] = slices.DeleteFunc(x.sorted[o], func(s slot) bool { return x.byID[s.e.q.ID] != s.e })
		}
	}
	x.view = nil
	x.rebuild()
}

// rebuild recomputes view after the filter or order changed, or the search
// changed in a way that can bring questions back: one pass over the list
// already sorted in the order shown.
func (x *index) rebuild() {
	mask, search := x.filter.mask(), x.search != ""
	if search {
		x.match()
	}
	src, anySource := sourceCode(x.source), x.source == ""
	lab, known := x.labels[x.label]
	anyLabel := x.label == ""
	x.view = x.view[:0]
	if anyLabel || known { // else no question has the label
		for _, s := range x.sorted[x.order] {
			if mask&(1<<s.st) != 0 && (anySource || s.src() == src) && (anyLabel || s.lab() == lab) && (!search || hit(x.hits, s.id)) {
				x.view = append(x.view, s)
			}
		}
	}
	clear(x.view[len(x.view):cap(x.view)])
}

func (x *index) setFilter(f filter)      { x.filter = f; x.rebuild() }
func (x *index) setOrder(o order)        { x.order = o; x.rebuild() }
func (x *index) setSource(source string) { x.source = source; x.rebuild() }
func (x *index) setLabel(label string)   { x.label = label; x.rebuild() }

// waveMask is the statuses a wave selects among: open, but not on air,
// since taking the question on stream away is a decision of its own.
var waveMask = func() uint32 {
	var m uint32
	for _, s := range []tribune.Status{tribune.StatusPending, tribune.StatusApproved, tribune.StatusHidden} {
		m |= 1 << statusCode(s)
	}
	return m
}()

// candidate is a question a wave may take, as copied for a command that
// compares texts off the Model's goroutine.
type candidate struct {
	id   int
	text string
}

// waveCandidates returns the questions a wave may take, oldest first,
// whatever the filters show.
func (x *index) waveCandidates() []candidate {
	out := make([]candidate, 0, len(x.sorted[byAge])/2)
	for _, s := range x.sorted[byAge] {
		if waveMask&(1<<s.st) != 0 {
			out = append(out, candidate{id: s.id, text: s.e.q.Text})
		}
	}
	return out
}

// firstTimers returns the pending questions of first-time chatters, oldest
// first.
func (x *index) firstTimers() []int {
	pending := statusCode(tribune.StatusPending)
	var out []int
	for _, s := range x.sorted[byAge] {
		if s.st == pending && s.e.q.FirstMessage {
			out = append(out, s.id)
		}
	}
	return out
}

// markedIDs returns the selected questions, in id order.
func (x *index) markedIDs() []int {
	ids := make([]int, 0, len(x.marked))
	for id := range x.marked {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	return ids
}
