// Package fakeclock is a clock that tests move by hand. The Service, the
// bot and the console take a `Now func() time.Time`; tests hand them
// Clock.Now so that rate limits, stored times and rendered ages do not
// depend on the wall clock.
package fakeclock

import (
	"sync"
	"time"
)

// Clock is a time source safe for concurrent use.
type Clock struct {
	mu   sync.Mutex
	now  time.Time
	step time.Duration
}

// New returns a clock that stands at t until moved.
func New(t time.Time) *Clock { return &Clock{now: t} }

// NewTicking returns a clock that moves by step each time it is read, so
// that every time it gives differs from the last.
func NewTicking(t time.Time, step time.Duration) *Clock { return &Clock{now: t, step: step} }

// Now returns the clock's time (after its step, for a ticking clock).
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(c.step)
	return c.now
}

// Add moves the clock by d.
func (c *Clock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// Set puts the clock at t.
func (c *Clock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = t
}
