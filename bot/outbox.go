package bot

import (
	"context"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/tribune-live/tribune/chat"
)

// Sending.
const (
	// pollEvery is how often a waiting outbox reads the clock again.
	pollEvery = 200 * time.Millisecond
	// answerWait is how long a sent message waits for Twitch's answer
	// (its USERSTATE, or a NOTICE refusing it) before it is forgotten.
	answerWait = 10 * time.Second
	// Backoffs after a refusal: a rate limit doubles from min to max; a
	// slow mode waits what the notice says, or the slow interval.
	minRateBackoff     = 2 * time.Second
	maxRateBackoff     = 30 * time.Second
	defaultSlowBackoff = 3 * time.Second
	// commandGuard starts a message that would otherwise start with '/'
	// or '.', which Twitch reads as a command.
	commandGuard = "» "
)

// message is one chat message on its way: composed, sent, maybe refused
// and sent again.
type message struct {
	text    string
	parent  string
	parts   int       // replies to viewers it carries
	oldest  time.Time // when the oldest of them was queued (Client's clock)
	summary bool
	retried bool
	sent    time.Time
}

// sendConfig is what every channel's outbox shares.
type sendConfig struct {
	now     func() time.Time
	linger  time.Duration
	maxAge  time.Duration
	stats   *counters
	summary func(votes map[int]int) string
}

// outbox sends the replies of one channel within Twitch's limits there.
// Replies to viewers are queued as parts, by priority, and folded in
// order into messages of up to MaxMessageRunes ("@a #12, @b voted #4, …");
// notices are whole messages. A reply older than maxAge is dropped; vote
// acknowledgements that fall behind are counted into one summary per
// SummaryInterval instead. One goroutine (run) sends; the others queue.
type outbox struct {
	channel string
	cfg     *sendConfig
	wake    chan struct{}

	mu        sync.Mutex // guards everything below
	say       func(text, parent string)
	queues    [queues][]part
	pending   int
	perUser   map[string]int
	notices   []notice
	noticeAt  map[string]time.Time // when each notice key was last sent
	tally     map[int]int          // folded votes by question, for the next summary
	summaryAt time.Time
	pace      *pacer
	mod       bool
	holdUntil time.Time // after a refusal, nothing leaves before
	backoff   time.Duration
	inflight  []message // sent, waiting for Twitch's answer, oldest first
	retries   []message // refused once, to send again first
	lastText  string
	lastAt    time.Time
}

func newOutbox(channel string, cfg *sendConfig) *outbox {
	return &outbox{
		channel:  channel,
		cfg:      cfg,
		wake:     make(chan struct{}, 1),
		perUser:  map[string]int{},
		noticeAt: map[string]time.Time{},
		pace:     newPacer(false, cfg.now()),
	}
}

func (o *outbox) poke() {
	select {
	case o.wake <- struct{}{}:
	default:
	}
}

// attach sets how messages are sent; nil holds them until the next
// attach. The answers to what was in flight are lost with the connection.
func (o *outbox) attach(say func(text, parent string)) {
	o.mu.Lock()
	o.say = say
	o.inflight = nil
	o.mu.Unlock()
	o.poke()
}

// userState handles the bot's USERSTATE in the channel, which Twitch
// sends on joining and in answer to each message it accepts: the limits
// follow the bot's badges, and the oldest message in flight was accepted.
func (o *outbox) userState(mod bool) {
	o.mu.Lock()
	if mod != o.mod {
		o.mod = mod
		o.pace.setModerator(mod, o.cfg.now())
	}
	if len(o.inflight) > 0 {
		o.inflight = o.inflight[1:]
		o.backoff = 0
	}
	o.mu.Unlock()
	o.poke()
}

// setSlow applies the channel's slow mode.
func (o *outbox) setSlow(d time.Duration) {
	o.mu.Lock()
	o.pace.setSlow(d)
	o.mu.Unlock()
	o.poke()
}

// slowSeconds reads the wait of a msg_slowmode notice.
var slowSeconds = regexp.MustCompile(`(\d{1,4}) seconds?`)

