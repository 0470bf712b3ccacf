package bot

import (
	"testing"
	"time"
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

// TestPacerSlowMode checks that slow mode spaces the messages of a bot
// that is not a moderator, and only those.
func TestPacerSlowMode(t *testing.T) {
	t0 := time.Date(2026, 12, 3, 18, 0, 0, 0, time.UTC)
	p := newPacer(false, t0)
	p.setSlow(5 * time.Second)
	now := t0
	for i := range 20 {
		at := p.next(now)
		if i > 0 && at.Sub(now) < 5*time.Second {
			t.Fatalf("message %d %v after the previous one in a 5 s slow mode", i, at.Sub(now))
		}
		now = at
		p.take(now)
	}
	p.setModerator(true, now)
	if at := p.next(now); at.After(now) {
		t.Errorf("a moderator waits %v in slow mode, want no wait", at.Sub(now))
	}
	p.setModerator(false, now)
	p.setSlow(0)
	if at := p.next(now); at.Sub(now) > userGap {
		t.Errorf("slow mode off: wait %v, want at most %v", at.Sub(now), userGap)
	}
}
