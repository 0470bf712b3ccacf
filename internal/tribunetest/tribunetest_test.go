package tribunetest_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tribune-live/tribune/internal/tribunetest"
)

// recorder is a testing.TB that records failures instead of failing the
// real test, so that the helpers' failures can be checked. Fatal ends
// the goroutine, as the real one does.
type recorder struct {
	testing.TB
	mu       sync.Mutex
	failures []string
	cleanups []func()
}

func (r *recorder) Helper() {}

func (r *recorder) Errorf(format string, args ...any) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.failures = append(r.failures, fmt.Sprintf(format, args...))
}

func (r *recorder) Fatalf(format string, args ...any) {
	r.Errorf(format, args...)
	runtime.Goexit()
}

func (r *recorder) Cleanup(f func()) { r.cleanups = append(r.cleanups, f) }

// run calls f as a test body on its own goroutine, then the cleanups, and
// returns the failures.
func (r *recorder) run(f func(tb testing.TB)) []string {
	done := make(chan struct{})
	go func() {
		defer close(done)
		f(r)
	}()
	<-done
	for i := len(r.cleanups) - 1; i >= 0; i-- {
		done := make(chan struct{})
		go func() {
			defer close(done)
			r.cleanups[i]()
		}()
		<-done
	}
	return r.failures
}

func TestEventually(t *testing.T) {
	t.Run("Holds", func(t *testing.T) {
		n := 0
		got := (&recorder{TB: t}).run(func(tb testing.TB) {
			tribunetest.Eventually(tb, time.Second, "three looks", func() bool { n++; return n == 3 })
		})
		if len(got) != 0 || n != 3 {
			t.Errorf("failures %q after %d looks, want none after 3", got, n)
		}
	})
	t.Run("TimesOut", func(t *testing.T) {
		got := (&recorder{TB: t}).run(func(tb testing.TB) {
			tribunetest.EventuallyEvery(tb, 30*time.Millisecond, time.Millisecond, "never", func() (bool, string) { return false, "still no" })
		})
		if len(got) != 1 || !strings.HasPrefix(got[0], "never: not within 30ms") || !strings.HasSuffix(got[0], "last state: still no") {
			t.Errorf("failures %q, want one naming the wait and the last state", got)
		}
	})
}

func TestRun(t *testing.T) {
	t.Run("StoppedAtTheEnd", func(t *testing.T) {
		var stopped bool
		got := (&recorder{TB: t}).run(func(tb testing.TB) {
			tribunetest.Run(tb, "the crowd", func(ctx context.Context) error {
				<-ctx.Done()
				stopped = true
				return nil
			})
		})
		if len(got) != 0 || !stopped {
			t.Errorf("failures %q, stopped %v; want none, stopped", got, stopped)
		}
	})
	t.Run("ErrorAtTheEnd", func(t *testing.T) {
		got := (&recorder{TB: t}).run(func(tb testing.TB) {
			tribunetest.Run(tb, "the crowd", func(ctx context.Context) error {
				<-ctx.Done()
				return errors.New("broken")
			})
		})
		if len(got) != 1 || got[0] != "the crowd returned broken when its context ended, want nil" {
			t.Errorf("failures %q, want the error reported", got)
		}
	})
	t.Run("StopReturnsTheError", func(t *testing.T) {
		var err error
		got := (&recorder{TB: t}).run(func(tb testing.TB) {
			r := tribunetest.Run(tb, "Run", func(ctx context.Context) error {
				<-ctx.Done()
				return errors.New("broken")
			})
			err = r.Stop(tb)
		})
		// The test took the error: the cleanup does not report it again.
		if len(got) != 0 || err == nil || err.Error() != "broken" {
			t.Errorf("failures %q, Stop=%v; want no failure and the error", got, err)
		}
	})
	t.Run("WaitTimesOut", func(t *testing.T) {
		release := make(chan struct{})
		got := (&recorder{TB: t}).run(func(tb testing.TB) {
			r := tribunetest.Run(tb, "Run", func(ctx context.Context) error {
				<-release
				return nil
			})
			r.Wait(tb, 20*time.Millisecond)
		})
		close(release)
		if len(got) != 1 || got[0] != "Run did not return within 20ms" {
			t.Errorf("failures %q, want the timeout", got)
		}
	})
}

func TestChildEnv(t *testing.T) {
	t.Setenv("TRIBUNE_CHANNEL", "from-the-test")
	t.Setenv("NO_COLOR", "1")
	env := tribunetest.ChildEnv("TRIBUNE_API_TOKEN=x")
	for _, kv := range env {
		if strings.HasPrefix(kv, "TRIBUNE_CHANNEL=") || strings.HasPrefix(kv, "NO_COLOR=") {
			t.Errorf("the child inherits %s", kv)
		}
	}
	if env[len(env)-1] != "TRIBUNE_API_TOKEN=x" {
		t.Errorf("env ends %q, want the child's own", env[len(env)-1])
	}
}

func TestBuffer(t *testing.T) {
	var b tribunetest.Buffer
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Go(func() {
			b.Logger(slog.LevelInfo).Info("line", "n", i)
			_ = b.String()
		})
	}
	wg.Wait()
	if n := strings.Count(b.String(), "msg=line"); n != 8 {
		t.Errorf("%d lines logged, want 8:\n%s", n, b.String())
	}
}
