package tribune

import (
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"
)

// BenchmarkQuestionTableHeap measures what 100 000 questions cost the live
// heap in the Service's compact table against a plain []Question, the
// plain version the table replaces, strings included: the plain slice
// holds a copy of each string, the table its one joined copy.
func BenchmarkQuestionTableHeap(b *testing.B) {
	const n = 100_000
	qs := benchQuestions(n)
	heap := func() uint64 {
		runtime.GC()
		var m runtime.MemStats
		runtime.ReadMemStats(&m)
		return m.HeapAlloc
	}
	for _, layout := range []string{"plain", "table"} {
		b.Run(layout, func(b *testing.B) {
			var perQuestion float64
			for range b.N {
				before := heap()
				keep := inLayout(layout, qs)
				perQuestion = float64(heap()-before) / n
				runtime.KeepAlive(keep)
			}
			b.ReportMetric(perQuestion, "B/question")
		})
	}
}

// BenchmarkQuestionTableGC measures a collection with 100 000 questions
// live, in the table and in a plain []Question: the collector follows
// every pointer of the live heap on every cycle, and a busy meeting under
// its memory budget runs hundreds of cycles.
func BenchmarkQuestionTableGC(b *testing.B) {
	for _, layout := range []string{"plain", "table"} {
		b.Run(layout, func(b *testing.B) {
			qs := benchQuestions(100_000)
			keep := inLayout(layout, qs)
			qs = nil // only what the layout keeps stays live
			runtime.GC()
			b.ResetTimer()
			for b.Loop() {
				runtime.GC()
			}
			runtime.KeepAlive(keep)
		})
	}
}

// benchQuestions returns n questions of a town hall, numbered from 1.
func benchQuestions(n int) []Question {
	created := time.Date(2026, 12, 2, 18, 0, 0, 0, time.UTC)
	qs := make([]Question, n)
	for i := range qs {
		id := strconv.Itoa(1_000_000 + i)
		qs[i] = Question{ID: i + 1, SessionID: 1, Text: "Will the trams run at night in the north? " + id,
			Author: "viewer" + id, AuthorLogin: "viewer" + id, AuthorID: id, Source: SourceTwitch,
			Channel: "townhall", Created: created.Add(time.Duration(i) * time.Second), Status: StatusApproved, Votes: 1}
	}
	return qs
}

// inLayout returns qs held in layout: "table", the Service's table, or
// "plain", a []Question with its own copy of each string.
func inLayout(layout string, qs []Question) any {
	if layout == "table" {
		t := newQuestionTable(1, len(qs))
		for i := range qs {
			t.put(&qs[i])
		}
		return &t
	}
	plain := make([]Question, len(qs))
	for i, q := range qs {
		q.Text, q.Author = strings.Clone(q.Text), strings.Clone(q.Author)
		q.AuthorLogin, q.AuthorID = strings.Clone(q.AuthorLogin), strings.Clone(q.AuthorID)
		plain[i] = q
	}
	return plain
}
