// Package chat is the chat command language that every chat source speaks
// (Twitch, YouTube): it parses "!question …", "!vote 12" and the rest,
// applies them through the tribune.Service with the viewer's identity, and
// words the reply in the meeting's language. A source only carries
// messages in and replies out: the rules and the wording live here, once.
package chat

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"github.com/tribune-live/tribune"
)

// Priority orders replies when a platform's send limits cannot carry them
// all: the viewer who asked a question hears first.
type Priority uint8

// Priorities, most urgent first.
const (
	PriorityAsk     Priority = iota // the reply to !question: its number, or why it was refused
	PriorityRefusal                 // refusals of votes, reports, withdrawals
	PriorityInfo                    // !top and !qhelp
	PriorityAck                     // acknowledgements of votes, unvotes, reports
)

// Reply is what a source sends back to the viewer who typed a command,
// addressed to them by the source (an @mention, a native reply).
type Reply struct {
	Text     string
	Priority Priority
	Kind     Kind
	// QuestionID is the question the reply is about, or 0: a source may
	// fold vote acknowledgements into a summary per question.
	QuestionID int
	// Refusal is true when the command was refused.
	Refusal bool
}

// Defaults of a Handler.
const (
	// DefaultRefusalInterval is how often one viewer is told of a refusal
	// at most: a flooder does not spend the channel's send budget.
	DefaultRefusalInterval = 30 * time.Second
	// DefaultNoticeInterval is how often the chat is told at most that
	// storage is failing: once, not once per viewer.
	DefaultNoticeInterval = 30 * time.Second
)

// Handler applies chat commands through a Service and words the replies.
// Create it with NewHandler; it is safe for concurrent use.
type Handler struct {
	svc *tribune.Service
	cat map[string]string
	// MaxRunes is the longest reply the platform takes (Twitch 500,
	// YouTube 200).
	MaxRunes int
	// RefusalInterval and NoticeInterval bound repeated refusals
	// (DefaultRefusalInterval, DefaultNoticeInterval).
	RefusalInterval, NoticeInterval time.Duration
	Logger                          *slog.Logger
	// Now, when set, is the clock of those intervals; by default they
	// follow the Service's clock, like its own rate limits.
	Now func() time.Time

	mu       sync.Mutex
	refused  map[tribune.Identity]int64 // last refusal told, per viewer, Unix nanoseconds
	sweepAt  int                        // the size of refused at which it is swept
	noticeAt time.Time                  // last "not saved" told
}

// NewHandler returns a Handler of svc replying in lang ("en" or "fr").
func NewHandler(svc *tribune.Service, lang string) *Handler {
	return &Handler{
		svc: svc, cat: catalogue(lang), MaxRunes: 500,
		RefusalInterval: DefaultRefusalInterval, NoticeInterval: DefaultNoticeInterval,
		Logger:  slog.Default(),
		refused: map[tribune.Identity]int64{},
	}
}

