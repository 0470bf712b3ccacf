package report_test

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/tribune-live/tribune"
	"github.com/tribune-live/tribune/internal/fakeclock"
	"github.com/tribune-live/tribune/internal/tribunetest"
	"github.com/tribune-live/tribune/store"
)

// t0 is when the test meeting starts; at(m, s) is m minutes s seconds
// into it.
var t0 = time.Date(2026, 12, 3, 18, 0, 0, 0, time.UTC)

func at(m, s int) time.Time {
	return t0.Add(time.Duration(m)*time.Minute + time.Duration(s)*time.Second)
}

// The viewers of the test meeting: Twitch on two channels, YouTube, the
// ask page.
var (
	host = tribune.Actor{Login: "host", DisplayName: "Host", UserID: "1000", Source: tribune.SourceTwitch, Channel: "townhall", Broadcaster: true}
	ann  = tribune.Actor{Login: "ann", DisplayName: "Ann", UserID: "1001", Source: tribune.SourceTwitch, Channel: "townhall"}
	bob  = tribune.Actor{Login: "bob", DisplayName: "Bob", UserID: "1002", Source: tribune.SourceTwitch, Channel: "townhall"}
	cleo = tribune.Actor{Login: "cleo", DisplayName: "Cleo", UserID: "1003", Source: tribune.SourceTwitch, Channel: "townhall"}
	dan  = tribune.Actor{Login: "dan", DisplayName: "Dan", UserID: "1004", Source: tribune.SourceTwitch, Channel: "partyhq"}
	eve  = tribune.Actor{DisplayName: "Eve", UserID: "UCeve", Source: tribune.SourceYouTube, Channel: "vid123"}
	fay  = tribune.Actor{DisplayName: "Fay", UserID: "UCfay", Source: tribune.SourceYouTube, Channel: "vid123"}
	gus  = tribune.Actor{DisplayName: "Gus", UserID: "b0a1", Source: tribune.SourceWeb}
	hal  = tribune.Actor{DisplayName: "Hal Secret", UserID: "b0a2", Source: tribune.SourceWeb, Anonymous: true}
)

// hostileText is a question with markup in it: the report must show it
// as text.
const hostileText = `<script>alert('x')</script> & <b>bold</b> question`

// meeting is a meeting played through the real Service on a real SQLite
// file, with a clock the test moves, and what was done in it.
type meeting struct {
	svc   *tribune.Service
	db    *store.DB
	state tribune.SessionState
	end   time.Time   // when the report is made
	asked []time.Time // when each question was asked, by id-1
	// cast are the times of the votes viewers cast for other people's
	// questions and that stand: what the report counts as votes.
	cast []time.Time
}

