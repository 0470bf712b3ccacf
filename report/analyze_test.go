package report_test

import (
	"context"
	"path/filepath"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/tribune-live/tribune"
	"github.com/tribune-live/tribune/internal/fakeclock"
	"github.com/tribune-live/tribune/internal/tribunetest"
	"github.com/tribune-live/tribune/report"
)

// TestAnalyze checks the figures of the test meeting against what was
// done in it (meeting_test.go).
func TestAnalyze(t *testing.T) {
	m := playMeeting(t)
	a := report.Analyze(m.state, report.Options{Now: m.end})

	t.Run("Bounds", func(t *testing.T) {
		if !a.Start.Equal(t0) || !a.End.Equal(m.end) || !a.Open {
			t.Errorf("Start=%v End=%v Open=%v, want %v, %v, open", a.Start, a.End, a.Open, t0, m.end)
		}
	})

	t.Run("Totals", func(t *testing.T) {
		// 11 questions by 9 people (Gus and Dan asked twice); the votes
		// that stand: 4 for #1, 2 for #4, Fay's for #5, Ann's for #7
		// (its copy moved to #5 by the merge is not counted again), by
		// Bob, Cleo, Fay, Gus, Ann and Eve; #1 and #4 answered.
		want := report.Tally{Questions: 11, Askers: 9, Voters: 6, Votes: 8, Answered: 2}
		if a.Totals != want {
			t.Errorf("Totals=%+v, want %+v", a.Totals, want)
		}
		if a.Totals.Votes != len(m.cast) {
			t.Errorf("Votes=%d, but the meeting cast %d", a.Totals.Votes, len(m.cast))
		}
	})

	t.Run("Sources", func(t *testing.T) {
		want := []report.Tally{
			// #1 #2 #5 #6 #8 #11 by Ann, Host, Dan, Cleo, Bob; votes of
			// Bob, Cleo (for #1) and Ann (for #4 and #7).
			{Source: "twitch", Questions: 6, Askers: 5, Voters: 3, Votes: 4, Answered: 1},
			// #3 #7 by Eve and Fay; votes of Fay (#1, #5) and Eve (#4).
			{Source: "youtube", Questions: 2, Askers: 2, Voters: 2, Votes: 3},
			// #4 #9 #10 by Gus and Hal; Gus's vote for #1.
			{Source: "web", Questions: 3, Askers: 2, Voters: 1, Votes: 1, Answered: 1},
		}
		if !reflect.DeepEqual(a.Sources, want) {
			t.Errorf("Sources:\n got %+v\nwant %+v", a.Sources, want)
		}
	})

	t.Run("Channels", func(t *testing.T) {
		want := []report.Tally{
			// A channel counts the votes its questions received.
			{Source: "twitch", Channel: "partyhq", Questions: 2, Askers: 1, Voters: 1, Votes: 1},               // #5 #11; Fay's vote for #5
			{Source: "twitch", Channel: "townhall", Questions: 4, Askers: 4, Voters: 4, Votes: 4, Answered: 1}, // #1 #2 #6 #8
			{Source: "youtube", Channel: "vid123", Questions: 2, Askers: 2, Voters: 1, Votes: 1},               // #3 #7; Ann's vote for #7
			{Source: "web", Questions: 3, Askers: 2, Voters: 2, Votes: 2, Answered: 1},                         // #4 #9 #10; Ann's and Eve's for #4
		}
		if !reflect.DeepEqual(a.Channels, want) {
			t.Errorf("Channels:\n got %+v\nwant %+v", a.Channels, want)
		}
	})

	t.Run("Labels", func(t *testing.T) {
		got := map[string]report.Tally{}
		for _, l := range a.Labels {
			got[l.Label] = l
		}
		want := map[string]report.Tally{
			"transport": {Label: "transport", Questions: 1, Askers: 1, Voters: 4, Votes: 4, Answered: 1},
			"schools":   {Label: "schools", Questions: 1, Askers: 1, Voters: 2, Votes: 2, Answered: 1},
			"taxes":     {Label: "taxes", Questions: 1, Askers: 1, Voters: 1, Votes: 1},
			"budget":    {Label: "budget", Questions: 1, Askers: 1},
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("Labels:\n got %+v\nwant %+v", got, want)
		}
	})

	t.Run("Timelines", func(t *testing.T) {
		type times struct {
			asked, approved, onAir, answered time.Time
			waited, air                      time.Duration
			spans                            int
		}
		var zero time.Time
		want := map[int]times{
			1:  {at(0, 30), at(2, 30), at(4, 0), at(6, 0), 3*time.Minute + 30*time.Second, 2 * time.Minute, 1},
			2:  {at(1, 0), at(1, 0), at(16, 50), zero, 15*time.Minute + 50*time.Second, 6 * time.Second, 1}, // broadcaster's: approved at once; reported off the air
			3:  {at(1, 20), at(2, 31), zero, zero, 0, 0, 0},
			4:  {at(2, 0), at(2, 32), at(9, 0), at(12, 30), 7 * time.Minute, 2 * time.Minute, 2}, // by Next, then again
			5:  {at(2, 10), at(2, 33), at(10, 0), zero, 7*time.Minute + 50*time.Second, time.Minute, 1},
			6:  {at(6, 30), at(6, 40), zero, zero, 0, 0, 0},
			7:  {at(8, 0), at(8, 5), zero, zero, 0, 0, 0},
			8:  {at(13, 30), at(13, 40), zero, zero, 0, 0, 0},
			9:  {at(15, 0), zero, zero, zero, 0, 0, 0}, // rejected, undone: pending again
			10: {at(15, 30), at(15, 40), at(17, 0), zero, 90 * time.Second, time.Minute, 1},
			11: {at(16, 30), zero, zero, zero, 0, 0, 0}, // withdrawn while pending
		}
		if len(a.Questions) != len(want) {
			t.Fatalf("%d timelines, want %d", len(a.Questions), len(want))
		}
		for _, tl := range a.Questions {
			w := want[tl.Question.ID]
			got := times{tl.Asked, tl.Approved, tl.FirstOnAir, tl.Answered, tl.Waited, tl.AirTime, len(tl.Spans)}
			if !got.asked.Equal(w.asked) || !got.approved.Equal(w.approved) || !got.onAir.Equal(w.onAir) ||
				!got.answered.Equal(w.answered) || got.waited != w.waited || got.air != w.air || got.spans != w.spans {
				t.Errorf("#%d timeline:\n got %+v\nwant %+v", tl.Question.ID, got, w)
			}
		}
	})

	t.Run("OnAir", func(t *testing.T) {
		want := []report.Span{
			{Question: 1, Start: at(4, 0), End: at(6, 0)},
			{Question: 4, Start: at(9, 0), End: at(10, 0)},    // #5 took its place
			{Question: 5, Start: at(10, 0), End: at(11, 0)},   // the overlay hidden
			{Question: 4, Start: at(11, 30), End: at(12, 30)}, // answered
			{Question: 2, Start: at(16, 50), End: at(16, 56)}, // the third report hid it
			{Question: 10, Start: at(17, 0), End: m.end, Open: true},
		}
		if !reflect.DeepEqual(a.OnAir, want) {
			t.Errorf("OnAir:\n got %+v\nwant %+v", a.OnAir, want)
		}
	})

	t.Run("Activity", func(t *testing.T) {
		act := a.Activity
		if act.Width != time.Minute || len(act.Buckets) != 18 {
			t.Fatalf("Width=%v, %d buckets; want a minute, 18 for 18 minutes", act.Width, len(act.Buckets))
		}
		for k, b := range act.Buckets {
			from := t0.Add(time.Duration(k) * time.Minute)
			in := func(ts []time.Time) int {
				n := 0
				for _, tm := range ts {
					if !tm.Before(from) && tm.Before(from.Add(time.Minute)) {
						n++
					}
				}
				return n
			}
			if !b.Start.Equal(from) || b.Questions != in(m.asked) || b.Votes != in(m.cast) {
				t.Errorf("bucket %d = %+v, want start %v, %d questions, %d votes", k, b, from, in(m.asked), in(m.cast))
			}
		}
	})

	t.Run("Top", func(t *testing.T) {
		// Only questions that stand: #2 is hidden, #5 hidden by Twitch,
		// #9 pending.
		var got []int
		for _, tl := range a.Top {
			got = append(got, tl.Question.ID)
		}
		if want := []int{1, 4, 10}; !slices.Equal(got, want) {
			t.Errorf("Top=%v, want %v", got, want)
		}
	})

	t.Run("Moderation", func(t *testing.T) {
		mod := a.Moderation
		check := func(name string, got, want []report.Decision) {
			t.Helper()
			if !reflect.DeepEqual(got, want) {
				t.Errorf("%s:\n got %+v\nwant %+v", name, got, want)
			}
		}
		// The rejection of #9 was undone: only #6's stands.
		check("Rejected", mod.Rejected, []report.Decision{{At: at(16, 0), By: "Mod", Questions: []int{6}}})
		check("HiddenByReports", mod.HiddenByReports, []report.Decision{
			{At: at(7, 20), Questions: []int{6}, Reports: 3},
			{At: at(16, 56), Questions: []int{2}, Reports: 3},
		})
		check("HiddenByPlatform", mod.HiddenByPlatform, []report.Decision{
			{At: at(13, 0), By: "twitch", Questions: []int{5}, Reason: "deleted on twitch"},
		})
		check("Merged", mod.Merged, []report.Decision{{At: at(8, 30), By: "Mod", Questions: []int{7}, Into: 5}})
		check("Banned", mod.Banned, []report.Decision{
			{At: at(14, 0), By: "Mod", Questions: []int{8}, Target: "bob"},
			{At: at(14, 30), By: "youtube", Questions: []int{3}, Target: "youtube:UCeve", Reason: "banned on youtube"},
		})
		check("Undone", mod.Undone, []report.Decision{
			{At: at(15, 20), By: "Mod", Questions: []int{9}, Undid: tribune.ActionReject},
		})
	})
}