// Handle applies cmd from viewer a and returns the reply to send, if any:
// ok is false when nothing should be said (a refusal repeated within the
// refusal interval, a shutdown).
func (h *Handler) Handle(ctx context.Context, a tribune.Actor, cmd Command) (r Reply, ok bool) {
	r.Kind = cmd.Kind
	if cmd.Kind.NeedsNumber() && cmd.ID <= 0 {
		r.Text, r.Priority, r.Refusal = text(h.cat, msgUsageNumber, cmd.Kind.String()), PriorityRefusal, true
		return r, h.mayRefuse(a)
	}
	var (
		err error
		q   tribune.Question
	)
	r.Priority = PriorityAck
	switch cmd.Kind {
	case KindAsk:
		r.Priority = PriorityAsk
		var res tribune.AskResult
		res, err = h.svc.Ask(ctx, a, cmd.Text)
		q = res.Question
		switch {
		case err != nil:
		case res.Duplicate && res.Voted && q.Status == tribune.StatusPending:
			r.Text = text(h.cat, msgDupPendingVoted, q.ID)
		case res.Duplicate && res.Voted:
			r.Text = text(h.cat, msgDupVoted, q.ID)
		case res.Duplicate:
			r.Text = text(h.cat, msgDup, q.ID)
		case q.Status == tribune.StatusPending:
			r.Text = text(h.cat, msgAskedPending, q.ID)
		default:
			r.Text = text(h.cat, msgAsked, q.ID)
		}
	case KindVote:
		if q, err = h.svc.Vote(ctx, a, cmd.ID); err == nil {
			r.Text = text(h.cat, msgVoted, q.ID)
		}
	case KindUnvote:
		if q, err = h.svc.Unvote(ctx, a, cmd.ID); err == nil {
			r.Text = text(h.cat, msgUnvoted, q.ID)
		}
	case KindWithdraw:
		if q, err = h.svc.Withdraw(ctx, a, cmd.ID); err == nil {
			r.Text = text(h.cat, msgWithdrawn, q.ID)
		}
	case KindReport:
		if q, err = h.svc.Report(ctx, a, cmd.ID); err == nil {
			r.Text = text(h.cat, msgReported, q.ID)
		}
	case KindTop:
		r.Priority = PriorityInfo
		r.Text = topMessage(h.cat, h.svc.Top(3), h.MaxRunes, h.svc.Words)
		return r, true
	case KindHelp:
		r.Priority = PriorityInfo
		r.Text = text(h.cat, msgHelp)
		return r, true
	default:
		return r, false
	}
	r.QuestionID = q.ID
	if err == nil {
		return r, true
	}
	if ctx.Err() != nil {
		return r, false // shutting down: nothing was acknowledged
	}
	switch tribune.ErrorCode(err) {
	case tribune.EINTERNAL, tribune.EUNAVAILABLE:
		h.Logger.Error("chat command failed", "command", cmd.Kind.String(), "source", a.Source, "user", a.Login, "err", err)
		r.Text, r.Refusal = refusal(h.cat, cmd, err), true
		if r.Priority != PriorityAsk {
			r.Priority = PriorityRefusal
		}
		return r, h.mayNotice()
	}
	r.Text, r.Refusal = refusal(h.cat, cmd, err), true
	if r.Priority != PriorityAsk {
		r.Priority = PriorityRefusal
	}
	return r, h.mayRefuse(a)
}

// Summary words one message that reports vote acknowledgements a source
// could not send one by one: votes maps a question number to the votes
// counted for it ("votes counted: #12 +40, #7 +12"), most votes first, as
// many as fit in MaxRunes. It returns "" when votes is empty.
func (h *Handler) Summary(votes map[int]int) string {
	return summaryMessage(h.cat, votes, h.MaxRunes)
}

// mayRefuse reports whether a may be told of a refusal now: once per
// RefusalInterval, so that a flooder's refusals cost one message.
func (h *Handler) mayRefuse(a tribune.Actor) bool {
	if a.Privileged() {
		return true
	}
	now := h.now().UnixNano()
	interval := int64(h.RefusalInterval)
	who := a.Identity()
	h.mu.Lock()
	defer h.mu.Unlock()
	if last, ok := h.refused[who]; ok && now-last < interval {
		return false
	}
	if len(h.refused) >= h.sweepAt {
		// Forget the viewers whose interval is over, once the map has
		// doubled since the last sweep: it would otherwise keep every
		// viewer ever refused, and sweeping at every refusal of a flood
		// would cost a pass over the map each time.
		for k, t := range h.refused {
			if now-t >= interval {
				delete(h.refused, k)
			}
		}
		h.sweepAt = max(2*len(h.refused), 1024)
	}
	h.refused[who] = now
	return true
}

func (h *Handler) now() time.Time {
	switch {
	case h.Now != nil:
		return h.Now()
	case h.svc != nil && h.svc.Now != nil:
		return h.svc.Now()
	}
	return time.Now()
}

// mayNotice reports whether the chat may be told now that storage fails:
// once per NoticeInterval for everyone.
func (h *Handler) mayNotice() bool {
	now := h.now()
	h.mu.Lock()
	defer h.mu.Unlock()
	if !h.noticeAt.IsZero() && now.Sub(h.noticeAt) < h.NoticeInterval {
		return false
	}
	h.noticeAt = now
	return true
}
