package bot

import (
	"fmt"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/tribune-live/tribune/chat"
	"github.com/tribune-live/tribune/internal/fakeclock"
)

var t0 = time.Date(2026, 12, 3, 19, 0, 0, 0, time.UTC)

// testOutbox returns an outbox on clock, without linger, as the user of a
// channel that is not a moderator there.
func testOutbox(clock *fakeclock.Clock) (*outbox, *counters) {
	var c counters
	cfg := &sendConfig{now: clock.Now, maxAge: DefaultMaxReplyAge, stats: &c, summary: chat.NewHandler(nil, "en").Summary}
	return newOutbox("townhall", cfg), &c
}

// ack returns a vote acknowledgement part for viewer i.
func ack(i, question int, at time.Time) part {
	return part{to: fmt.Sprintf("viewer%d", i), name: fmt.Sprintf("@Viewer%d", i), text: fmt.Sprintf("voted #%d", question),
		kind: chat.KindVote, question: question, at: at}
}

// take composes the next message if one may leave now, as run does.
func take(o *outbox, clock *fakeclock.Clock) (message, string, bool) {
	o.mu.Lock()
	defer o.mu.Unlock()
	now := clock.Now()
	o.expireLocked(now)
	if wait, has := o.waitLocked(now, time.Now()); !has || wait > 0 {
		return message{}, "", false
	}
	return o.takeLocked(now, time.Now())
}

// TestComposeFolds queues a burst of 500 acknowledgements and checks that
// they leave in a few messages of at most 500 characters, in order, none
// lost.
func TestComposeFolds(t *testing.T) {
	clock := fakeclock.New(t0)
	o, _ := testOutbox(clock)
	o.pace.setModerator(true, t0)
	var want []string
	for i := range 500 {
		p := ack(i, i%7+1, t0)
		o.add(p, chat.PriorityAck)
		want = append(want, p.line())
	}
	var got []string
	messages := 0
	o.mu.Lock()
	for o.pending > 0 {
		m := o.partsLocked()
		if m.parts == 0 || m.text == "" {
			t.Fatal("partsLocked returned nothing with replies pending")
		}
		if n := utf8.RuneCountInString(m.text); n > MaxMessageRunes {
			t.Errorf("message of %d characters, want at most %d", n, MaxMessageRunes)
		}
		parts := strings.Split(m.text, partSep)
		if len(parts) != m.parts {
			t.Errorf("message carries %d parts, partsLocked says %d", len(parts), m.parts)
		}
		got = append(got, parts...)
		messages++
	}
	o.mu.Unlock()
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("parts differ from the replies queued: got %d, want %d", len(got), len(want))
	}
	if messages > 25 {
		t.Errorf("500 acknowledgements took %d messages, want at most 25", messages)
	}
	if len(o.perUser) != 0 {
		t.Errorf("perUser has %d entries after sending everything, want 0", len(o.perUser))
	}
}

// TestPriorities queues acknowledgements, then a refusal, a top list and
// the reply to a question: the question's reply leaves first, then the
// refusal, acknowledgements fill the rest of that message, and the top
// list leaves before the acknowledgements left over.
func TestPriorities(t *testing.T) {
	clock := fakeclock.New(t0)
	o, _ := testOutbox(clock)
	o.pace.setModerator(true, t0)
	for i := range 60 {
		o.add(ack(i, 1, t0), chat.PriorityAck)
	}
	o.add(part{to: "rita", name: "@rita", text: "no question #9", kind: chat.KindVote, refusal: true, at: t0}, chat.PriorityRefusal)
	o.notify(part{to: "tom", name: "@tom", text: "Top questions: #1 (61) Parks?", kind: chat.KindTop, at: t0})
	o.notify(part{to: "tia", name: "@tia", text: "Top questions: #1 (61) Parks?", kind: chat.KindTop, at: t0})
	o.add(part{to: "ann", name: "@ann", text: "#7", kind: chat.KindAsk, question: 7, at: t0}, chat.PriorityAsk)

	m1, _, _ := take(o, clock)
	if !strings.HasPrefix(m1.text, "@ann #7, @rita no question #9, @Viewer0 voted #1, @Viewer1 voted #1") {
		t.Errorf("first message %q, want the question's reply, the refusal, then acknowledgements", m1.text)
	}
	m2, _, _ := take(o, clock)
	if m2.text != "@tom @tia Top questions: #1 (61) Parks?" || m2.parts != 2 {
		t.Errorf("second message %q (%d parts), want the top list naming both viewers", m2.text, m2.parts)
	}
	m3, _, _ := take(o, clock)
	if !strings.HasPrefix(m3.text, "@Viewer") {
		t.Errorf("third message %q, want the acknowledgements left over", m3.text)
	}
}

