// Package tribunetest holds what the tests of every package need to run a
// meeting: a Service on a real SQLite file, viewers of each source, reads
// that fail the test on error, and a wait for a condition. One copy, so
// that the tests of the bot, the overlay, the console, the store and the
// command line do not drift apart.
package tribunetest

import (
	"context"
	"testing"

	"github.com/tribune-live/tribune"
)

// Questions returns the questions of svc with status st, failing tb on
// error.
func Questions(tb testing.TB, m tribune.Moderation, st tribune.Status) []tribune.Question {
	tb.Helper()
	qs, err := m.Questions(context.Background(), st)
	if err != nil {
		tb.Fatalf("Questions(%q): %v", st, err)
	}
	return qs
}

// Session returns the session of m, failing tb on error.
func Session(tb testing.TB, m tribune.Moderation) tribune.Session {
	tb.Helper()
	s, err := m.Session(context.Background())
	if err != nil {
		tb.Fatalf("Session: %v", err)
	}
	return s
}

// Health returns the health of m's components; an error reads as no
// health at all, so that a wait on a component's state keeps waiting.
func Health(m tribune.Moderation) map[string]string {
	h, _ := m.Health(context.Background())
	return h
}

// Subscribe subscribes to m's events, failing tb on error; the
// subscription closes when the test ends.
func Subscribe(tb testing.TB, m tribune.Moderation) *tribune.Subscription {
	tb.Helper()
	sub, err := m.Subscribe(context.Background())
	if err != nil {
		tb.Fatalf("Subscribe: %v", err)
	}
	tb.Cleanup(sub.Close)
	return sub
}

// TwitchViewer returns the Actor of a Twitch viewer known by login alone,
// as a ban by login sees them.
func TwitchViewer(login string) tribune.Actor {
	return tribune.Actor{Login: login, Source: tribune.SourceTwitch}
}
