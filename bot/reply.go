package bot

import (
	"math"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/tribune-live/tribune/chat"
)

// Reply scheduling: how long replies wait, and how many.
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

// add queues a reply part of priority prio.
func (o *outbox) add(p part, prio chat.Priority) {
	o.mu.Lock()
	if o.pending >= maxPending && queueOf(prio) != queueAck {
		// A question's reply or a refusal does not wait behind a flood
		// of acknowledgements: the oldest acknowledgement makes room.
		o.evictAckLocked()
	}
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

// evictAckLocked takes the oldest acknowledgement out of its queue: a
// vote's is counted in the next summary, any other dropped. The caller
// holds o.mu.
func (o *outbox) evictAckLocked() {
	acks := o.queues[queueAck]
	if len(acks) == 0 {
		return
	}
	p := acks[0]
	o.queues[queueAck] = acks[1:]
	o.releaseLocked(p)
	if p.voteAck() {
		o.foldLocked(p)
		return
	}
	o.cfg.stats.dropped.Add(1)
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
