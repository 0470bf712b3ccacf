package bot

import (
	"strings"
	"testing"

	"github.com/tribune-live/tribune/chat"
	"github.com/tribune-live/tribune/internal/fakeclock"
)

// TestQuestionReplyNotDroppedByAFullQueue: a flood of vote
// acknowledgements fills a channel's queue before folding starts; the
// reply to a new question must still be queued, first, and the
// acknowledgement that makes room counted in the summary, not lost.
func TestQuestionReplyNotDroppedByAFullQueue(t *testing.T) {
	clock := fakeclock.New(t0)
	o, c := testOutbox(clock)
	for i := range maxPending {
		o.add(ack(i, 1+i%7, t0), chat.PriorityAck)
	}
	if o.pending != maxPending || c.folded.Load() != 0 {
		t.Fatalf("pending=%d folded=%d after the flood, want %d and 0", o.pending, c.folded.Load(), maxPending)
	}
	o.add(part{to: "newcomer", name: "@Newcomer", text: "#4242", kind: chat.KindAsk, question: 4242, at: t0}, chat.PriorityAsk)
	if d := c.dropped.Load(); d != 0 {
		t.Errorf("dropped=%d: the question's reply was dropped", d)
	}
	if f := c.folded.Load(); f != 1 {
		t.Errorf("folded=%d, want the oldest acknowledgement counted in the summary", f)
	}
	msg, _, ok := take(o, clock)
	if !ok || !strings.HasPrefix(msg.text, "@Newcomer #4242") {
		t.Errorf("first message %q, want the newcomer's number first", msg.text)
	}
}