// playMeeting plays the test meeting (see the comments for what happens
// when) and loads its state from the database.
func playMeeting(t testing.TB) *meeting {
	t.Helper()
	clk := fakeclock.New(t0)
	path := filepath.Join(t.TempDir(), "meeting.db")
	svc, db := tribunetest.OpenServiceAt(t, path, "townhall", func(s *tribune.Service) {
		s.Now = clk.Now
		s.SessionTitle = "Town hall <December>"
		s.RateInterval = 0
		s.Premoderate = true
	})
	m := &meeting{svc: svc, db: db}
	ctx := context.Background()
	mod := tribune.NewContext(ctx, tribune.Actor{Login: "mod", DisplayName: "Mod", Moderator: true, Source: tribune.SourceConsole})
	must := func(what string, err error) {
		t.Helper()
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
	}
	set := func(tm time.Time) { clk.Set(tm) }
	ask := func(tm time.Time, a tribune.Actor, msgID, text string) int {
		t.Helper()
		set(tm)
		a.MessageID = msgID
		res, err := svc.Ask(ctx, a, text)
		must("ask "+text, err)
		m.asked = append(m.asked, tm)
		return res.Question.ID
	}
	vote := func(tm time.Time, a tribune.Actor, id int) {
		t.Helper()
		set(tm)
		_, err := svc.Vote(ctx, a, id)
		must(fmt.Sprintf("%s votes for #%d", a.DisplayName, id), err)
		m.cast = append(m.cast, tm)
	}
	report := func(tm time.Time, a tribune.Actor, id int) {
		t.Helper()
		set(tm)
		_, err := svc.Report(ctx, a, id)
		must(fmt.Sprintf("%s reports #%d", a.DisplayName, id), err)
	}
	do := func(tm time.Time, what string, f func() error) {
		t.Helper()
		set(tm)
		must(what, f())
	}
	q := func(f func() (tribune.Question, error)) func() error {
		return func() error { _, err := f(); return err }
	}

	q1 := ask(at(0, 30), ann, "m1", "Will the bridge be rebuilt?")
	q2 := ask(at(1, 0), host, "m2", "Welcome! Ask away.") // the broadcaster's: approved at once
	q3 := ask(at(1, 20), eve, "y3", hostileText)
	q4 := ask(at(2, 0), gus, "", "What about the schools?")
	q5 := ask(at(2, 10), dan, "m5", "Taxes next year?")
	for i, id := range []int{q1, q3, q4, q5} {
		do(at(2, 30+i), "approve", q(func() (tribune.Question, error) { return svc.Approve(mod, id) }))
	}
	do(at(2, 40), "label #1", q(func() (tribune.Question, error) { return svc.Label(mod, q1, "transport") }))
	do(at(2, 41), "label #4", q(func() (tribune.Question, error) { return svc.Label(mod, q4, "schools") }))
	do(at(2, 42), "label #5", q(func() (tribune.Question, error) { return svc.Label(mod, q5, "taxes") }))
	vote(at(3, 0), bob, q1)
	vote(at(3, 5), cleo, q1)
	vote(at(3, 8), fay, q1)
	vote(at(3, 10), gus, q1)
	vote(at(3, 20), ann, q4)
	vote(at(3, 25), eve, q4)
	vote(at(3, 30), fay, q5)
	// #1 on air for two minutes, then answered.
	do(at(4, 0), "show #1", q(func() (tribune.Question, error) { return svc.Show(mod, q1) }))
	do(at(6, 0), "answer #1", q(func() (tribune.Question, error) { return svc.Answer(mod, q1) }))
	// #6 is spam: three viewers report it, which hides it.
	q6 := ask(at(6, 30), cleo, "m6", "Buy cheap followers at spam.example")
	do(at(6, 40), "approve #6", q(func() (tribune.Question, error) { return svc.Approve(mod, q6) }))
	report(at(7, 0), ann, q6)
	report(at(7, 10), bob, q6)
	report(at(7, 20), eve, q6)
	// #7 repeats #5: merged into it, with Ann's vote.
	q7 := ask(at(8, 0), fay, "y7", "When will taxes go down?")
	do(at(8, 5), "approve #7", q(func() (tribune.Question, error) { return svc.Approve(mod, q7) }))
	vote(at(8, 10), ann, q7)
	do(at(8, 30), "merge #7 into #5", q(func() (tribune.Question, error) { return svc.Merge(mod, q7, q5) }))
	// Next puts #4 on air (3 votes, older than #5's 3); #5 takes its
	// place; the overlay is hidden; #4 comes back and is answered.
	do(at(9, 0), "next", q(func() (tribune.Question, error) {
		got, err := svc.Next(mod)
		if err == nil && got.ID != q4 {
			err = fmt.Errorf("next showed #%d, want #%d", got.ID, q4)
		}
		return got, err
	}))
	do(at(10, 0), "show #5", q(func() (tribune.Question, error) { return svc.Show(mod, q5) }))
	do(at(11, 0), "hide the overlay", q(func() (tribune.Question, error) { return svc.HideOverlay(mod) }))
	do(at(11, 30), "show #4", q(func() (tribune.Question, error) { return svc.Show(mod, q4) }))
	do(at(12, 30), "answer #4", q(func() (tribune.Question, error) { return svc.Answer(mod, q4) }))
	// Twitch's moderators delete the message that asked #5.
	do(at(13, 0), "twitch deletes m5", q(func() (tribune.Question, error) {
		return svc.DeleteMessage(ctx, tribune.SourceTwitch, "m5")
	}))
	// Bob is banned by the moderator, Eve by YouTube.
	q8 := ask(at(13, 30), bob, "m8", "Free crypto here")
	do(at(13, 40), "approve #8", q(func() (tribune.Question, error) { return svc.Approve(mod, q8) }))
	do(at(14, 0), "ban bob", func() error { _, err := svc.Ban(mod, "bob"); return err })
	do(at(14, 30), "youtube bans eve", func() error { _, err := svc.PlatformBan(ctx, eve); return err })
	// A rejection undone.
	q9 := ask(at(15, 0), gus, "", "Off-topic question")
	do(at(15, 10), "reject #9", q(func() (tribune.Question, error) { return svc.Reject(mod, q9) }))
	do(at(15, 20), "undo", func() error { _, err := svc.Undo(mod); return err })
	q10 := ask(at(15, 30), hal, "", "Anonymous question about the budget")
	do(at(15, 40), "approve #10", q(func() (tribune.Question, error) { return svc.Approve(mod, q10) }))
	do(at(15, 45), "label #10", q(func() (tribune.Question, error) { return svc.Label(mod, q10, "budget") }))
	// The moderator reviews the spam the reports hid, and rejects it.
	do(at(16, 0), "reject #6", q(func() (tribune.Question, error) { return svc.Reject(mod, q6) }))
	q11 := ask(at(16, 30), dan, "m11", "Never mind")
	set(at(16, 40))
	_, err := svc.Withdraw(ctx, dan, q11)
	must("withdraw #11", err)
	// The host's welcome goes on air and is reported off it.
	do(at(16, 50), "show #2", q(func() (tribune.Question, error) { return svc.Show(mod, q2) }))
	report(at(16, 52), ann, q2)
	report(at(16, 54), fay, q2)
	report(at(16, 56), gus, q2)
	// #10 goes on air and is still on air when the report is made.
	do(at(17, 0), "show #10", q(func() (tribune.Question, error) { return svc.Show(mod, q10) }))
	m.end = at(18, 0)

	st := tribunetest.Stored(t, db, svc)
	if len(st.Questions) != len(m.asked) {
		t.Fatalf("stored %d questions, asked %d", len(st.Questions), len(m.asked))
	}
	m.state = st
	return m
}

