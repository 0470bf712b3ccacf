package tribunetest

import (
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/tribune-live/tribune"
	"github.com/tribune-live/tribune/store"
)

// OpenService opens a Service of channel on a new SQLite file in tb's
// temporary directory, with the design's rules unless configure changes
// them before Open. Service and database close when the test ends.
func OpenService(tb testing.TB, channel string, configure func(*tribune.Service)) *tribune.Service {
	tb.Helper()
	svc, _ := OpenServiceAt(tb, filepath.Join(tb.TempDir(), "tribune.db"), channel, configure)
	return svc
}

// OpenServiceAt is OpenService on the SQLite file at path, which may hold
// an earlier meeting; it also returns the store.
func OpenServiceAt(tb testing.TB, path, channel string, configure func(*tribune.Service)) (*tribune.Service, *store.DB) {
	tb.Helper()
	svc, db := openAt(tb, path, channel, configure)
	tb.Cleanup(func() { closeAll(tb, svc, db) })
	return svc, db
}

// Seed plays a meeting into the SQLite file at path for another process
// to open (the tribune binary, a reader): it opens a Service of channel
// there as OpenServiceAt does, runs play on it, and closes Service and
// store before it returns, since a database has one owner at a time.
func Seed(tb testing.TB, path, channel string, configure func(*tribune.Service), play func(*tribune.Service)) {
	tb.Helper()
	svc, db := openAt(tb, path, channel, configure)
	defer closeAll(tb, svc, db)
	play(svc)
}

func openAt(tb testing.TB, path, channel string, configure func(*tribune.Service)) (*tribune.Service, *store.DB) {
	tb.Helper()
	db := store.NewDB(path)
	if err := db.Open(); err != nil {
		tb.Fatalf("open store %s: %v", path, err)
	}
	svc := tribune.NewService(db, channel)
	svc.Logger = QuietLogger()
	if configure != nil {
		configure(svc)
	}
	if err := svc.Open(context.Background()); err != nil {
		db.Close()
		tb.Fatalf("open service: %v", err)
	}
	return svc, db
}

func closeAll(tb testing.TB, svc *tribune.Service, db *store.DB) {
	tb.Helper()
	svc.Close()
	if err := db.Close(); err != nil {
		tb.Errorf("close store: %v", err)
	}
}

// Stored returns the current session of m as db holds it on disk, failing
// tb on error: what a restart would load.
func Stored(tb testing.TB, db *store.DB, m tribune.Moderation) tribune.SessionState {
	tb.Helper()
	st, err := db.LoadSession(context.Background(), Session(tb, m).ID)
	if err != nil {
		tb.Fatalf("load session: %v", err)
	}
	return st
}

// QuietLogger drops logs, unless the tests run with -v, where warnings
// and errors go to standard error. (Not tb.Log: a goroutine that logs
// after its test ended would panic the test binary.)
func QuietLogger() *slog.Logger {
	if testing.Verbose() {
		return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	}
	return slog.New(slog.DiscardHandler)
}

const (
	// WaitLimit is how long a test waits for what takes milliseconds on
	// an idle machine: generous, for two cores shared with others.
	WaitLimit = 20 * time.Second
	// Poll is how often Eventually looks at its condition.
	Poll = 5 * time.Millisecond
)

// Eventually polls cond every Poll until it holds, and fails tb with what
// when timeout passes first.
func Eventually(tb testing.TB, timeout time.Duration, what string, cond func() bool) {
	tb.Helper()
	EventuallyEvery(tb, timeout, Poll, what, func() (bool, string) { return cond(), "" })
}

// EventuallyEvery is Eventually for a condition that costs something to
// look at (a request to a child process, a capture of a terminal), polled
// every interval, and that says what it saw: the failure ends with the
// last state cond described.
func EventuallyEvery(tb testing.TB, timeout, every time.Duration, what string, cond func() (ok bool, state string)) {
	tb.Helper()
	deadline := time.Now().Add(timeout)
	for {
		ok, state := cond()
		if ok {
			return
		}
		if time.Now().After(deadline) {
			if state != "" {
				tb.Fatalf("%s: not within %v; last state: %s", what, timeout, state)
			}
			tb.Fatalf("%s: not within %v", what, timeout)
		}
		time.Sleep(every)
	}
}
