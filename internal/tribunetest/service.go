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
	tb.Cleanup(func() {
		svc.Close()
		db.Close()
	})
	return svc, db
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

// Eventually polls cond every few milliseconds until it holds, and fails
// tb with what when timeout passes first.
func Eventually(tb testing.TB, timeout time.Duration, what string, cond func() bool) {
	tb.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			tb.Fatalf("%s: not within %v", what, timeout)
		}
		time.Sleep(5 * time.Millisecond)
	}
}
