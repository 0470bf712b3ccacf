package tui_test

import (
	"context"
	"fmt"
	"sync"
	"testing"

	"github.com/tribune-live/tribune/tui"
)

// loadedConsole returns a console that has loaded n questions from a real
// Service, at 120×40 (side-by-side panes), as it was when the moderator
// quit: View can then be measured alone.
func loadedConsole(b *testing.B, n int) tui.Model {
	b.Helper()
	f := MustOpenService(b)
	ctx := context.Background()
	const workers = 32
	var wg sync.WaitGroup
	errs := make(chan error, workers)
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := w; i < n; i += workers {
				a := viewer(fmt.Sprintf("user%d", i%500), 1000+i%500)
				if _, err := f.svc.Ask(ctx, a, fmt.Sprintf("Question number %d: what will the council do about issue %d?", i, i%97)); err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		b.Fatalf("ask: %v", err)
	}
	for id := 1; id <= n; id += 2 {
		if _, err := f.svc.Approve(ctx, id); err != nil {
			b.Fatalf("approve #%d: %v", id, err)
		}
	}
	tm := f.start(b, 120, 40)
	press(tm, "j", "j", "j")
	return quit(b, tm)
}

func benchmarkView(b *testing.B, n int) {
	m := loadedConsole(b, n)
	b.ReportAllocs()
	for b.Loop() {
		_ = m.View()
	}
}

// BenchmarkView100 is the baseline of BenchmarkView10k: rendering cost
// should not grow with the number of questions, since only visible rows
// are rendered.
func BenchmarkView100(b *testing.B) { benchmarkView(b, 100) }

// BenchmarkView10k renders the console with 10 000 questions.
func BenchmarkView10k(b *testing.B) { benchmarkView(b, 10000) }
