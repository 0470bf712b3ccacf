package tribune

import (
	"math"
	"strings"
	"time"
)

// questionTable holds the questions of the open session. A big meeting has
// 100 000 of them: they are most of what a running Tribune keeps in memory,
// and the garbage collector visits them on every cycle. A row is a quarter
// of a Question and holds one pointer, its joined strings (a Question has
// four strings, and its times have location pointers; its status, source,
// channel and label are strings): 170 bytes a question with its strings
// against 344 for a plain []Question (BenchmarkQuestionTableHeap), and a
// collection with 100 000 questions takes 0.9 ms against 2.7 ms when rows
// held four strings and 3.8 ms for a plain []Question
// (BenchmarkQuestionTableGC). Under its memory budget a busy meeting runs
// hundreds of collections. Questions are built from rows on the way out and
// written back by put: commands change a copy, never the table in place.
//
// Rows live in chunks of fixed size, so that the table grows without
// copying: one slice of 100 000 rows grew to 125 000 at the first question
// asked after a restart, and for that moment both copies, 23 MB, were live
// under a memory budget with 7 MB of headroom.
type questionTable struct {
	session int64
	chunks  []*[chunkRows]questionRow // question id lives at index id-1
	n       int                       // rows in use
	// statuses, sources, channels and labels intern a row's few distinct
	// values: the known ones first, then any other value storage held.
	statuses []Status
	sources  []string
	channels []string
	labels   []string
}

type questionRow struct {
	// fields holds the author, the login, the author id and the text, in
	// this order, in one string: one pointer a row for the collector to
	// follow on every cycle, not four.
	fields                                string
	authorEnd, loginEnd, idEnd            uint32 // where each ends in fields
	created, aired                        int64  // Unix nanoseconds, or zeroTime
	votes, reports, mergedInto            int32
	status, source, channel, label, flags uint8
}

func (r *questionRow) author() string   { return r.fields[:r.authorEnd] }
func (r *questionRow) login() string    { return r.fields[r.authorEnd:r.loginEnd] }
func (r *questionRow) authorID() string { return r.fields[r.loginEnd:r.idEnd] }
func (r *questionRow) text() string     { return r.fields[r.idEnd:] }

// setFields keeps q's strings in r: joined, when given, is them already
// joined in the row's order. A command that changes a question passes back
// the strings get gave it: they are kept as they are, and a vote allocates
// nothing.
func (r *questionRow) setFields(q *Question, joined string) {
	switch {
	case joined != "":
		r.fields = joined
	case r.fields != "" && q.Author == r.author() && q.AuthorLogin == r.login() && q.AuthorID == r.authorID() && q.Text == r.text():
		return
	default:
		r.fields = q.Author + q.AuthorLogin + q.AuthorID + q.Text
	}
	r.authorEnd = uint32(len(q.Author))
	r.loginEnd = r.authorEnd + uint32(len(q.AuthorLogin))
	r.idEnd = r.loginEnd + uint32(len(q.AuthorID))
}

// joinFields returns the strings of each of qs joined in a row's order, a
// chunk of questions to an allocation: joined one by one, the 100 000
// questions of a big meeting kept 22.0 MB of live heap once loaded, joined
// a chunk at a time 21.1 MB, in the same time
// (BenchmarkLoadSession/ServiceOpen in ./store, 5 runs of each).
func joinFields(qs []Question) []string {
	out := make([]string, len(qs))
	for start := 0; start < len(qs); start += chunkRows {
		chunk := qs[start:min(start+chunkRows, len(qs))]
		n := 0
		for i := range chunk {
			n += fieldsLen(&chunk[i])
		}
		var b strings.Builder
		b.Grow(n)
		for i := range chunk {
			q := &chunk[i]
			b.WriteString(q.Author)
			b.WriteString(q.AuthorLogin)
			b.WriteString(q.AuthorID)
			b.WriteString(q.Text)
		}
		all, off := b.String(), 0
		for i := range chunk {
			end := off + fieldsLen(&chunk[i])
			out[start+i], off = all[off:end], end
		}
	}
	return out
}

// fieldsLen is the length of q's strings joined.
func fieldsLen(q *Question) int {
	return len(q.Author) + len(q.AuthorLogin) + len(q.AuthorID) + len(q.Text)
}

// Flags of a questionRow.
const (
	flagAnonymous uint8 = 1 << iota
	flagFirstMessage
)

// zeroTime stands for the zero time.Time, which has no Unix nanoseconds.
const zeroTime = math.MinInt64

