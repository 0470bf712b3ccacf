package youtube

import (
	"context"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/tribune-live/tribune/chat"
)

// Reply pacing.
const (
	// replyMaxAge is how long a reply may wait for the budget: a
	// question's number is still worth hearing a minute later, but not
	// after the meeting has moved on.
	replyMaxAge = 2 * time.Minute
	// replySep joins replies to several viewers in one message.
	replySep = " · "
	// maxPending bounds the replies waiting; the oldest go first.
	maxPending = 500
)

// replier sends replies as few messages as it can: each insert costs
// CostInsert units. Replies wait Linger to be folded together
// ("@a #12 · @b #13"), then leave at the pace the reply budget pays for
// over the meeting (a bucket of replyBurst messages that refills at the
// plan's rate), and stop when the budget or the day's quota is spent.
type replier struct {
	r    *run
	wake chan struct{}

	mu      sync.Mutex
	pending []pendingReply
	tokens  float64   // messages the bucket holds
	filled  time.Time // when tokens was last refilled
	state   string    // "" while replies go out; else why they stopped
}

type pendingReply struct {
	text string
	at   time.Time
}

func newReplier(r *run) *replier {
	return &replier{r: r, wake: make(chan struct{}, 1), tokens: replyBurst, filled: time.Now()}
}

// add queues a reply to one viewer ("@ana #12").
func (p *replier) add(text string) {
	p.mu.Lock()
	if p.state != "" {
		p.mu.Unlock()
		p.r.s.stats.dropped.Add(1)
		return
	}
	if len(p.pending) >= maxPending {
		p.pending = p.pending[1:]
		p.r.s.stats.dropped.Add(1)
	}
	p.pending = append(p.pending, pendingReply{text: text, at: time.Now()})
	p.mu.Unlock()
	select {
	case p.wake <- struct{}{}:
	default:
	}
}

// status returns what the health shows of replies: "" while they go out.
func (p *replier) status() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.state
}

// stop ends replies for the rest of the run, dropping those waiting.
func (p *replier) stop(state string) {
	p.mu.Lock()
	p.state = state
	p.r.s.stats.dropped.Add(uint64(len(p.pending)))
	p.pending = nil
	p.mu.Unlock()
	p.r.publish()
}

// run sends the replies until ctx ends.
func (p *replier) run(ctx context.Context) {
	rate := p.r.plan.replyRate()
	backoff := time.Duration(0)
	for {
		select {
		case <-p.wake:
		case <-ctx.Done():
			return
		}
		// Let the replies of the same moment gather.
		if !sleep(ctx, p.r.s.Linger) {
			return
		}
		for p.waiting() {
			if backoff > 0 && !sleep(ctx, backoff) {
				return
			}
			if wait := p.take(rate); wait > 0 {
				if !sleep(ctx, wait) {
					return
				}
				continue
			}
			u := p.r.s.meter.snapshot(p.r.s.Now())
			if u.replies+CostInsert > p.r.plan.reply || u.used+CostInsert > u.perDay {
				p.r.log.Warn("youtube: the reply budget is spent: the source reads on and replies no more", "reply_units", u.replies, "budget", p.r.plan.reply)
				p.stop("reply budget spent")
				return
			}
			msg, n := p.message()
			if n == 0 {
				continue
			}
			err := p.insert(ctx, msg)
			if ctx.Err() != nil {
				return
			}
			if err == nil {
				backoff = 0
				p.sent(n)
				continue
			}
			switch classify(err) {
			case retry:
				// Refused for now (rateLimitExceeded, a 5xx, the
				// network): keep them and try again later; replyMaxAge
				// drops what waits too long.
				backoff = min(max(backoff*2, 2*time.Second), time.Minute)
				p.r.log.Warn("youtube: a reply was not sent; retrying", "err", p.r.s.describe(err), "in", backoff.String())
				p.refund()
			case stopAuth:
				p.r.log.Error("youtube: Google refused the OAuth credentials for replies: the source reads on, read-only", "err", p.r.s.describe(err))
				p.drop(n)
				p.stop("read-only")
				return
			case stopQuota:
				p.r.log.Error("youtube: the daily quota is spent: no more replies", "err", p.r.s.describe(err))
				p.drop(n)
				p.stop("no quota for replies")
				return
			case stopEnded, stopGone, stopDisabled:
				p.drop(n)
				p.stop("chat closed")
				return
			default:
				// The message itself was refused (messageTextInvalid…).
				p.r.log.Warn("youtube: a reply was refused", "err", p.r.s.describe(err))
				p.drop(n)
			}
		}
	}
}

// waiting drops the replies that waited too long and reports whether any
// are left.
func (p *replier) waiting() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	i := 0
	for i < len(p.pending) && time.Since(p.pending[i].at) > replyMaxAge {
		i++
	}
	if i > 0 {
		p.r.s.stats.dropped.Add(uint64(i))
		p.pending = p.pending[i:]
	}
	return len(p.pending) > 0
}

// take takes a message from the bucket, or returns how long to wait for
// one.
func (p *replier) take(rate float64) time.Duration {
	p.mu.Lock()
	defer p.mu.Unlock()
	now := time.Now()
	p.tokens = min(replyBurst, p.tokens+now.Sub(p.filled).Seconds()*rate)
	p.filled = now
	if p.tokens >= 1 {
		p.tokens--
		return 0
	}
	if rate <= 0 {
		return time.Hour
	}
	return time.Duration((1 - p.tokens) / rate * float64(time.Second))
}

// refund gives back the bucket's message of a reply that did not leave.
func (p *replier) refund() {
	p.mu.Lock()
	p.tokens = min(replyBurst, p.tokens+1)
	p.mu.Unlock()
}

// message folds the oldest waiting replies into one message of at most
// MaxMessageRunes, and returns it with how many it holds.
func (p *replier) message() (string, int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	var b strings.Builder
	n, runes := 0, 0
	for _, pr := range p.pending {
		text := pr.text
		add := utf8.RuneCountInString(text)
		if n > 0 {
			add += utf8.RuneCountInString(replySep)
		}
		if n > 0 && runes+add > MaxMessageRunes {
			break
		}
		if n == 0 && add > MaxMessageRunes {
			text = chat.Clip(text, MaxMessageRunes)
		}
		if n > 0 {
			b.WriteString(replySep)
		}
		b.WriteString(text)
		runes += add
		n++
	}
	return b.String(), n
}

// sent removes the first n replies, which a message carried.
func (p *replier) sent(n int) {
	p.mu.Lock()
	p.pending = p.pending[n:]
	p.mu.Unlock()
	p.r.s.stats.replies.Add(1)
	p.r.s.stats.parts.Add(uint64(n))
}

// drop removes the first n replies, which will not be sent.
func (p *replier) drop(n int) {
	p.mu.Lock()
	n = min(n, len(p.pending))
	p.pending = p.pending[n:]
	p.mu.Unlock()
	p.r.s.stats.dropped.Add(uint64(n))
}

// insert sends one message to the chat, charging its cost.
func (p *replier) insert(ctx context.Context, text string) error {
	r := p.r
	cctx, cancel := context.WithTimeout(ctx, callTimeout)
	defer cancel()
	err := insertMessage(cctx, r.s.writeHTTP, r.s.APIBase, r.chatID, text)
	if err == nil || apiError(err) != nil {
		r.charge(CostInsert, true)
	}
	return err
}
