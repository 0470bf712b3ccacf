package report

import (
	"cmp"
	"slices"
	"time"

	"github.com/tribune-live/tribune"
)

// DefaultTop is how many questions the top list shows.
const DefaultTop = 10

// Options say how a report is made.
type Options struct {
	// Lang is the language of the report: "en" (the default) or "fr".
	Lang string
	// Now is when the report is made. A session still open ends then: a
	// question on air is on air until Now. Zero ends an open session at
	// its last recorded event.
	Now time.Time
	// Location is the time zone times are shown in; nil is time.Local.
	// Exports always write UTC.
	Location *time.Location
	// Top is how many questions the top list shows; 0 is DefaultTop.
	Top int
}

// Analysis is what a report and an export show of one session: the
// figures and every question's timeline, computed once from the stored
// state by Analyze.
type Analysis struct {
	Session tribune.Session
	// Start and End bound the meeting: the session's start, and its end,
	// or for an open session Options.Now (else its last recorded event).
	Start, End time.Time
	// Open is true when the session has not ended.
	Open bool

	// Totals counts the whole session (its Source, Channel and Label are
	// empty).
	Totals Tally
	// Sources, Channels and Labels break Totals down. Sources are in the
	// order twitch, youtube, web, console, then others by name; Channels
	// by source then name; Labels by questions, most first. Labels is
	// empty when no question has a label.
	Sources, Channels, Labels []Tally

	// Questions are the timelines of every question, by id.
	Questions []Timeline
	// Top are the most-voted questions that stood (approved, on air or
	// answered), most votes first, older first among equals.
	Top []*Timeline
	// OnAir are the spans when a question was on air, in time order.
	OnAir []Span
	// Activity counts questions and votes per minute (or wider buckets
	// for a long meeting).
	Activity Activity
	// Moderation summarises the moderators' and platforms' decisions.
	Moderation Moderation

	log []tribune.LogEntry // for the exports' moderation log
}

// Tally counts one part of a session. Questions, Askers and Answered
// count the questions of that part and their authors. Voters and Votes
// count votes cast by viewers for other people's questions, as they stand
// at the end (a vote taken back is gone, a vote a merge carried over is
// not counted twice, an author's own vote is not counted): for a source,
// the votes its viewers cast, on any source's question; for a channel or
// a label, the votes its questions received.
type Tally struct {
	Source, Channel, Label string
	Questions, Askers      int
	Voters, Votes          int
	Answered               int
}

// Timeline is the life of one question, replayed from the moderation log.
type Timeline struct {
	// Question is the question as it stands at the end.
	Question tribune.Question
	// Asked is when it was asked.
	Asked time.Time
	// Approved is when viewers could first see it: when it was asked if
	// it needed no review, else when a moderator approved it or put it on
	// air. Zero if it never was visible.
	Approved time.Time
	// FirstOnAir is when it first went on air; zero if it never did.
	FirstOnAir time.Time
	// Answered is when it was marked answered, if it stands answered at
	// the end; zero otherwise.
	Answered time.Time
	// Waited is the time from Asked until it first went on air, or until
	// it was answered if it never went on air; meaningful when HasWaited.
	Waited time.Duration
	// AirTime is how long it was on air in all.
	AirTime time.Duration
	// Spans are its spans on air, in time order.
	Spans []Span
}

// HasWaited reports whether the question went on air or was answered, so
// that Waited means something.
func (t *Timeline) HasWaited() bool { return !t.FirstOnAir.IsZero() || !t.Answered.IsZero() }

// Span is one time a question was on air.
type Span struct {
	Question   int
	Start, End time.Time
	// Open is true when the question is still on air at the report's end.
	Open bool
}

// Duration returns how long the span lasted.
func (s Span) Duration() time.Duration { return s.End.Sub(s.Start) }

// Activity counts questions and votes in buckets of Width from the
// meeting's start.
type Activity struct {
	Width   time.Duration
	Buckets []Bucket
}

// Bucket is one stretch of the meeting.
type Bucket struct {
	Start            time.Time
	Questions, Votes int
}

// Moderation is what moderators and platforms decided, as it stands: a
// decision later undone is not counted here, only listed in Undone.
type Moderation struct {
	// Rejected are the moderators' rejections.
	Rejected []Decision
	// HiddenByReports are questions that viewers' reports hid (By empty,
	// Reports the reports the question had then).
	HiddenByReports []Decision
	// HiddenByPlatform are questions hidden because a platform deleted
	// their message or timed their author out (Reason says which).
	HiddenByPlatform []Decision
	// Merged are merges (Into is the question merged into).
	Merged []Decision
	// Banned are bans, by a moderator or a platform (Target is who;
	// Questions the open questions the ban rejected).
	Banned []Decision
	// Undone are the undos (Undid is the action undone).
	Undone []Decision
}