// TestAnalyzeEndedSession checks that an ended session ends at its end,
// whatever the report's time, and that nothing is left on air.
func TestAnalyzeEndedSession(t *testing.T) {
	m := playMeeting(t)
	st := m.state
	st.Session.Ended = at(20, 0)
	a := report.Analyze(st, report.Options{Now: at(45, 0)})
	if a.Open || !a.End.Equal(at(20, 0)) {
		t.Fatalf("Open=%v End=%v, want ended at %v", a.Open, a.End, at(20, 0))
	}
	last := a.OnAir[len(a.OnAir)-1]
	if last.Question != 10 || !last.End.Equal(at(20, 0)) || last.Open {
		t.Errorf("last span %+v, want #10 until the session's end, closed", last)
	}
}

// TestAnalyzeEmpty checks that a session with nothing in it, and no
// session at all, analyse to zeros rather than fail.
func TestAnalyzeEmpty(t *testing.T) {
	for name, st := range map[string]tribune.SessionState{
		"NoSession":  {},
		"NoQuestion": {Session: tribune.Session{ID: 1, Channel: "townhall", Started: t0}},
	} {
		t.Run(name, func(t *testing.T) {
			a := report.Analyze(st, report.Options{})
			if a.Totals != (report.Tally{}) || len(a.Questions) != 0 || len(a.OnAir) != 0 || len(a.Labels) != 0 {
				t.Errorf("analysis of an empty session: %+v", a)
			}
		})
	}
}

