package fakeclock_test

import (
	"testing"
	"time"

	"github.com/tribune-live/tribune/internal/fakeclock"
)

func TestClock(t *testing.T) {
	t0 := time.Date(2026, 11, 23, 18, 0, 0, 0, time.UTC)
	c := fakeclock.New(t0)
	if got := c.Now(); !got.Equal(t0) {
		t.Errorf("Now=%v, want %v", got, t0)
	}
	c.Add(time.Minute)
	if got := c.Now(); !got.Equal(t0.Add(time.Minute)) {
		t.Errorf("after Add: Now=%v", got)
	}
	c.Set(t0)
	if got := c.Now(); !got.Equal(t0) {
		t.Errorf("after Set: Now=%v", got)
	}
	tick := fakeclock.NewTicking(t0, time.Second)
	if a, b := tick.Now(), tick.Now(); b.Sub(a) != time.Second {
		t.Errorf("ticking clock moved %v between reads, want 1s", b.Sub(a))
	}
}
