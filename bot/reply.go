package bot

import (
	"context"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"golang.org/x/time/rate"

	"github.com/tribune-live/tribune/chat"
)

// Twitch's send limits for a chat bot account.
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
	// The bucket alone sends at most burst + rate×30 s per window.
	userRate      = rate.Limit(float64(userGuard-userBurst-1) / 30) // 15 per 30 s
	moderatorRate = rate.Limit(float64(moderatorGuard-moderatorBurst-5) / 30)
)

// pacer decides when the next chat message may leave. It is not safe for
// concurrent use: the replier's mutex guards it.
type pacer struct {
	lim  *rate.Limiter
	gap  time.Duration // between two messages at least
	max  int           // messages per guardWindow at most
	sent []time.Time   // send times in the last guardWindow, oldest first
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
	if mod {
		p.lim.SetLimitAt(now, moderatorRate)
		p.lim.SetBurstAt(now, moderatorBurst)
		p.max, p.gap = moderatorGuard, 0
		return
	}
	p.lim.SetLimitAt(now, userRate)
	p.lim.SetBurstAt(now, userBurst)
	p.max, p.gap = userGuard, userGap
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

// Replier pacing and batching defaults.
const (
	// DefaultLinger is how long the replier waits after a first reply is
	// due before it writes a message, so that replies due at about the
	// same time share one message.
	DefaultLinger = 300 * time.Millisecond
	// maxPending bounds the replies waiting to be sent: beyond it, in a
	// flood, new ones are dropped (and counted) rather than sent minutes
	// late.
	maxPending = 4096
	// maxPerUser bounds the replies waiting for one viewer, so that one
	// viewer cannot use up the channel's budget.
	maxPerUser = 3
	// maxAge drops replies that waited longer: the viewer has moved on.
	maxAge = 2 * time.Minute
	// partSep joins the parts of one message.
	partSep = ", "
	// noticeEvery spaces out notices of one key: a channel that types
	// !top all the time gets a top list every so often, not a chat full
	// of them.
	noticeEvery = 15 * time.Second
)

// part is one short reply addressed to one viewer.
type part struct {
	to   string // login, for the per-viewer cap
	text string // "@name …"
	at   time.Time
}

// replier sends replies to the chat within Twitch's limits. Replies to
// viewers are queued as parts and folded, in order, into messages of up to
// MaxMessageRunes ("@a #12, @b voted #4, …"); notices (the top list, the
// help line) are whole messages, one pending per key. One goroutine (run)
// sends; the others only queue.
type replier struct {
	linger time.Duration
	now    func() time.Time
	stats  *counters

	mu       sync.Mutex // guards everything below
	say      func(text string)
	pending  []part
	perUser  map[string]int
	notices  []notice
	pace     *pacer
	lastText string
	lastAt   time.Time
	noticeAt map[string]time.Time // when each notice key was last sent
	mod      bool
	wake     chan struct{}
}

type notice struct {
	key  string
	text string
}

func newReplier(stats *counters) *replier {
	return &replier{
		linger:   DefaultLinger,
		now:      time.Now,
		stats:    stats,
		perUser:  map[string]int{},
		noticeAt: map[string]time.Time{},
		pace:     newPacer(false, time.Now()),
		wake:     make(chan struct{}, 1),
	}
}

func (r *replier) poke() {
	select {
	case r.wake <- struct{}{}:
	default:
	}
}

// attach sets how messages are sent; nil holds them until the next attach.
func (r *replier) attach(say func(string)) {
	r.mu.Lock()
	r.say = say
	r.mu.Unlock()
	r.poke()
}

// setModerator applies the limits of a moderator or of a plain user.
func (r *replier) setModerator(mod bool) {
	r.mu.Lock()
	changed := mod != r.mod
	if changed {
		r.mod = mod
		r.pace.setModerator(mod, r.now())
	}
	r.mu.Unlock()
	if changed {
		r.poke()
	}
}

// add queues a reply part for viewer login.
func (r *replier) add(login, text string) {
	r.mu.Lock()
	if len(r.pending) >= maxPending || r.perUser[login] >= maxPerUser {
		r.mu.Unlock()
		r.stats.dropped.Add(1)
		return
	}
	r.pending = append(r.pending, part{to: login, text: text, at: r.now()})
	r.perUser[login]++
	r.mu.Unlock()
	r.poke()
}

// notify queues a whole message under key, replacing a pending one with
// the same key: many !top requests close together get one answer.
func (r *replier) notify(key, text string) {
	r.mu.Lock()
	for i := range r.notices {
		if r.notices[i].key == key {
			r.notices[i].text = text
			r.mu.Unlock()
			return
		}
	}
	r.notices = append(r.notices, notice{key: key, text: text})
	r.mu.Unlock()
	r.poke()
}

// run sends queued replies until ctx is done.
func (r *replier) run(ctx context.Context) {
	timer := time.NewTimer(time.Hour)
	timer.Stop()
	defer timer.Stop()
	sleep := func(d time.Duration) bool {
		if d <= 0 {
			return ctx.Err() == nil
		}
		timer.Reset(d)
		select {
		case <-timer.C:
			return true
		case <-ctx.Done():
			timer.Stop()
			return false
		}
	}
	for {
		r.mu.Lock()
		due, ok := r.dueLocked(r.now())
		if r.say == nil {
			ok = false
		}
		r.mu.Unlock()
		if !ok || due > 0 {
			var later <-chan time.Time
			if ok {
				timer.Reset(due)
				later = timer.C
			}
			select {
			case <-r.wake:
				timer.Stop()
				continue
			case <-later:
				continue
			case <-ctx.Done():
				return
			}
		}
		if !sleep(r.linger) {
			return
		}
		for {
			r.mu.Lock()
			now := r.now()
			at := r.pace.next(now)
			r.mu.Unlock()
			if !at.After(now) {
				break
			}
			if !sleep(at.Sub(now)) {
				return
			}
		}
		r.mu.Lock()
		say := r.say
		now := r.now()
		msg, parts := r.composeLocked(now)
		if msg != "" && say != nil {
			if msg == r.lastText && now.Sub(r.lastAt) < RateWindow {
				// Twitch drops a message identical to the previous one
				// within 30 s; chat clients append this invisible tag.
				msg += " \U000E0000"
			}
			r.lastText, r.lastAt = msg, now
			r.pace.take(now)
		}
		r.mu.Unlock()
		if msg != "" && say != nil {
			say(msg)
			r.stats.replies.Add(1)
			r.stats.parts.Add(uint64(parts))
		}
	}
}

// dueLocked returns how long until something can be composed, and false
// when nothing is queued. The caller holds r.mu.
func (r *replier) dueLocked(now time.Time) (time.Duration, bool) {
	if len(r.pending) > 0 {
		return 0, true
	}
	if len(r.notices) == 0 {
		return 0, false
	}
	wait := time.Duration(1<<63 - 1)
	for _, n := range r.notices {
		wait = min(wait, max(0, r.noticeAt[n.key].Add(noticeEvery).Sub(now)))
	}
	return wait, true
}

// composeLocked takes the next message off the queues: a notice if one is
// due, else as many reply parts as fit. It returns the message and how
// many parts it carries. The caller holds r.mu.
func (r *replier) composeLocked(now time.Time) (string, int) {
	for i, n := range r.notices {
		if now.Before(r.noticeAt[n.key].Add(noticeEvery)) {
			continue
		}
		r.notices = append(r.notices[:i], r.notices[i+1:]...)
		r.noticeAt[n.key] = now
		return chat.Clip(n.text, MaxMessageRunes), 0
	}
	// Drop replies nobody waits for any more.
	for len(r.pending) > 0 && now.Sub(r.pending[0].at) > maxAge {
		r.release(r.pending[0])
		r.pending = r.pending[1:]
		r.stats.dropped.Add(1)
	}
	var b strings.Builder
	runes, n := 0, 0
	for n < len(r.pending) {
		p := r.pending[n]
		t := chat.Clip(p.text, MaxMessageRunes)
		size := utf8.RuneCountInString(t)
		if n > 0 {
			size += utf8.RuneCountInString(partSep)
		}
		if n > 0 && runes+size > MaxMessageRunes {
			break
		}
		if n > 0 {
			b.WriteString(partSep)
		}
		b.WriteString(t)
		runes += size
		r.release(p)
		n++
	}
	r.pending = r.pending[n:]
	if len(r.pending) == 0 {
		r.pending = nil // let the backing array go after a burst
	}
	return b.String(), n
}

func (r *replier) release(p part) {
	if r.perUser[p.to] <= 1 {
		delete(r.perUser, p.to)
	} else {
		r.perUser[p.to]--
	}
}

// counters are the Client's statistics, updated atomically.
type counters struct {
	lines, commands, applied, ignored, replies, parts, dropped atomic.Uint64
	connects, panics, stalls                                   atomic.Uint64
}