// Decision is one decision in the moderation summary.
type Decision struct {
	At time.Time
	// By is the moderator, or the platform for a platform's action.
	By string
	// Questions are the questions it changed, by id.
	Questions []int
	// Into is, for a merge, the question merged into.
	Into int
	// Reason is the log's reason: "deleted on twitch", "banned on youtube".
	Reason string
	// Target is, for a ban, who was banned.
	Target string
	// Reports is, for a question hidden by reports, how many it had.
	Reports int
	// Undid is, for an undo, the action undone.
	Undid tribune.Action
}

// Analyze computes the figures and timelines of st. It is the one place
// that reads meaning into the stored state, for the report and the
// exports alike.
//
// The moderation log records what moderators and platforms did, with
// every question's status before and after; viewers' own changes are not
// logged. Analyze replays the log in order, and reads a question whose
// status changed between two observations as changed by a viewer:
//   - a question that became hidden was hidden by viewers' reports, at
//     its last report before the observation (once hidden, it takes no
//     more reports);
//   - a question that became withdrawn was withdrawn by its author at an
//     unknown time: the observation (the next log entry that shows it, a
//     question put on air in its place, or the end) bounds it.
//
// A question is approved when asked if its first observation shows it
// approved or hidden; pending if pending. One withdrawn before any
// moderator touched it counts as approved only if it was reported (only
// visible questions take reports): the store does not say whether it was
// held for review.
//
// The replay keeps what happened on stream: an action later undone still
// had its effect until the undo (a question shown by mistake was on air
// until the undo took it off). The moderation summary counts only the
// decisions that stand, and lists the undos.
func Analyze(st tribune.SessionState, opts Options) *Analysis {
	a := &Analysis{Session: st.Session, Open: st.Session.Ended.IsZero(), log: st.Log}
	a.Questions = make([]Timeline, len(st.Questions))
	index := make(map[int]int, len(st.Questions)) // question id → index in a.Questions
	for i, q := range st.Questions {
		a.Questions[i] = Timeline{Question: q, Asked: q.Created}
		index[q.ID] = i
	}
	a.bounds(st, opts)
	r := newReplay(a, index, st)
	r.run(st.Log)
	a.tally(st, index)
	a.activity(st, index)
	a.top(opts.Top)
	return a
}

// bounds sets Start and End: the session's, widened to hold every
// recorded event.
func (a *Analysis) bounds(st tribune.SessionState, opts Options) {
	first, last := a.Session.Started, a.Session.Started
	see := func(t time.Time) {
		if t.IsZero() {
			return
		}
		if first.IsZero() || t.Before(first) {
			first = t
		}
		if t.After(last) {
			last = t
		}
	}
	for i := range st.Questions {
		see(st.Questions[i].Created)
	}
	for i := range st.Votes {
		see(st.Votes[i].Created)
	}
	for i := range st.Reports {
		see(st.Reports[i].Created)
	}
	for i := range st.Log {
		see(st.Log[i].At)
	}
	switch {
	case !a.Open:
		see(a.Session.Ended)
		last = a.Session.Ended
	case !opts.Now.IsZero():
		see(opts.Now)
	}
	a.Start, a.End = first, last
}

// identity is a viewer, as votes and questions name them.
type identity struct{ source, id string }

