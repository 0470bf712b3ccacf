package bot

import (
	"context"
	"math"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"golang.org/x/time/rate"

	"github.com/tribune-live/tribune/chat"
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

// Reply scheduling.
const (
	// DefaultLinger is how long the outbox waits after a first reply is
	// due before it writes a message, so that replies due at about the
	// same time share one message.
	DefaultLinger = 300 * time.Millisecond
	// DefaultMaxReplyAge drops a reply that could not leave within it: the
	// viewer has moved on (the design's 15 s).
	DefaultMaxReplyAge = 15 * time.Second
	// SummaryInterval is how often, at most, a channel gets a summary of
	// the vote acknowledgements it could not carry one by one.
	SummaryInterval = 30 * time.Second
	// foldAfter is how long a vote acknowledgement may wait before it is
	// folded into the channel's next summary: one that waited that long
	// shows that acknowledgements are not keeping up.
	foldAfter = 5 * time.Second
	// maxPending bounds the replies waiting in one channel: beyond it, in
	// a flood, votes are counted in the summary and other replies dropped.
	maxPending = 4096
	// maxPerUser bounds the replies waiting for one viewer, so that one
	// viewer cannot use up the channel's budget.
	maxPerUser = 3
	// partSep joins the parts of one message.
	partSep = ", "
	// noticeEvery spaces out notices of one key: a channel that types
	// !top all the time gets a top list every so often, not a chat full
	// of them. Below DefaultMaxReplyAge, so that a request held back by it
	// is still answered.
	noticeEvery = 10 * time.Second
	// maxNoticeNames is how many viewers one notice names at most.
	maxNoticeNames = 5
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

// Queues of reply parts, in the order they are served. Info replies
// (!top, !qhelp) are notices, served after refusals and before
// acknowledgements.
const (
	queueAsk = iota
	queueRefusal
	queueAck
	queues
)

func queueOf(p chat.Priority) int {
	switch p {
	case chat.PriorityAsk:
		return queueAsk
	case chat.PriorityRefusal:
		return queueRefusal
	}
	return queueAck
}

// part is one short reply addressed to one viewer.
type part struct {
	to   string // login, for the per-viewer cap
	name string // "@name"; "" for a native reply to parent
	// parent is the id of the message a native reply answers.
	parent   string
	text     string
	kind     chat.Kind
	refusal  bool
	question int
	at       time.Time // when it was queued, on the Client's clock: its age
	queued   time.Time // the same on the wall clock: its linger
}

func (p part) line() string {
	if p.name == "" {
		return p.text
	}
	return p.name + " " + p.text
}

// voteAck reports whether p acknowledges a vote: the replies that fold
// into a summary.
func (p part) voteAck() bool { return p.kind == chat.KindVote && !p.refusal && p.question > 0 }

// notice is a whole message (the top list, the help line) answering every
// viewer who asked for it meanwhile.
type notice struct {
	key      string
	text     string   // the latest wording
	names    []string // the viewers it names
	parent   string   // for a native reply, when it names no one
	requests int      // the requests it answers
	at       time.Time
	queued   time.Time
}

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

// add queues a reply part of priority prio.
func (o *outbox) add(p part, prio chat.Priority) {
	o.mu.Lock()
	full := o.pending >= maxPending || o.perUser[p.to] >= maxPerUser
	switch {
	case prio == chat.PriorityAck && p.voteAck() && (len(o.tally) > 0 || full):
		// Acknowledgements are behind (a summary is due) or would
		// overflow: the vote is counted in the next summary.
		o.foldLocked(p)
	case full:
		o.cfg.stats.dropped.Add(1)
	default:
		q := queueOf(prio)
		o.queues[q] = append(o.queues[q], p)
		o.pending++
		o.perUser[p.to]++
	}
	o.mu.Unlock()
	o.poke()
}

// notify queues a notice part: the requests of one key close together get
// one message that names each viewer.
func (o *outbox) notify(p part) {
	key := p.kind.String()
	if p.name == "" {
		key += "\x00" + p.parent
	}
	o.mu.Lock()
	defer o.poke()
	defer o.mu.Unlock()
	for i := range o.notices {
		n := &o.notices[i]
		if n.key != key {
			continue
		}
		n.text = p.text
		n.requests++
		switch {
		case containsName(n.names, p.name):
		case len(n.names) < maxNoticeNames:
			n.names = append(n.names, p.name)
		default:
			n.requests--
			o.cfg.stats.dropped.Add(1)
		}
		return
	}
	n := notice{key: key, text: p.text, parent: p.parent, requests: 1, at: p.at, queued: p.queued}
	if p.name != "" {
		n.names = []string{p.name}
	}
	o.notices = append(o.notices, n)
}

func containsName(names []string, name string) bool {
	for _, n := range names {
		if n == name {
			return true
		}
	}
	return false
}

// foldLocked counts vote acknowledgement p into the next summary. The
// caller holds o.mu.
func (o *outbox) foldLocked(p part) {
	if o.tally == nil {
		o.tally = map[int]int{}
	}
	o.tally[p.question]++
	o.cfg.stats.folded.Add(1)
}

func (o *outbox) releaseLocked(p part) {
	o.pending--
	if o.perUser[p.to] <= 1 {
		delete(o.perUser, p.to)
	} else {
		o.perUser[p.to]--
	}
}

// expireLocked folds the vote acknowledgements that waited foldAfter and
// drops every reply older than maxAge. Queues are in arrival order, so
// only their heads are looked at. The caller holds o.mu.
func (o *outbox) expireLocked(now time.Time) {
	for q := range o.queues {
		src := o.queues[q]
		i := 0
		for ; i < len(src); i++ {
			p := src[i]
			age := now.Sub(p.at)
			if q == queueAck && p.voteAck() && age > foldAfter {
				o.releaseLocked(p)
				o.foldLocked(p)
				continue
			}
			if age > o.cfg.maxAge {
				o.releaseLocked(p)
				o.cfg.stats.dropped.Add(1)
				continue
			}
			break
		}
		if i > 0 {
			clear(src[:i])
			o.queues[q] = src[i:]
		}
	}
	kept := o.notices[:0]
	for _, n := range o.notices {
		if now.Sub(n.at) > o.cfg.maxAge {
			o.cfg.stats.dropped.Add(uint64(n.requests))
			continue
		}
		kept = append(kept, n)
	}
	clear(o.notices[len(kept):])
	o.notices = kept
	for len(o.retries) > 0 && now.Sub(o.retries[0].oldest) > o.cfg.maxAge {
		o.cfg.stats.dropped.Add(uint64(max(o.retries[0].parts, 1)))
		o.retries = o.retries[1:]
	}
	for len(o.inflight) > 0 && now.Sub(o.inflight[0].sent) > answerWait {
		o.inflight = o.inflight[1:]
	}
	if o.pending == 0 {
		// Let the backing arrays go after a burst.
		for q := range o.queues {
			o.queues[q] = nil
		}
	}
}

// oldestQueuedLocked returns the wall-clock time the oldest part was
// queued, and false when no part is.
func (o *outbox) oldestQueuedLocked() (t time.Time, ok bool) {
	for _, q := range o.queues {
		if len(q) > 0 && (!ok || q[0].queued.Before(t)) {
			t, ok = q[0].queued, true
		}
	}
	return t, ok
}

// waitLocked returns how long until the next message may be composed, and
// false when nothing waits. now is the Client's clock (ages, pacing), wall
// the wall clock (linger). The caller holds o.mu.
func (o *outbox) waitLocked(now, wall time.Time) (time.Duration, bool) {
	pace := max(o.pace.next(now).Sub(now), o.holdUntil.Sub(now))
	wait, has := time.Duration(math.MaxInt64), false
	consider := func(d time.Duration) {
		has = true
		wait = min(wait, max(pace, d))
	}
	if len(o.retries) > 0 {
		consider(0)
	}
	if t, ok := o.oldestQueuedLocked(); ok {
		consider(t.Add(o.cfg.linger).Sub(wall))
	}
	for _, n := range o.notices {
		consider(max(o.noticeAt[n.key].Add(noticeEvery).Sub(now), n.queued.Add(o.cfg.linger).Sub(wall)))
	}
	if len(o.tally) > 0 {
		consider(o.summaryAt.Add(SummaryInterval).Sub(now))
	}
	return wait, has
}

// composeLocked takes the next message off the queues, by priority: a
// retry, then the replies to questions and the refusals (acknowledgements
// fill the rest of their message), then a notice that is due, then a
// summary that is due, else acknowledgements. The caller holds o.mu.
func (o *outbox) composeLocked(now, wall time.Time) (message, bool) {
	if len(o.retries) > 0 {
		m := o.retries[0]
		o.retries = o.retries[1:]
		return m, true
	}
	t, queued := o.oldestQueuedLocked()
	lingered := queued && !wall.Before(t.Add(o.cfg.linger))
	if lingered && len(o.queues[queueAsk])+len(o.queues[queueRefusal]) > 0 {
		return o.partsLocked(), true
	}
	for i, n := range o.notices {
		if now.Before(o.noticeAt[n.key].Add(noticeEvery)) || wall.Before(n.queued.Add(o.cfg.linger)) {
			continue
		}
		o.notices = append(o.notices[:i], o.notices[i+1:]...)
		o.noticeAt[n.key] = now
		text := n.text
		if len(n.names) > 0 {
			text = strings.Join(n.names, " ") + " " + text
		}
		return message{text: text, parent: n.parent, parts: n.requests, oldest: n.at}, true
	}
	if len(o.tally) > 0 && !now.Before(o.summaryAt.Add(SummaryInterval)) {
		// The summary stands for the acknowledgements that fell behind,
		// and for the votes still queued behind them.
		src := o.queues[queueAck]
		rest := src[:0]
		for _, p := range src {
			if p.voteAck() {
				o.releaseLocked(p)
				o.foldLocked(p)
				continue
			}
			rest = append(rest, p)
		}
		clear(src[len(rest):])
		o.queues[queueAck] = rest
		text := o.cfg.summary(o.tally)
		o.tally = nil
		o.summaryAt = now
		return message{text: text, summary: true, oldest: now}, text != ""
	}
	if lingered {
		return o.partsLocked(), true
	}
	return message{}, false
}

// partsLocked folds queued parts, in priority order and in order within
// each queue, into one message of at most MaxMessageRunes. A native reply
// (a part without a name) leaves alone. The caller holds o.mu.
func (o *outbox) partsLocked() message {
	var (
		b     strings.Builder
		m     message
		runes int
		full  bool
	)
	for q := range o.queues {
		if full {
			break
		}
		src := o.queues[q]
		rest := src[:0]
		for i, p := range src {
			if full {
				rest = append(rest, src[i:]...)
				break
			}
			if p.name == "" {
				if m.parts > 0 {
					rest = append(rest, p) // it leaves alone, later
					continue
				}
				m.parent, full = p.parent, true
			}
			line := chat.Clip(p.line(), MaxMessageRunes)
			size := utf8.RuneCountInString(line)
			if m.parts > 0 {
				size += utf8.RuneCountInString(partSep)
				if runes+size > MaxMessageRunes {
					full = true
					rest = append(rest, p)
					continue
				}
				b.WriteString(partSep)
			}
			b.WriteString(line)
			runes += size
			if m.parts == 0 || p.at.Before(m.oldest) {
				m.oldest = p.at
			}
			m.parts++
			o.releaseLocked(p)
		}
		clear(src[len(rest):])
		o.queues[q] = rest
	}
	m.text = b.String()
	return m
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

// counters are the Client's statistics, updated atomically.
type counters struct {
	lines, commands, applied, ignored, duplicates, platform       atomic.Uint64
	replies, parts, silenced, dropped, folded, summaries, refused atomic.Uint64
	retries, connects, panics, stalls                             atomic.Uint64
}
