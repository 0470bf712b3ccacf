// Package tribunetest holds what the tests of every package need to run a
// meeting: a Service on a real SQLite file and a wait for a condition
// (service.go), viewers of each source (viewers.go), reads and actions
// that fail the test on error (this file), the fake Twitch, YouTube and
// OBS servers started for one test (fakes.go), components run in the
// background until the test ends (run.go), loopback listeners and
// websockets (net.go), a log buffer (log.go), Chromium (chromium.go), the
// tribune binary (build.go) and the user nobody (otheruser.go). One copy,
// so that the tests of the bot, the overlay, the console, the sources and
// the command line do not drift apart.
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

// Get returns question id of svc, failing tb when it is unknown.
func Get(tb testing.TB, svc *tribune.Service, id int) tribune.Question {
	tb.Helper()
	q, err := svc.Get(id)
	if err != nil {
		tb.Fatalf("get #%d: %v", id, err)
	}
	return q
}

// Ask submits text to svc as a and returns the question it made (or the
// one it voted for, when text repeats an open question), failing tb on
// error.
func Ask(tb testing.TB, svc *tribune.Service, a tribune.Actor, text string) tribune.Question {
	tb.Helper()
	res, err := svc.Ask(context.Background(), a, text)
	if err != nil {
		tb.Fatalf("ask %q: %v", text, err)
	}
	return res.Question
}

// Vote adds the vote of a to question id, failing tb on error.
func Vote(tb testing.TB, svc *tribune.Service, a tribune.Actor, id int) tribune.Question {
	tb.Helper()
	q, err := svc.Vote(context.Background(), a, id)
	if err != nil {
		tb.Fatalf("vote of %s for #%d: %v", a.Name(), id, err)
	}
	return q
}

// Show puts question id on air, failing tb on error.
func Show(tb testing.TB, m tribune.Moderation, id int) tribune.Question {
	tb.Helper()
	q, err := m.Show(context.Background(), id)
	if err != nil {
		tb.Fatalf("show #%d: %v", id, err)
	}
	return q
}

// Hide takes the on-air question off air, failing tb on error.
func Hide(tb testing.TB, m tribune.Moderation) {
	tb.Helper()
	if _, err := m.HideOverlay(context.Background()); err != nil {
		tb.Fatalf("hide: %v", err)
	}
}
