package report

import (
	"cmp"
	"slices"
	"time"

	"github.com/tribune-live/tribune"
)

// replay walks the moderation log to rebuild each question's statuses,
// on-air spans and the decisions that stand, reading the changes the log
// does not record as Analyze's comment says.
type replay struct {
	a       *Analysis
	index   map[int]int
	status  []tribune.Status  // as of seen
	seen    []time.Time       // the last time each question's status was known
	air     map[int]int       // question → index of its open span in its Timeline.Spans
	left    map[int]time.Time // questions on air that had left the air by then, unlogged
	reports map[int][]time.Time
	entries map[int64]*tribune.LogEntry
}

func newReplay(a *Analysis, index map[int]int, st tribune.SessionState) *replay {
	r := &replay{
		a: a, index: index,
		status:  make([]tribune.Status, len(a.Questions)),
		seen:    make([]time.Time, len(a.Questions)),
		air:     map[int]int{},
		left:    map[int]time.Time{},
		reports: map[int][]time.Time{},
		entries: make(map[int64]*tribune.LogEntry, len(st.Log)),
	}
	for _, rep := range st.Reports {
		r.reports[rep.QuestionID] = append(r.reports[rep.QuestionID], rep.Created)
	}
	for _, ts := range r.reports {
		slices.SortFunc(ts, func(x, y time.Time) int { return x.Compare(y) })
	}
	// The first status the log shows of each question tells how it was
	// asked; without log entries, its status at the end does.
	first := make([]tribune.Status, len(a.Questions))
	for i := range st.Log {
		e := &st.Log[i]
		r.entries[e.ID] = e
		for _, b := range e.Before {
			if i, ok := index[b.ID]; ok && first[i] == "" {
				first[i] = b.Status
			}
		}
	}
	for i := range a.Questions {
		tl := &a.Questions[i]
		f := cmp.Or(first[i], tl.Question.Status)
		created := tribune.StatusApproved
		switch {
		case f == tribune.StatusPending:
			created = tribune.StatusPending
		case f == tribune.StatusWithdrawn && len(r.reports[tl.Question.ID]) == 0:
			created = tribune.StatusPending
		}
		r.status[i] = created
		r.seen[i] = tl.Asked
		if created == tribune.StatusApproved {
			tl.Approved = tl.Asked
		}
	}
	return r
}

func (r *replay) run(log []tribune.LogEntry) {
	for i := range log {
		r.entry(&log[i])
	}
	for i := range r.a.Questions {
		r.observe(i, r.a.Questions[i].Question.Status, r.a.End)
	}
	for id, k := range r.air {
		tl := &r.a.Questions[r.index[id]]
		tl.Spans[k].End = r.a.End
		tl.Spans[k].Open = r.a.Open && tl.Question.Status == tribune.StatusOnAir
	}
	clear(r.air)
	for i := range r.a.Questions {
		tl := &r.a.Questions[i]
		for _, s := range tl.Spans {
			tl.AirTime += s.Duration()
			r.a.OnAir = append(r.a.OnAir, s)
		}
		switch {
		case !tl.FirstOnAir.IsZero():
			tl.Waited = tl.FirstOnAir.Sub(tl.Asked)
		case !tl.Answered.IsZero():
			tl.Waited = tl.Answered.Sub(tl.Asked)
		}
	}
	slices.SortFunc(r.a.OnAir, func(x, y Span) int {
		return cmp.Or(x.Start.Compare(y.Start), cmp.Compare(x.Question, y.Question))
	})
	m := &r.a.Moderation
	slices.SortStableFunc(m.HiddenByReports, func(x, y Decision) int { return x.At.Compare(y.At) })
}

// entry replays one log entry.
func (r *replay) entry(e *tribune.LogEntry) {
	in := make(map[int]bool, len(e.Before))
	for _, b := range e.Before {
		if i, ok := r.index[b.ID]; ok {
			in[b.ID] = true
			r.observe(i, b.Status, e.At)
		}
	}
	// A question put on air takes the place of the one on air: if that
	// one is not in the entry, it had left the air already, by a viewer's
	// hand (reports or a withdrawal). When is known at its next
	// observation; this entry bounds it.
	for _, q := range e.After {
		i, ok := r.index[q.ID]
		if !ok || q.Status != tribune.StatusOnAir || r.status[i] == tribune.StatusOnAir {
			continue
		}
		for id := range r.air {
			if _, gone := r.left[id]; id != q.ID && !in[id] && !gone {
				r.left[id] = e.At
			}
		}
	}
	var changed []int
	for k, b := range e.Before {
		i, ok := r.index[b.ID]
		if !ok || k >= len(e.After) {
			continue
		}
		if after := e.After[k]; after.Status != b.Status {
			r.move(i, after.Status, e.At)
			changed = append(changed, after.ID)
		}
	}
	r.decide(e, changed)
}

