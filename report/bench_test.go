package report_test

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/tribune-live/tribune"
	"github.com/tribune-live/tribune/internal/fakeclock"
	"github.com/tribune-live/tribune/internal/tribunetest"
	"github.com/tribune-live/tribune/report"
)

// benchQuestions is the size of the benchmarks' meeting: a big one.
const benchQuestions = 100_000

var (
	benchOnce  sync.Once
	benchState tribune.SessionState
	benchErr   error
)

// bigMeetingState returns a meeting of benchQuestions questions played
// through the real Service on a real SQLite file, made once per test
// binary: questions from Twitch (two channels), YouTube and the ask page,
// three votes each on average, a question shown and answered every 100,
// rejections, labels, reports, merges and an undo, over three hours.
func bigMeetingState(b *testing.B) tribune.SessionState {
	b.Helper()
	benchOnce.Do(func() {
		dir, err := os.MkdirTemp("", "tribune-report-bench-")
		if err != nil {
			benchErr = err
			return
		}
		defer os.RemoveAll(dir)
		start := time.Now()
		benchState, benchErr = playBig(b, filepath.Join(dir, "big.db"))
		b.Logf("meeting of %d questions, %d votes, %d log entries made in %v",
			len(benchState.Questions), len(benchState.Votes), len(benchState.Log), time.Since(start).Round(time.Millisecond))
	})
	if benchErr != nil {
		b.Fatal(benchErr)
	}
	return benchState
}

func playBig(b *testing.B, path string) (tribune.SessionState, error) {
	// Three hours: a question every 108 ms of meeting time.
	clk := fakeclock.NewTicking(t0, 3*time.Hour/(benchQuestions*5))
	svc, db := tribunetest.OpenServiceAt(b, path, "townhall", func(s *tribune.Service) {
		s.Now = clk.Now
		s.Premoderate = false
		s.RateInterval = 0
		s.SessionCap = 0
	})
	ctx := context.Background()
	mod := tribune.NewContext(ctx, tribune.Actor{Login: "mod", DisplayName: "Mod", Moderator: true, Source: tribune.SourceConsole})
	viewer := func(i int) tribune.Actor {
		switch i % 4 {
		case 0, 1:
			ch := []string{"townhall", "partyhq"}[i%8/4]
			return tribune.Actor{Login: fmt.Sprintf("v%d", i), DisplayName: fmt.Sprintf("Viewer%d", i), UserID: fmt.Sprint(100000 + i), Source: tribune.SourceTwitch, Channel: ch}
		case 2:
			return tribune.Actor{DisplayName: fmt.Sprintf("Viewer %d", i), UserID: fmt.Sprintf("UC%07d", i), Source: tribune.SourceYouTube, Channel: "vid123"}
		default:
			return tribune.Actor{DisplayName: fmt.Sprintf("Viewer %d", i), UserID: fmt.Sprintf("%032x", i), Source: tribune.SourceWeb}
		}
	}
	// Questions and votes come from 8 goroutines at once, as chat and
	// the ask page would send them: the Service commits them in batches.
	const workers = 8
	var wg sync.WaitGroup
	errs := make(chan error, workers)
	for w := range workers {
		wg.Go(func() {
			for i := w; i < benchQuestions; i += workers {
				res, err := svc.Ask(ctx, viewer(i), fmt.Sprintf("Question %d about the budget of department %d, and what comes next?", i, i%97))
				if err != nil {
					errs <- fmt.Errorf("ask %d: %w", i, err)
					return
				}
				for k := range i % 7 { // 3 votes a question on average
					if _, err := svc.Vote(ctx, viewer(i+1+k*13), res.Question.ID); err != nil {
						errs <- fmt.Errorf("vote %d on #%d: %w", k, res.Question.ID, err)
						return
					}
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	if err := <-errs; err != nil {
		return tribune.SessionState{}, err
	}
	steps := []func(id int) error{
		func(id int) error { _, err := svc.Show(mod, id); return err },
		func(id int) error { _, err := svc.Answer(mod, id); return err },
	}
	for id := 1; id <= benchQuestions; id++ {
		var err error
		switch {
		case id%100 == 0:
			for _, step := range steps {
				if err = step(id); err != nil {
					break
				}
			}
		case id%100 == 7:
			_, err = svc.Reject(mod, id)
		case id%100 == 13:
			_, err = svc.Label(mod, id, fmt.Sprintf("theme %d", id%17))
		case id%1000 == 21:
			_, err = svc.Merge(mod, id, id-1)
		case id%1000 == 33:
			for k := range tribune.DefaultReportThreshold {
				if _, err = svc.Report(ctx, viewer(id+500+k), id); err != nil {
					break
				}
			}
		}
		if err != nil {
			return tribune.SessionState{}, fmt.Errorf("moderate #%d: %w", id, err)
		}
	}
	if _, err := svc.Undo(mod); err != nil {
		return tribune.SessionState{}, err
	}
	return db.LoadSession(ctx, tribunetest.Session(b, svc).ID)
}

// BenchmarkExportCSV is the baseline: the CSV export of the big meeting,
// analysis included.
func BenchmarkExportCSV(b *testing.B) {
	st := bigMeetingState(b)
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		if err := report.CSV(io.Discard, report.Analyze(st, report.Options{})); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkReport is the HTML report of the big meeting, analysis and
// charts included; compare it with BenchmarkExportCSV of the same run.
func BenchmarkReport(b *testing.B) {
	st := bigMeetingState(b)
	var n countWriter
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		n = 0
		if err := report.Write(context.Background(), &n, st, report.Options{Lang: "fr"}); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(n)/1e6, "MB/report")
}

// BenchmarkAnalyze is the analysis alone, which both share.
func BenchmarkAnalyze(b *testing.B) {
	st := bigMeetingState(b)
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		report.Analyze(st, report.Options{})
	}
}

// countWriter counts what is written to it.
type countWriter int

func (c *countWriter) Write(p []byte) (int, error) { *c += countWriter(len(p)); return len(p), nil }
