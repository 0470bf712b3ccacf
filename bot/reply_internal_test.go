package bot

import (
	"fmt"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

// maxInWindow returns the most messages sent within any span of window.
func maxInWindow(sent []time.Time, window time.Duration) int {
	most, j := 0, 0
	for i := range sent {
		for sent[i].Sub(sent[j]) >= window {
			j++
		}
		most = max(most, i-j+1)
	}
	return most
}

// TestPacerNeverExceeds sends as fast as the pacer allows, on a simulated
// clock, and checks Twitch's limits over every 30 s window.
func TestPacerNeverExceeds(t *testing.T) {
	t0 := time.Date(2026, 11, 23, 18, 0, 0, 0, time.UTC)
	tests := []struct {
		name  string
		mod   func(i int) bool // moderator status before message i
		limit int
	}{
		{"User", func(int) bool { return false }, UserLimit},
		{"Moderator", func(int) bool { return true }, ModeratorLimit},
		{"Demoted", func(i int) bool { return i < 150 }, ModeratorLimit},
		{"Flapping", func(i int) bool { return i/7%2 == 0 }, ModeratorLimit},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			now := t0
			p := newPacer(tt.mod(0), now)
			var sent []time.Time
			for i := range 600 {
				mod := tt.mod(i)
				p.setModerator(mod, now)
				at := p.next(now)
				if at.Before(now) {
					t.Fatalf("next=%v is before now=%v", at, now)
				}
				now = at
				p.take(now)
				sent = append(sent, now)
			}
			if got := maxInWindow(sent, RateWindow); got > tt.limit {
				t.Errorf("%d messages within 30 s, want at most %d", got, tt.limit)
			}
			// Once demoted, what was sent as a moderator in the last 30 s
			// counts against the user limit: no window that ends with a
			// message sent as a user holds more than the user limit.
			for i := range sent {
				if tt.mod(i) {
					continue
				}
				n := 0
				for _, s := range sent[:i+1] {
					if sent[i].Sub(s) < RateWindow {
						n++
					}
				}
				if n > UserLimit {
					t.Fatalf("message %d, sent as a user: %d messages in the 30 s up to it, want at most %d", i, n, UserLimit)
				}
			}
			for i := 1; i < len(sent); i++ {
				if !tt.mod(i) && sent[i].Sub(sent[i-1]) < time.Second {
					t.Fatalf("messages %d and %d, as a user, %v apart, want at least 1 s", i-1, i, sent[i].Sub(sent[i-1]))
				}
			}
			// Pacing is not too timid either: over 600 messages the rate is
			// close to the guard.
			span := sent[len(sent)-1].Sub(sent[0])
			if tt.name == "User" && span > 600*RateWindow/15+RateWindow {
				t.Errorf("600 messages took %v as a user, want about %v", span, 600*RateWindow/16)
			}
		})
	}
}

// TestComposeFolds queues a burst of 500 acknowledgements and checks that
// they leave in a few messages of at most 500 characters, in order, none
// lost.
func TestComposeFolds(t *testing.T) {
	var c counters
	r := newReplier(&c)
	now := time.Now()
	r.now = func() time.Time { return now }
	var want []string
	for i := range 500 {
		login := fmt.Sprintf("viewer%d", i)
		msg := fmt.Sprintf("@%s voted #%d", login, i%7+1)
		if i%3 == 0 {
			msg = fmt.Sprintf("@%s #%d", login, 100+i)
		}
		r.add(login, msg)
		want = append(want, msg)
	}
	var got []string
	messages := 0
	r.mu.Lock()
	for len(r.pending) > 0 {
		msg, n := r.composeLocked(now)
		if n == 0 || msg == "" {
			t.Fatal("composeLocked returned nothing with replies pending")
		}
		if utf8.RuneCountInString(msg) > MaxMessageRunes {
			t.Errorf("message of %d characters, want at most %d", utf8.RuneCountInString(msg), MaxMessageRunes)
		}
		parts := strings.Split(msg, partSep)
		if len(parts) != n {
			t.Errorf("message carries %d parts, composeLocked says %d", len(parts), n)
		}
		got = append(got, parts...)
		messages++
	}
	r.mu.Unlock()
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("parts differ from the replies queued: got %d, want %d", len(got), len(want))
	}
	if messages > 25 {
		t.Errorf("500 acknowledgements took %d messages, want at most 25", messages)
	}
	if len(r.perUser) != 0 {
		t.Errorf("perUser has %d entries after sending everything, want 0", len(r.perUser))
	}
}

func TestReplierCaps(t *testing.T) {
	var c counters
	r := newReplier(&c)
	for range maxPerUser + 2 {
		r.add("spammer", "@spammer #1 already asked")
	}
	if n := len(r.pending); n != maxPerUser {
		t.Errorf("pending=%d for one viewer, want %d", n, maxPerUser)
	}
	if d := c.dropped.Load(); d != 2 {
		t.Errorf("dropped=%d, want 2", d)
	}
	r.notify("top", "Top: #1")
	r.notify("top", "Top: #2")
	if n := len(r.notices); n != 1 || r.notices[0].text != "Top: #2" {
		t.Errorf("notices=%+v, want the latest top only", r.notices)
	}
	// Stale replies are dropped rather than sent minutes late.
	r.mu.Lock()
	msg, _ := r.composeLocked(time.Now()) // the notice first
	msg2, n := r.composeLocked(time.Now().Add(maxAge + time.Second))
	r.mu.Unlock()
	if msg != "Top: #2" || msg2 != "" || n != 0 {
		t.Errorf("compose=%q then %q (%d parts), want the notice then nothing", msg, msg2, n)
	}
}