// playBigMeeting plays the test meeting, then n more questions from the
// ask page, every fifth one shown and answered, and reloads the state.
func playBigMeeting(t testing.TB, n int) *meeting {
	t.Helper()
	m := playMeeting(t)
	ctx := context.Background()
	mod := tribune.NewContext(ctx, tribune.Actor{Login: "mod", DisplayName: "Mod", Moderator: true, Source: tribune.SourceConsole})
	clk := fakeclock.New(m.end)
	m.svc.Now = clk.Now
	words := []string{"bridge", "schools", "budget", "transport", "housing", "taxes", "parks", "libraries", "water", "energy"}
	for i := range n {
		clk.Add(7 * time.Second)
		text := fmt.Sprintf("Question %d: what is the plan for %s", i+1, words[i%len(words)])
		for range i % 4 { // some long enough to wrap
			text += ", and for the " + words[(i+3)%len(words)] + " of the north side of town"
		}
		viewer := tribune.Actor{DisplayName: fmt.Sprintf("Viewer %d", i), UserID: fmt.Sprintf("w%04d", i), Source: tribune.SourceWeb}
		res, err := m.svc.Ask(ctx, viewer, text+"?")
		if err != nil {
			t.Fatalf("ask %d: %v", i, err)
		}
		m.asked = append(m.asked, clk.Now())
		id := res.Question.ID
		if _, err := m.svc.Approve(mod, id); err != nil {
			t.Fatal(err)
		}
		if i%5 == 0 {
			if _, err := m.svc.Show(mod, id); err != nil {
				t.Fatal(err)
			}
			clk.Add(30 * time.Second)
			if _, err := m.svc.Answer(mod, id); err != nil {
				t.Fatal(err)
			}
		}
	}
	m.end = clk.Now().Add(time.Minute)
	m.state = tribunetest.Stored(t, m.db, m.svc)
	return m
}
