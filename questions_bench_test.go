package tribune

import (
	"runtime"
	"strconv"
	"testing"
	"time"
)

// BenchmarkQuestionTableHeap measures what 100 000 questions cost the live
// heap in the Service's compact table against a plain []Question, the
// plain version the table replaces. Both hold the same strings (the
// store's, shared); only the per-question layout differs.
func BenchmarkQuestionTableHeap(b *testing.B) {
	const n = 100_000
	created := time.Date(2026, 12, 2, 18, 0, 0, 0, time.UTC)
	qs := make([]Question, n)
	for i := range qs {
		id := strconv.Itoa(1_000_000 + i)
		qs[i] = Question{ID: i + 1, SessionID: 1, Text: "Will the trams run at night in the north? " + id,
			Author: "viewer" + id, AuthorLogin: "viewer" + id, AuthorID: id, Source: SourceTwitch,
			Channel: "townhall", Created: created.Add(time.Duration(i) * time.Second), Status: StatusApproved, Votes: 1}
	}
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
				var keep any
				switch layout {
				case "plain":
					plain := make([]Question, 0, n)
					for i := range qs {
						plain = append(plain, qs[i])
					}
					keep = plain
				case "table":
					t := newQuestionTable(1, n)
					for i := range qs {
						t.put(&qs[i])
					}
					keep = &t
				}
				perQuestion = float64(heap()-before) / n
				runtime.KeepAlive(keep)
			}
			b.ReportMetric(perQuestion, "B/question")
		})
	}
}
