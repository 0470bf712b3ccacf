package bot

import (
	"time"

	"golang.org/x/time/rate"
)

// Twitch's send limits for a chat bot account, per channel.
const (
	// MaxMessageRunes is the longest chat message Twitch accepts.
	MaxMessageRunes = 500
	// RateWindow is the window of Twitch's message limits.
	RateWindow = 30 * time.Second
	// UserLimit is how many messages an account may send per RateWindow
	// in a channel where it is not a moderator.
	UserLimit = 20
	// ModeratorLimit is the same for a moderator or the broadcaster.
	ModeratorLimit = 100
)

// Pacing within those limits. The token bucket spreads messages out; the
// sliding window is the hard guarantee. Both keep a margin for clock and
// network jitter: messages that leave 30 s apart may arrive closer.
const (
	guardWindow    = RateWindow + time.Second
	userGuard      = UserLimit - 1
	moderatorGuard = ModeratorLimit - 5
	userBurst      = 3
	moderatorBurst = 10
	// userGap spaces out the messages of a bot that is not a moderator:
	// Twitch also refuses messages "sent too quickly", about one a second.
	userGap = 1100 * time.Millisecond
	// slowMargin is added to a slow mode's interval: Twitch measures it
	// between arrivals, which jitter.
	slowMargin = 500 * time.Millisecond
	// The bucket alone sends at most burst + rate×30 s per window.
	userRate      = rate.Limit(float64(userGuard-userBurst-1) / 30) // 15 per 30 s
	moderatorRate = rate.Limit(float64(moderatorGuard-moderatorBurst-5) / 30)
)

// pacer decides when the next chat message may leave in one channel. It
// is not safe for concurrent use: the outbox's mutex guards it.
type pacer struct {
	lim  *rate.Limiter
	gap  time.Duration // between two messages at least
	max  int           // messages per guardWindow at most
	sent []time.Time   // send times in the last guardWindow, oldest first
	mod  bool
	slow time.Duration // the channel's slow mode, 0 when off
}

func newPacer(moderator bool, now time.Time) *pacer {
	p := &pacer{lim: rate.NewLimiter(userRate, userBurst), gap: userGap, max: userGuard}
	p.lim.SetBurstAt(now, userBurst)
	if moderator {
		p.setModerator(true, now)
	}
	return p
}

// setModerator switches between the user and the moderator limits. The
// sliding window keeps counting what was sent before, so losing moderator
// status never lets a burst through.
func (p *pacer) setModerator(mod bool, now time.Time) {
	p.mod = mod
	if mod {
		p.lim.SetLimitAt(now, moderatorRate)
		p.lim.SetBurstAt(now, moderatorBurst)
		p.max, p.gap = moderatorGuard, 0
		return
	}
	p.lim.SetLimitAt(now, userRate)
	p.lim.SetBurstAt(now, userBurst)
	p.max, p.gap = userGuard, p.userGap()
}

// setSlow applies the channel's slow mode (0: off), which holds back
// everyone but moderators and the broadcaster.
func (p *pacer) setSlow(d time.Duration) {
	p.slow = max(d, 0)
	if !p.mod {
		p.gap = p.userGap()
	}
}

func (p *pacer) userGap() time.Duration {
	if p.slow > 0 {
		return max(userGap, p.slow+slowMargin)
	}
	return userGap
}

// next returns the earliest time, not before now, at which one message may
// be sent.
func (p *pacer) next(now time.Time) time.Time {
	t := now
	if tok := p.lim.TokensAt(now); tok < 1 {
		wait := time.Duration((1 - tok) / float64(p.lim.Limit()) * float64(time.Second))
		t = now.Add(wait + time.Millisecond)
	}
	p.prune(now)
	if n := len(p.sent); n > 0 && p.gap > 0 {
		if at := p.sent[n-1].Add(p.gap); at.After(t) {
			t = at
		}
	}
	if len(p.sent) >= p.max {
		if at := p.sent[len(p.sent)-p.max].Add(guardWindow); at.After(t) {
			t = at
		}
	}
	return t
}

// take records a message sent at at.
func (p *pacer) take(at time.Time) {
	p.lim.ReserveN(at, 1)
	p.sent = append(p.sent, at)
	p.prune(at)
}

func (p *pacer) prune(now time.Time) {
	i := 0
	for i < len(p.sent) && !p.sent[i].After(now.Add(-guardWindow)) {
		i++
	}
	if i > 0 {
		p.sent = append(p.sent[:0], p.sent[i:]...)
	}
}