// tally computes Totals, Sources, Channels and Labels.
func (a *Analysis) tally(st tribune.SessionState, index map[int]int) {
	type kind int
	const (
		total kind = iota
		bySource
		byChannel
		byLabel
	)
	type key struct {
		kind kind
		t    Tally // its Source, Channel, Label
	}
	type part struct {
		t              Tally
		askers, voters map[identity]struct{}
	}
	parts := map[key]*part{}
	get := func(k key) *part {
		p, ok := parts[k]
		if !ok {
			p = &part{t: k.t, askers: map[identity]struct{}{}, voters: map[identity]struct{}{}}
			parts[k] = p
		}
		return p
	}
	keys := func(q *tribune.Question, source string) []key {
		ks := []key{{total, Tally{}}, {bySource, Tally{Source: source}}, {byChannel, Tally{Source: q.Source, Channel: q.Channel}}}
		if q.Label != "" {
			ks = append(ks, key{byLabel, Tally{Label: q.Label}})
		}
		return ks
	}
	get(key{total, Tally{}})
	for i := range a.Questions {
		q := &a.Questions[i].Question
		author := identity{q.Source, q.AuthorID}
		for _, k := range keys(q, q.Source) {
			p := get(k)
			p.t.Questions++
			p.askers[author] = struct{}{}
			if q.Status == tribune.StatusAnswered {
				p.t.Answered++
			}
		}
	}
	for _, v := range st.Votes {
		i, ok := index[v.QuestionID]
		if !ok || !counted(v, &a.Questions[i].Question) {
			continue
		}
		voter := identity{v.Source, v.VoterID}
		// A source counts the votes of its viewers; a channel and a label
		// the votes for their questions.
		for _, k := range keys(&a.Questions[i].Question, v.Source) {
			p := get(k)
			p.t.Votes++
			p.voters[voter] = struct{}{}
		}
	}
	a.Sources, a.Channels, a.Labels = nil, nil, nil
	for k, p := range parts {
		p.t.Askers, p.t.Voters = len(p.askers), len(p.voters)
		switch k.kind {
		case total:
			a.Totals = p.t
		case bySource:
			a.Sources = append(a.Sources, p.t)
		case byChannel:
			a.Channels = append(a.Channels, p.t)
		case byLabel:
			a.Labels = append(a.Labels, p.t)
		}
	}
	slices.SortFunc(a.Sources, func(x, y Tally) int { return compareSource(x.Source, y.Source) })
	slices.SortFunc(a.Channels, func(x, y Tally) int {
		return cmp.Or(compareSource(x.Source, y.Source), cmp.Compare(x.Channel, y.Channel))
	})
	slices.SortFunc(a.Labels, func(x, y Tally) int {
		return cmp.Or(cmp.Compare(y.Questions, x.Questions), cmp.Compare(x.Label, y.Label))
	})
}

// counted reports whether vote v for q counts as a viewer's vote: not the
// author's own, and not a copy a merge moved.
func counted(v tribune.Vote, q *tribune.Question) bool {
	return v.Via == 0 && (v.Source != q.Source || v.VoterID != q.AuthorID)
}

// sourceOrder is the order sources are listed in.
var sourceOrder = []string{tribune.SourceTwitch, tribune.SourceYouTube, tribune.SourceWeb, tribune.SourceConsole}

func compareSource(x, y string) int {
	rank := func(s string) int {
		if i := slices.Index(sourceOrder, s); i >= 0 {
			return i
		}
		return len(sourceOrder)
	}
	return cmp.Or(cmp.Compare(rank(x), rank(y)), cmp.Compare(x, y))
}

// bucketWidths are the widths Activity may use, the narrowest that keeps
// a meeting within maxBuckets.
var bucketWidths = []time.Duration{
	time.Minute, 2 * time.Minute, 5 * time.Minute, 10 * time.Minute, 15 * time.Minute,
	30 * time.Minute, time.Hour, 2 * time.Hour, 6 * time.Hour, 24 * time.Hour,
}

const maxBuckets = 240

// activity counts questions and votes per bucket.
func (a *Analysis) activity(st tribune.SessionState, index map[int]int) {
	if a.Start.IsZero() {
		return
	}
	width := bucketWidths[len(bucketWidths)-1]
	for _, w := range bucketWidths {
		if a.End.Sub(a.Start.Truncate(w)) < maxBuckets*w {
			width = w
			break
		}
	}
	start := a.Start.Truncate(width)
	n := max(int((a.End.Sub(start)+width-1)/width), 1)
	act := Activity{Width: width, Buckets: make([]Bucket, n)}
	for k := range act.Buckets {
		act.Buckets[k].Start = start.Add(time.Duration(k) * width)
	}
	bucket := func(t time.Time) *Bucket {
		k := int(t.Sub(start) / width)
		if k == n && !t.After(a.End) {
			k = n - 1 // at the very end, on a bucket's edge
		}
		if t.Before(start) || k >= n {
			return nil
		}
		return &act.Buckets[k]
	}
	for i := range a.Questions {
		if b := bucket(a.Questions[i].Asked); b != nil {
			b.Questions++
		}
	}
	for _, v := range st.Votes {
		i, ok := index[v.QuestionID]
		if !ok || !counted(v, &a.Questions[i].Question) {
			continue
		}
		if b := bucket(v.Created); b != nil {
			b.Votes++
		}
	}
	a.Activity = act
}

// top picks the most-voted questions that stood.
func (a *Analysis) top(n int) {
	if n <= 0 {
		n = DefaultTop
	}
	a.Top = nil
	for i := range a.Questions {
		switch a.Questions[i].Question.Status {
		case tribune.StatusApproved, tribune.StatusOnAir, tribune.StatusAnswered:
			a.Top = append(a.Top, &a.Questions[i])
		}
	}
	slices.SortStableFunc(a.Top, func(x, y *Timeline) int {
		return cmp.Or(cmp.Compare(y.Question.Votes, x.Question.Votes), cmp.Compare(x.Question.ID, y.Question.ID))
	})
	if len(a.Top) > n {
		a.Top = a.Top[:n]
	}
}