// chunkRows is the number of rows of a chunk: 416 KB.
const chunkRows = 4096

func newQuestionTable(session int64, capacity int) questionTable {
	return questionTable{
		session:  session,
		chunks:   make([]*[chunkRows]questionRow, 0, (capacity+chunkRows-1)/chunkRows),
		statuses: append([]Status(nil), Statuses...),
		sources:  []string{SourceTwitch, SourceYouTube, SourceWeb, SourceConsole},
		channels: []string{""},
		labels:   []string{""},
	}
}

// len is the number of questions, which is also the highest id.
func (t *questionTable) len() int { return t.n }

// has reports whether id is the id of a question.
func (t *questionTable) has(id int) bool { return id >= 1 && id <= t.n }

// row returns the row of question id, which must exist.
func (t *questionTable) row(id int) *questionRow {
	i := id - 1
	return &t.chunks[i/chunkRows][i%chunkRows]
}

// get returns question id, which must exist. Getting a question allocates
// nothing.
func (t *questionTable) get(id int) Question {
	r := t.row(id)
	q := Question{
		ID: id, SessionID: t.session,
		Text: r.text(), Author: r.author(), AuthorLogin: r.login(), AuthorID: r.authorID(),
		Source: t.sources[r.source], Channel: t.channels[r.channel], Status: t.statuses[r.status],
		Votes: int(r.votes), Reports: int(r.reports), MergedInto: int(r.mergedInto),
		Label: t.labels[r.label], Anonymous: r.flags&flagAnonymous != 0, FirstMessage: r.flags&flagFirstMessage != 0,
		Created: unixTime(r.created), Aired: unixTime(r.aired),
	}
	return q
}

// unixTime returns the time of Unix nanoseconds n, or the zero time.
func unixTime(n int64) time.Time {
	if n == zeroTime {
		return time.Time{}
	}
	return time.Unix(0, n).UTC()
}

// unixNano returns t in Unix nanoseconds, or zeroTime.
func unixNano(t time.Time) int64 {
	if t.IsZero() {
		return zeroTime
	}
	return t.UnixNano()
}

// label returns the label of question id without building the question.
func (t *questionTable) label(id int) string { return t.labels[t.row(id).label] }

// canLabel reports whether label is known or may still be added: a row
// holds at most 256 distinct labels.
func (t *questionTable) canLabel(label string) bool {
	for _, l := range t.labels {
		if l == label {
			return true
		}
	}
	return len(t.labels) <= math.MaxUint8
}

// status returns the status of question id without building the question.
func (t *questionTable) status(id int) Status { return t.statuses[t.row(id).status] }

// created returns when question id was asked, in Unix nanoseconds or
// zeroTime, without building the question.
func (t *questionTable) created(id int) int64 { return t.row(id).created }

// votes returns the votes of question id without building the question.
func (t *questionTable) votes(id int) int { return int(t.row(id).votes) }

// put stores q in place of the question with its id, or as the next one.
// The caller knows the id is one of those: anything else is a bug.
func (t *questionTable) put(q *Question) { t.putJoined(q, "") }

// putJoined is put with q's strings as joinFields joined them, or "".
func (t *questionTable) putJoined(q *Question, joined string) {
	switch {
	case q.ID == t.n+1:
		if t.n%chunkRows == 0 {
			t.chunks = append(t.chunks, new([chunkRows]questionRow))
		}
		t.n++
	case !t.has(q.ID):
		panic("tribune: question id out of sequence")
	}
	r := t.row(q.ID)
	r.setFields(q, joined)
	r.created, r.aired = unixNano(q.Created), unixNano(q.Aired)
	r.votes, r.reports, r.mergedInto = int32(q.Votes), int32(q.Reports), int32(q.MergedInto)
	r.status = intern(&t.statuses, q.Status)
	r.source = intern(&t.sources, q.Source)
	r.channel = intern(&t.channels, q.Channel)
	r.label = intern(&t.labels, q.Label)
	r.flags = 0
	if q.Anonymous {
		r.flags |= flagAnonymous
	}
	if q.FirstMessage {
		r.flags |= flagFirstMessage
	}
}

// intern returns the index of v in *known, appending it if needed.
func intern[T comparable](known *[]T, v T) uint8 {
	for i, k := range *known {
		if k == v {
			return uint8(i)
		}
	}
	if len(*known) > math.MaxUint8 {
		panic("tribune: too many distinct statuses, sources, channels or labels")
	}
	*known = append(*known, v)
	return uint8(len(*known) - 1)
}