// TestFoldIntoSummary lets vote acknowledgements fall behind: those that
// waited 5 s are counted in one summary, at most one per 30 s per
// channel, and every vote is acknowledged once, one by one or in a
// summary.
func TestFoldIntoSummary(t *testing.T) {
	clock := fakeclock.New(t0)
	o, c := testOutbox(clock)
	for i := range 100 {
		o.add(ack(i, 1+i%2, t0), chat.PriorityAck)
	}
	m, _, ok := take(o, clock)
	if !ok || m.parts == 0 {
		t.Fatal("nothing left at first")
	}
	sent := m.parts
	clock.Add(6 * time.Second)
	m, _, ok = take(o, clock)
	if !ok || !m.summary {
		t.Fatalf("after 6 s, message %q, want a summary", m.text)
	}
	want := fmt.Sprintf("votes counted: #1 +%d, #2 +%d", (100-sent+1)/2, (100-sent)/2)
	if sent%2 == 1 {
		want = fmt.Sprintf("votes counted: #2 +%d, #1 +%d", (100-sent+1)/2, (100-sent)/2)
	}
	if m.text != want || c.folded.Load() != uint64(100-sent) {
		t.Errorf("summary %q (folded %d), want %q", m.text, c.folded.Load(), want)
	}
	// Caught up: the next acknowledgement is sent alone.
	clock.Add(2 * time.Second)
	o.add(ack(100, 1, clock.Now()), chat.PriorityAck)
	if m, _, _ := take(o, clock); m.text != "@Viewer100 voted #1" {
		t.Errorf("message %q, want the acknowledgement alone", m.text)
	}
	// Behind again within 30 s of the summary: no second summary before
	// 30 s, then one that counts them all.
	for i := 101; i < 161; i++ {
		o.add(ack(i, 3, clock.Now()), chat.PriorityAck)
	}
	var acked int
	for range 3 {
		clock.Add(2 * time.Second)
		if m, _, ok := take(o, clock); ok {
			acked += m.parts
		}
	}
	clock.Add(6 * time.Second)
	for i := 161; i < 171; i++ {
		o.add(ack(i, 3, clock.Now()), chat.PriorityAck) // straight into the tally
	}
	for clock.Now().Before(t0.Add(6*time.Second + SummaryInterval)) {
		if m, _, ok := take(o, clock); ok {
			t.Fatalf("%v after the first summary: %q, want nothing before 30 s", clock.Now().Sub(t0.Add(6*time.Second)), m.text)
		}
		clock.Add(time.Second)
	}
	m, _, ok = take(o, clock)
	if want := fmt.Sprintf("votes counted: #3 +%d", 70-acked); !ok || m.text != want {
		t.Errorf("message %q, want %q", m.text, want)
	}
	if o.pending != 0 || len(o.tally) != 0 || c.dropped.Load() != 0 {
		t.Errorf("pending=%d tally=%v dropped=%d, want everything acknowledged", o.pending, o.tally, c.dropped.Load())
	}
}

// TestMaxAge holds replies back: one that could not leave within 15 s is
// dropped, a question's reply as a top list.
func TestMaxAge(t *testing.T) {
	clock := fakeclock.New(t0)
	o, c := testOutbox(clock)
	o.add(part{to: "ann", name: "@ann", text: "#1", kind: chat.KindAsk, at: t0}, chat.PriorityAsk)
	take(o, clock)
	o.add(part{to: "bob", name: "@bob", text: "#2", kind: chat.KindAsk, at: t0}, chat.PriorityAsk)
	o.notify(part{to: "tom", name: "@tom", text: "Top questions: #1 (1) Parks?", kind: chat.KindTop, at: t0})
	if _, _, ok := take(o, clock); ok {
		t.Fatal("a second message left at once as a user")
	}
	clock.Add(DefaultMaxReplyAge + time.Second)
	if m, _, ok := take(o, clock); ok {
		t.Errorf("message %q left after 16 s, want the replies dropped", m.text)
	}
	if d := c.dropped.Load(); d != 2 {
		t.Errorf("dropped=%d, want 2", d)
	}
}