// TestAnalyzeViewersTakeItOffAir checks the spans of questions that left
// the air with no log entry: a withdrawal, known only by the question
// shown next, and reports, known to the second by the last one.
func TestAnalyzeViewersTakeItOffAir(t *testing.T) {
	clk := fakeclock.New(t0)
	svc, db := tribunetest.OpenServiceAt(t, filepath.Join(t.TempDir(), "t.db"), "townhall", func(s *tribune.Service) {
		s.Now = clk.Now
		s.Premoderate = false
		s.RateInterval = 0
	})
	ctx := context.Background()
	mod := tribune.NewContext(ctx, tribune.Actor{Login: "mod", DisplayName: "Mod", Moderator: true, Source: tribune.SourceConsole})
	step := func(what string, err error) {
		t.Helper()
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
	}
	ids := map[string]int{}
	for i, a := range []tribune.Actor{ann, bob, cleo} {
		clk.Set(at(0, i))
		res, err := svc.Ask(ctx, a, "Question of "+a.DisplayName)
		step("ask", err)
		ids[a.DisplayName] = res.Question.ID
	}
	clk.Set(at(1, 0))
	_, err := svc.Show(mod, ids["Ann"])
	step("show Ann's", err)
	clk.Set(at(2, 0))
	_, err = svc.Withdraw(ctx, ann, ids["Ann"]) // on air: withdrawn unlogged
	step("Ann withdraws", err)
	clk.Set(at(4, 0))
	_, err = svc.Show(mod, ids["Bob"])
	step("show Bob's", err)
	for i, r := range []tribune.Actor{cleo, dan, eve} {
		clk.Set(at(5, 10*i))
		_, err = svc.Report(ctx, r, ids["Bob"])
		step("report Bob's", err)
	}
	a := report.Analyze(tribunetest.Stored(t, db, svc), report.Options{Now: at(9, 0)})
	want := []report.Span{
		// The withdrawal's time is not recorded: the next question shown
		// bounds it.
		{Question: ids["Ann"], Start: at(1, 0), End: at(4, 0)},
		// The third report, at 5:20, hid Bob's.
		{Question: ids["Bob"], Start: at(4, 0), End: at(5, 20)},
	}
	if !reflect.DeepEqual(a.OnAir, want) {
		t.Errorf("OnAir:\n got %+v\nwant %+v", a.OnAir, want)
	}
	if got := a.Moderation.HiddenByReports; len(got) != 1 || !got[0].At.Equal(at(5, 20)) || got[0].Reports != 3 {
		t.Errorf("HiddenByReports=%+v, want Bob's at 5:20 with 3 reports", got)
	}
}
