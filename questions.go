package tribune

import (
	"math"
	"time"
)

// questionTable holds the questions of the open session. A big meeting has
// 100 000 of them: they are most of what a running Tribune keeps in memory,
// and the garbage collector visits them on every cycle. A row is less than
// half a Question and holds no pointer but its strings (a Question's times
// have location pointers, its status, source, channel and label are
// strings): 104 bytes a question (106 with the last chunk's spare rows)
// against 240 for a plain []Question, 13.4 MB less at 100 000 questions
// (BenchmarkQuestionTableHeap), which the 100 MB budget of a big meeting
// needs. Questions are built from rows on the way out and written back by
// put: commands change a copy, never the table in place.
//
// The store hands the four strings of a loaded question as slices of one
// allocation, and a row keeps them as they are: copying 100 000 of them
// into a new layout would cost ready time and memory at start.
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
	text, author, login, authorID         string
	created, aired                        int64 // Unix nanoseconds, or zeroTime
	votes, reports, mergedInto            int32
	status, source, channel, label, flags uint8
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
		Text: r.text, Author: r.author, AuthorLogin: r.login, AuthorID: r.authorID,
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
func (t *questionTable) put(q *Question) {
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
	r.text, r.author, r.login, r.authorID = q.Text, q.Author, q.AuthorLogin, q.AuthorID
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