// refused handles Twitch's refusal of the oldest message in flight. Too
// fast (msg_ratelimit, msg_slowmode): the channel backs off, and the
// message is sent again once, first; a message refused twice, or for any
// other reason, is dropped.
func (o *outbox) refused(msgID, text string) {
	o.mu.Lock()
	defer o.poke()
	defer o.mu.Unlock()
	if len(o.inflight) == 0 {
		return // the answer to a message sent on a lost connection
	}
	m := o.inflight[0]
	o.inflight = o.inflight[1:]
	o.cfg.stats.refused.Add(1)
	if m.text == o.lastText {
		// It is not in the chat: sent again, it is no duplicate.
		o.lastText = ""
	}
	now := o.cfg.now()
	switch msgID {
	case "msg_ratelimit":
		o.backoff = min(max(2*o.backoff, minRateBackoff), maxRateBackoff)
		o.holdUntil = now.Add(o.backoff)
	case "msg_slowmode":
		wait := o.pace.slow
		if s := slowSeconds.FindStringSubmatch(text); s != nil {
			n, _ := strconv.Atoi(s[1])
			wait = time.Duration(n) * time.Second
		}
		if wait <= 0 {
			wait = defaultSlowBackoff
		}
		o.holdUntil = now.Add(wait + slowMargin)
	default:
		o.cfg.stats.dropped.Add(uint64(max(m.parts, 1)))
		return
	}
	if m.retried {
		o.cfg.stats.dropped.Add(uint64(max(m.parts, 1)))
		return
	}
	m.retried = true
	o.retries = append(o.retries, m)
}

// twitchLine returns text as it may leave on Twitch: one safe line
// (chat.SafeLine), not read as a command, at most MaxMessageRunes.
func twitchLine(text string) string {
	text = strings.TrimLeft(chat.SafeLine(text), " ")
	if strings.HasPrefix(text, "/") || strings.HasPrefix(text, ".") {
		text = commandGuard + text
	}
	return chat.Clip(text, MaxMessageRunes)
}

// takeLocked composes the next message and records it as sent at now: in
// the pacer, and in flight until Twitch answers. It returns the message
// and the text to write. The caller holds o.mu, and has checked with
// waitLocked that a message may leave.
func (o *outbox) takeLocked(now, wall time.Time) (message, string, bool) {
	m, ok := o.composeLocked(now, wall)
	if !ok {
		return m, "", false
	}
	m.text = twitchLine(m.text)
	text := m.text
	if text == o.lastText && now.Sub(o.lastAt) < RateWindow {
		// Twitch drops a message identical to the previous one within
		// 30 s; chat clients append this invisible tag.
		text += " \U000E0000"
	}
	o.lastText, o.lastAt = m.text, now
	o.pace.take(now)
	m.sent = now
	if len(o.inflight) < 64 {
		o.inflight = append(o.inflight, m)
	}
	return m, text, true
}

// run sends the channel's messages until ctx is done.
func (o *outbox) run(ctx context.Context) {
	timer := time.NewTimer(time.Hour)
	timer.Stop()
	defer timer.Stop()
	for {
		o.mu.Lock()
		now, wall := o.cfg.now(), time.Now()
		o.expireLocked(now)
		wait, has := o.waitLocked(now, wall)
		say := o.say
		var (
			m    message
			send bool
			text string
		)
		if has && say != nil && wait <= 0 {
			m, text, send = o.takeLocked(now, wall)
		}
		o.mu.Unlock()
		if send {
			// Counted first: whoever sees the message has it counted.
			st := o.cfg.stats
			st.replies.Add(1)
			switch {
			case m.retried:
				st.retries.Add(1)
			case m.summary:
				st.summaries.Add(1)
			default:
				st.parts.Add(uint64(m.parts))
			}
			say(text, m.parent)
			continue
		}
		var later <-chan time.Time
		if has {
			d := pollEvery
			if say != nil && wait > 0 {
				d = min(wait, pollEvery)
			}
			timer.Reset(d)
			later = timer.C
		}
		select {
		case <-o.wake:
		case <-later:
		case <-ctx.Done():
			return
		}
		timer.Stop()
	}
}