// observe notes that question i had status st at time at: a change since
// the last observation was a viewer's.
func (r *replay) observe(i int, st tribune.Status, at time.Time) {
	if r.status[i] == st {
		r.seen[i] = maxTime(r.seen[i], at)
		return
	}
	id := r.a.Questions[i].Question.ID
	if left, ok := r.left[id]; ok {
		at = minTime(at, left)
		delete(r.left, id)
	}
	if st == tribune.StatusHidden {
		at = r.lastReport(id, r.seen[i], at)
		r.a.Moderation.HiddenByReports = append(r.a.Moderation.HiddenByReports,
			Decision{At: at, Questions: []int{id}, Reports: r.reportsUntil(id, at)})
	}
	r.move(i, st, at)
}

// move changes question i's status to st at time at.
func (r *replay) move(i int, st tribune.Status, at time.Time) {
	tl := &r.a.Questions[i]
	id := tl.Question.ID
	from := r.status[i]
	if from == tribune.StatusOnAir {
		r.endSpan(id, at)
	}
	switch st {
	case tribune.StatusOnAir:
		if _, on := r.air[id]; !on {
			r.air[id] = len(tl.Spans)
			tl.Spans = append(tl.Spans, Span{Question: id, Start: at})
		}
		if tl.FirstOnAir.IsZero() {
			tl.FirstOnAir = at
		}
	case tribune.StatusAnswered:
		tl.Answered = at
	}
	if from == tribune.StatusAnswered && st != tribune.StatusAnswered {
		tl.Answered = time.Time{}
	}
	if st.Visible() && tl.Approved.IsZero() {
		tl.Approved = at
	}
	r.status[i] = st
	r.seen[i] = maxTime(r.seen[i], at)
}

// endSpan closes question id's open span at time at, if it has one.
func (r *replay) endSpan(id int, at time.Time) {
	k, on := r.air[id]
	if !on {
		return
	}
	tl := &r.a.Questions[r.index[id]]
	tl.Spans[k].End = maxTime(tl.Spans[k].Start, at)
	delete(r.air, id)
}

// lastReport returns the time of question id's last report in
// [after, upTo], or upTo if it had none then.
func (r *replay) lastReport(id int, after, upTo time.Time) time.Time {
	ts := r.reports[id]
	k, _ := slices.BinarySearchFunc(ts, upTo, func(t, target time.Time) int {
		if t.After(target) {
			return 1
		}
		return -1
	})
	if k > 0 && !ts[k-1].Before(after) {
		return ts[k-1]
	}
	return upTo
}

// reportsUntil returns how many reports question id had at time at.
func (r *replay) reportsUntil(id int, at time.Time) int {
	n := 0
	for _, t := range r.reports[id] {
		if !t.After(at) {
			n++
		}
	}
	return n
}

// decide adds a log entry to the moderation summary, unless it was
// undone. changed are the questions whose status it changed.
func (r *replay) decide(e *tribune.LogEntry, changed []int) {
	if e.Undone {
		return
	}
	m := &r.a.Moderation
	d := Decision{At: e.At, By: e.Moderator, Questions: changed, Reason: e.Reason}
	switch e.Action {
	case tribune.ActionReject:
		if len(changed) > 0 {
			m.Rejected = append(m.Rejected, d)
		}
	case tribune.ActionDeleted, tribune.ActionTimeout:
		m.HiddenByPlatform = append(m.HiddenByPlatform, d)
	case tribune.ActionMerge:
		d.Questions = []int{e.QuestionID}
		for _, q := range e.After {
			if q.ID == e.QuestionID {
				d.Into = q.MergedInto
			}
		}
		m.Merged = append(m.Merged, d)
	case tribune.ActionBan:
		if e.Ban != nil {
			d.Target = e.Ban.Target()
		}
		m.Banned = append(m.Banned, d)
	case tribune.ActionUndo:
		if undone, ok := r.entries[e.UndoOf]; ok {
			d.Undid = undone.Action
			d.Reason = undone.Reason
			if undone.Ban != nil {
				d.Target = undone.Ban.Target()
			}
			if len(d.Questions) == 0 && undone.QuestionID != 0 {
				d.Questions = []int{undone.QuestionID}
			}
		}
		m.Undone = append(m.Undone, d)
	}
}

func minTime(x, y time.Time) time.Time {
	if y.Before(x) {
		return y
	}
	return x
}

func maxTime(x, y time.Time) time.Time {
	if y.After(x) {
		return y
	}
	return x
}