// TestRetryOnce answers messages as Twitch does: a message refused as too
// fast is sent again once, after a backoff; refused again, it is dropped.
func TestRetryOnce(t *testing.T) {
	clock := fakeclock.New(t0)
	o, c := testOutbox(clock)
	o.pace.setModerator(true, t0)
	o.add(part{to: "ann", name: "@ann", text: "#1", kind: chat.KindAsk, at: t0}, chat.PriorityAsk)
	m1, _, _ := take(o, clock)
	o.refused("msg_ratelimit", "Your message was not sent because you are sending messages too quickly.")
	if _, _, ok := take(o, clock); ok {
		t.Fatal("sent again at once, want a backoff")
	}
	clock.Add(minRateBackoff)
	again, _, ok := take(o, clock)
	if !ok || again.text != m1.text || !again.retried {
		t.Fatalf("retry %q (retried %v), want %q again", again.text, again.retried, m1.text)
	}
	o.refused("msg_ratelimit", "")
	clock.Add(maxRateBackoff)
	if m, _, ok := take(o, clock); ok {
		t.Errorf("sent %q a third time", m.text)
	}
	if c.refused.Load() != 2 || c.dropped.Load() != 1 {
		t.Errorf("refused=%d dropped=%d, want 2 and 1", c.refused.Load(), c.dropped.Load())
	}
	// Slow mode: the notice says how long to wait.
	o.add(part{to: "bob", name: "@bob", text: "#2", kind: chat.KindAsk, at: clock.Now()}, chat.PriorityAsk)
	take(o, clock)
	o.refused("msg_slowmode", "This room is in slow mode and you are sending messages too quickly. You will be able to talk again in 7 seconds.")
	clock.Add(7 * time.Second)
	if _, _, ok := take(o, clock); ok {
		t.Error("sent again within the 7 s the notice gave")
	}
	clock.Add(slowMargin)
	if m, _, ok := take(o, clock); !ok || m.text != "@bob #2" {
		t.Errorf("retry %q, want @bob #2", m.text)
	}
	// Accepted (USERSTATE): nothing in flight is retried any more.
	o.userState(true)
	o.refused("msg_ratelimit", "")
	if c.refused.Load() != 3 {
		t.Errorf("refused=%d, want 3", c.refused.Load())
	}
	o.refused("msg_ratelimit", "") // no message in flight: nothing to retry
	if c.refused.Load() != 3 {
		t.Errorf("refused=%d for a notice about no message in flight", c.refused.Load())
	}
}

func TestOutboxCaps(t *testing.T) {
	clock := fakeclock.New(t0)
	o, c := testOutbox(clock)
	for range maxPerUser + 2 {
		o.add(part{to: "spammer", name: "@spammer", text: "#1 already asked", kind: chat.KindAsk, at: t0}, chat.PriorityAsk)
	}
	if o.pending != maxPerUser {
		t.Errorf("pending=%d for one viewer, want %d", o.pending, maxPerUser)
	}
	if d := c.dropped.Load(); d != 2 {
		t.Errorf("dropped=%d, want 2", d)
	}
	// A viewer's votes beyond the cap are still counted, in the summary.
	for range maxPerUser + 2 {
		o.add(ack(1, 4, t0), chat.PriorityAck)
	}
	if f := c.folded.Load(); f != 2 {
		t.Errorf("folded=%d, want 2", f)
	}
	for i := range maxNoticeNames + 2 {
		o.notify(part{to: fmt.Sprint(i), name: fmt.Sprintf("@v%d", i), text: "Top: #1", kind: chat.KindTop, at: t0})
	}
	if len(o.notices) != 1 || len(o.notices[0].names) != maxNoticeNames {
		t.Errorf("notices=%+v, want one naming %d viewers", o.notices, maxNoticeNames)
	}
}

func TestTwitchLine(t *testing.T) {
	for in, want := range map[string]string{
		"@ann #1":          "@ann #1",
		"/ban ann":         "» /ban ann",
		".ban ann":         "» .ban ann",
		"  /me waves":      "» /me waves",
		"\r\n/ban ann":     "» /ban ann",
		"\u202E/ban ann":   "» /ban ann",
		"@x #1\r\nJOIN #y": "@x #1  JOIN #y",
		"\x00\x01":         "",
	} {
		if got := twitchLine(in); got != want {
			t.Errorf("twitchLine(%q)=%q, want %q", in, got, want)
		}
	}
	if n := utf8.RuneCountInString(twitchLine(strings.Repeat("é", 700))); n != MaxMessageRunes {
		t.Errorf("a 700-rune line leaves with %d runes, want %d", n, MaxMessageRunes)
	}
}

// TestRecent checks the memory of recent keys: a key is new once within
// the window, and the memory stays within its size.
func TestRecent(t *testing.T) {
	r := newRecent(time.Minute, 100)
	if !r.first("a", t0) || r.first("a", t0.Add(59*time.Second)) {
		t.Error("a key repeated within the window is not new")
	}
	if !r.first("a", t0.Add(61*time.Second)) {
		t.Error("a key is new again after the window")
	}
	for i := range 1000 {
		r.first(fmt.Sprint("k", i), t0.Add(2*time.Minute))
	}
	if n := len(r.seen); n > 100 {
		t.Errorf("%d keys remembered, want at most 100", n)
	}
	if r.first("k999", t0.Add(2*time.Minute)) {
		t.Error("the latest key is forgotten")
	}
	r.putAsk("mirror-id", "orig-id", "42", t0)
	r.putAsk("orig-id", "orig-id", "42", t0)
	for _, id := range []string{"mirror-id", "orig-id"} {
		if ref, ok := r.ask(id); !ok || ref.key != "orig-id" || ref.user != "42" {
			t.Errorf("ask(%q)=%+v, %v", id, ref, ok)
		}
	}
	for i := range 2 * askSize {
		r.putAsk(fmt.Sprint("q", i), fmt.Sprint("q", i), "1", t0.Add(time.Minute))
	}
	if n := len(r.asks); n > askSize {
		t.Errorf("%d asks remembered, want at most %d", n, askSize)
	}
}
