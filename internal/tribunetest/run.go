package tribunetest

import (
	"context"
	"sync"
	"testing"
	"time"
)

// StopTimeout is how long a component has to return once its context
// ends, before the test fails.
const StopTimeout = 10 * time.Second

// Running is a component's Run started by Run: a bot client, a source, a
// crowd, an OBS client.
type Running struct {
	what   string
	cancel context.CancelFunc
	done   chan struct{}
	err    error // what run returned, once done is closed

	mu    sync.Mutex
	taken bool // the test has read the result: the cleanup leaves it
}

// Run calls run in a goroutine with a context that ends when the test
// calls Stop or when the test ends. A component the test did not stop
// itself is stopped at the test's end, and must then return nil within
// StopTimeout; what names it in failures ("Run", "the crowd").
func Run(tb testing.TB, what string, run func(context.Context) error) *Running {
	tb.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	r := &Running{what: what, cancel: cancel, done: make(chan struct{})}
	go func() {
		defer close(r.done)
		r.err = run(ctx)
	}()
	tb.Cleanup(func() {
		r.mu.Lock()
		taken := r.taken
		r.mu.Unlock()
		if taken {
			r.cancel()
			return
		}
		if err := r.Stop(tb); err != nil {
			tb.Errorf("%s returned %v when its context ended, want nil", what, err)
		}
	})
	return r
}

// Stop ends the context and returns what run returned, failing tb if it
// does not return within StopTimeout.
func (r *Running) Stop(tb testing.TB) error {
	tb.Helper()
	r.cancel()
	return r.Wait(tb, StopTimeout)
}

// Wait waits until run returns, by itself or after Stop, and returns its
// error; it fails tb if that takes longer than timeout.
func (r *Running) Wait(tb testing.TB, timeout time.Duration) error {
	tb.Helper()
	r.mu.Lock()
	r.taken = true
	r.mu.Unlock()
	select {
	case <-r.done:
		return r.err
	case <-time.After(timeout):
		tb.Fatalf("%s did not return within %v", r.what, timeout)
		return nil
	}
}

// Context returns a context that ends after timeout, or when the test
// ends: the deadline of a wait on a fake server or a client.
func Context(tb testing.TB, timeout time.Duration) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	tb.Cleanup(cancel)
	return ctx
}
