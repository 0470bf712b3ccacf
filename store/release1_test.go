package store_test

import (
	"context"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	tribune "github.com/tribune-live/tribune"
	"github.com/tribune-live/tribune/internal/fakeclock"
	"github.com/tribune-live/tribune/internal/tribunetest"
)

// testdata/release1.db is a database written by the previous release
// (commit 9760694, schema 1), through its own Service and store, by a
// throwaway program run in a worktree of that commit (not committed).
// It stored the setting api_token = r1Token, then ran
// tribune.NewService(db, "townhall") with SessionTitle "Town hall",
// RateInterval 0 and a clock that stood at step(n), one minute per step:
//
//	1–8    ask #1–#8: ann 101 ("…the brige?"), bob 102, cat 103, troll 666,
//	       dan 104, Host 900 (console, moderator: approved at once), eve 105,
//	       gil 106; every viewer on Twitch, their user ids as given
//	9–13   moderator Mia approves #1 #2 #3 #5 #7
//	14–21  votes: eve→1 fay(107)→2 gus(108)→2 ann→2 hal(109)→3 eve→6 fay→6 ivy(110)→6
//	22–25  reports: jay(111)→3, kim(112) lee(113) max(114)→5 (hidden at the third)
//	26     eve withdraws #7
//	27     Mia edits #1 to "…the bridge?"
//	28–29  Mia shows #3, then marks it answered
//	30–31  Mia rejects #8, then undoes it
//	32     Mia bans troll (#4 is rejected)
//	33     Mia merges #2 into #1 (bob, fay, gus move with via 2)
//	34     Mia shows #1
//	35     Mia merges #6 into #1 (ivy and the console host move with via 6)
//
// then closed the Service and the DB, whose close checkpointed the WAL
// into the file (one file, no -wal). The same release read the file back
// (LoadSession, Bans) to check what r1Questions and the others below say.
const r1Token = "0f1e2d3c4b5a69788796a5b4c3d2e1f0"

var r1t0 = time.Date(2026, 11, 20, 18, 0, 0, 123456789, time.UTC)

func step(n int) time.Time { return r1t0.Add(time.Duration(n) * time.Minute) }

// r1Authors are the authors of the fixture's questions, by id.
var r1Authors = map[int]struct{ text, name, login, id, source string }{
	1: {"What is the plan for the bridge?", "V-ann", "ann", "101", tribune.SourceTwitch},
	2: {"Will taxes rise?", "V-bob", "bob", "102", tribune.SourceTwitch},
	3: {"What about schools?", "V-cat", "cat", "103", tribune.SourceTwitch},
	4: {"Something rude", "V-troll", "troll", "666", tribune.SourceTwitch},
	5: {"When do the trams run late?", "V-dan", "dan", "104", tribune.SourceTwitch},
	6: {"Opening question from the host", "Host", "host", "900", tribune.SourceConsole},
	7: {"Is the pool open in summer?", "V-eve", "eve", "105", tribune.SourceTwitch},
	8: {"Can we get more bike lanes?", "V-gil", "gil", "106", tribune.SourceTwitch},
}

// r1Snapshot returns question id as a log entry of release 1 holds it:
// without the columns that release did not have.
func r1Snapshot(id int, st tribune.Status, votes, reports, mergedInto int) tribune.Question {
	a := r1Authors[id]
	return tribune.Question{
		ID: id, SessionID: 1, Text: a.text, Author: a.name, AuthorLogin: a.login, AuthorID: a.id,
		Source: a.source, Created: step(id), Status: st, Votes: votes, Reports: reports, MergedInto: mergedInto,
	}
}

// r1Question returns question id as the migrated table holds it: its
// Twitch questions were asked in the session's channel.
func r1Question(id int, st tribune.Status, votes, reports, mergedInto int, aired time.Time) tribune.Question {
	q := r1Snapshot(id, st, votes, reports, mergedInto)
	if q.Source == tribune.SourceTwitch {
		q.Channel = "townhall"
	}
	q.Aired = aired
	return q
}

func brige(q tribune.Question) tribune.Question {
	q.Text = "What is the plan for the brige?"
	return q
}

var r1Questions = []tribune.Question{
	r1Question(1, tribune.StatusOnAir, 7, 0, 0, step(34)),
	r1Question(2, tribune.StatusMerged, 4, 0, 1, time.Time{}),
	r1Question(3, tribune.StatusAnswered, 2, 1, 0, step(28)),
	r1Question(4, tribune.StatusRejected, 1, 0, 0, time.Time{}),
	r1Question(5, tribune.StatusHidden, 1, 3, 0, time.Time{}),
	r1Question(6, tribune.StatusMerged, 4, 0, 1, time.Time{}),
	r1Question(7, tribune.StatusWithdrawn, 1, 0, 0, time.Time{}),
	r1Question(8, tribune.StatusPending, 1, 0, 0, time.Time{}),
}

func r1Vote(q int, source, voter string, via int, at time.Time) tribune.Vote {
	return tribune.Vote{SessionID: 1, QuestionID: q, Source: source, VoterID: voter, Via: via, Created: at}
}

// r1Votes are in the store's order: question, source, voter. Every vote
// is a Twitch viewer's but the console host's own, which keeps the
// source of #6 on #6 and once the merge moved it onto #1.
var r1Votes = []tribune.Vote{
	r1Vote(1, tribune.SourceConsole, "900", 6, step(35)),
	r1Vote(1, tribune.SourceTwitch, "101", 0, step(1)),
	r1Vote(1, tribune.SourceTwitch, "102", 2, step(33)),
	r1Vote(1, tribune.SourceTwitch, "105", 0, step(14)),
	r1Vote(1, tribune.SourceTwitch, "107", 2, step(33)),
	r1Vote(1, tribune.SourceTwitch, "108", 2, step(33)),
	r1Vote(1, tribune.SourceTwitch, "110", 6, step(35)),
	r1Vote(2, tribune.SourceTwitch, "101", 0, step(17)),
	r1Vote(2, tribune.SourceTwitch, "102", 0, step(2)),
	r1Vote(2, tribune.SourceTwitch, "107", 0, step(15)),
	r1Vote(2, tribune.SourceTwitch, "108", 0, step(16)),
	r1Vote(3, tribune.SourceTwitch, "103", 0, step(3)),
	r1Vote(3, tribune.SourceTwitch, "109", 0, step(18)),
	r1Vote(4, tribune.SourceTwitch, "666", 0, step(4)),
	r1Vote(5, tribune.SourceTwitch, "104", 0, step(5)),
	r1Vote(6, tribune.SourceConsole, "900", 0, step(6)),
	r1Vote(6, tribune.SourceTwitch, "105", 0, step(19)),
	r1Vote(6, tribune.SourceTwitch, "107", 0, step(20)),
	r1Vote(6, tribune.SourceTwitch, "110", 0, step(21)),
	r1Vote(7, tribune.SourceTwitch, "105", 0, step(7)),
	r1Vote(8, tribune.SourceTwitch, "106", 0, step(8)),
}

var r1Reports = []tribune.Report{
	{SessionID: 1, QuestionID: 3, Source: tribune.SourceTwitch, ReporterID: "111", Created: step(22)},
	{SessionID: 1, QuestionID: 5, Source: tribune.SourceTwitch, ReporterID: "112", Created: step(23)},
	{SessionID: 1, QuestionID: 5, Source: tribune.SourceTwitch, ReporterID: "113", Created: step(24)},
	{SessionID: 1, QuestionID: 5, Source: tribune.SourceTwitch, ReporterID: "114", Created: step(25)},
}

// r1Ban is a ban by login: release 1 knew no other.
var r1Ban = tribune.Ban{Channel: "townhall", Source: tribune.SourceTwitch, Login: "troll", By: "Mia", Created: step(32)}

func r1Log() []tribune.LogEntry {
	entry := func(id int64, at int, action tribune.Action, q int, before, after []tribune.Question) tribune.LogEntry {
		return tribune.LogEntry{ID: id, SessionID: 1, At: step(at), Moderator: "Mia", Action: action, QuestionID: q, Before: before, After: after}
	}
	one := func(q tribune.Question) []tribune.Question { return []tribune.Question{q} }
	s := r1Snapshot
	// Release 1 logged the votes a merge moved without their time.
	moved := func(voter, source string, via int) tribune.Vote { return r1Vote(1, source, voter, via, time.Time{}) }
	rejected := entry(9, 30, tribune.ActionReject, 8, one(s(8, tribune.StatusPending, 1, 0, 0)), one(s(8, tribune.StatusRejected, 1, 0, 0)))
	rejected.Undone = true
	undo := entry(10, 31, tribune.ActionUndo, 8, one(s(8, tribune.StatusRejected, 1, 0, 0)), one(s(8, tribune.StatusPending, 1, 0, 0)))
	undo.UndoOf = 9
	ban := entry(11, 32, tribune.ActionBan, 0, one(s(4, tribune.StatusPending, 1, 0, 0)), one(s(4, tribune.StatusRejected, 1, 0, 0)))
	b := r1Ban
	ban.Ban = &b
	merge2 := entry(12, 33, tribune.ActionMerge, 2,
		[]tribune.Question{s(1, tribune.StatusApproved, 2, 0, 0), s(2, tribune.StatusApproved, 4, 0, 0)},
		[]tribune.Question{s(1, tribune.StatusApproved, 5, 0, 0), s(2, tribune.StatusMerged, 4, 0, 1)})
	merge2.MovedVotes = []tribune.Vote{moved("102", tribune.SourceTwitch, 2), moved("107", tribune.SourceTwitch, 2), moved("108", tribune.SourceTwitch, 2)}
	merge6 := entry(14, 35, tribune.ActionMerge, 6,
		[]tribune.Question{s(1, tribune.StatusOnAir, 5, 0, 0), s(6, tribune.StatusApproved, 4, 0, 0)},
		[]tribune.Question{s(1, tribune.StatusOnAir, 7, 0, 0), s(6, tribune.StatusMerged, 4, 0, 1)})
	merge6.MovedVotes = []tribune.Vote{moved("110", tribune.SourceTwitch, 6), moved("900", tribune.SourceConsole, 6)}
	return []tribune.LogEntry{
		entry(1, 9, tribune.ActionApprove, 1, one(brige(s(1, tribune.StatusPending, 1, 0, 0))), one(brige(s(1, tribune.StatusApproved, 1, 0, 0)))),
		entry(2, 10, tribune.ActionApprove, 2, one(s(2, tribune.StatusPending, 1, 0, 0)), one(s(2, tribune.StatusApproved, 1, 0, 0))),
		entry(3, 11, tribune.ActionApprove, 3, one(s(3, tribune.StatusPending, 1, 0, 0)), one(s(3, tribune.StatusApproved, 1, 0, 0))),
		entry(4, 12, tribune.ActionApprove, 5, one(s(5, tribune.StatusPending, 1, 0, 0)), one(s(5, tribune.StatusApproved, 1, 0, 0))),
		entry(5, 13, tribune.ActionApprove, 7, one(s(7, tribune.StatusPending, 1, 0, 0)), one(s(7, tribune.StatusApproved, 1, 0, 0))),
		entry(6, 27, tribune.ActionEdit, 1, one(brige(s(1, tribune.StatusApproved, 2, 0, 0))), one(s(1, tribune.StatusApproved, 2, 0, 0))),
		entry(7, 28, tribune.ActionShow, 3, one(s(3, tribune.StatusApproved, 2, 1, 0)), one(s(3, tribune.StatusOnAir, 2, 1, 0))),
		entry(8, 29, tribune.ActionAnswer, 3, one(s(3, tribune.StatusOnAir, 2, 1, 0)), one(s(3, tribune.StatusAnswered, 2, 1, 0))),
		rejected, undo, ban, merge2,
		entry(13, 34, tribune.ActionShow, 1, one(s(1, tribune.StatusApproved, 5, 0, 0)), one(s(1, tribune.StatusOnAir, 5, 0, 0))),
		merge6,
	}
}

// copyRelease1 copies the fixture into a new directory and returns the
// copy's path.
func copyRelease1(t *testing.T) string {
	t.Helper()
	if _, err := os.Stat(filepath.Join("testdata", "release1.db-wal")); err == nil {
		t.Fatal("testdata/release1.db-wal exists: the fixture must be one file")
	}
	path := filepath.Join(t.TempDir(), "tribune.db")
	if err := copyFile(filepath.Join("testdata", "release1.db"), path, 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestMigrateRelease1 opens a file of the previous release: the migration
// runs in place, and every session, question, vote, report, ban, log
// entry and setting reads back as that release wrote it, with the
// sources and columns migration 2 gives them.
func TestMigrateRelease1(t *testing.T) {
	ctx := context.Background()
	path := copyRelease1(t)
	if v := rawPragma(t, path, "user_version"); v != "1" {
		t.Fatalf("fixture user_version=%s, want 1", v)
	}
	db := MustOpenPath(t, path)
	if v := rawPragma(t, path, "user_version"); v != "2" {
		t.Errorf("user_version=%s after Open, want 2", v)
	}
	if v := rawPragma(t, path, "integrity_check"); v != "ok" {
		t.Errorf("integrity_check=%s", v)
	}

	sessions, err := db.Sessions(ctx)
	if err != nil {
		t.Fatal(err)
	}
	wantSession := tribune.Session{ID: 1, Channel: "townhall", Title: "Town hall", Started: r1t0}
	if len(sessions) != 1 || sessions[0] != wantSession {
		t.Fatalf("Sessions=%+v, want [%+v]", sessions, wantSession)
	}
	st := MustLoad(t, db, 1)
	if st.Session != wantSession {
		t.Errorf("Session=%+v, want %+v", st.Session, wantSession)
	}
	if len(st.Questions) != len(r1Questions) {
		t.Fatalf("Questions=%d, want %d", len(st.Questions), len(r1Questions))
	}
	for i, want := range r1Questions {
		if st.Questions[i] != want {
			t.Errorf("Questions[%d]:\n got %+v\nwant %+v", i, st.Questions[i], want)
		}
	}
	if !reflect.DeepEqual(st.Votes, r1Votes) {
		t.Errorf("Votes:\n got %+v\nwant %+v", st.Votes, r1Votes)
	}
	if !reflect.DeepEqual(st.Reports, r1Reports) {
		t.Errorf("Reports:\n got %+v\nwant %+v", st.Reports, r1Reports)
	}
	wantLog := r1Log()
	if len(st.Log) != len(wantLog) {
		t.Fatalf("Log has %d entries, want %d", len(st.Log), len(wantLog))
	}
	for i := range wantLog {
		if !reflect.DeepEqual(st.Log[i], wantLog[i]) {
			t.Errorf("Log[%d]:\n got %+v\nwant %+v", i, st.Log[i], wantLog[i])
		}
	}
	bans, err := db.Bans(ctx, "townhall")
	if err != nil {
		t.Fatal(err)
	}
	if len(bans) != 1 || bans[0] != r1Ban {
		t.Errorf("Bans=%+v, want [%+v]", bans, r1Ban)
	}
	if v, ok, err := db.Setting(ctx, "api_token"); err != nil || !ok || v != r1Token {
		t.Errorf("Setting(api_token) = %q, %v, %v; want %q", v, ok, err, r1Token)
	}
	// Release 1 kept no message ids: no question is found by one.
	if _, err := db.QuestionByMessage(ctx, 1, tribune.SourceTwitch, ""); tribune.ErrorCode(err) != tribune.ENOTFOUND {
		t.Errorf("QuestionByMessage of an old question: %v, want ENOTFOUND", err)
	}
}

// TestMigrateRelease1Service continues the previous release's meeting
// with today's Service: the same session, numbers and counts, the bans
// and votes still hold, and undo of the last logged merge moves its votes
// back, the console host's included.
func TestMigrateRelease1Service(t *testing.T) {
	ctx := context.Background()
	path := copyRelease1(t)
	clk := fakeclock.NewTicking(step(60), time.Second)
	db := MustOpenPath(t, path)
	svc := tribune.NewService(db, "townhall")
	svc.Now = clk.Now
	svc.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	if err := svc.Open(ctx); err != nil {
		t.Fatalf("Service.Open: %v", err)
	}
	closed := false
	closeSvc := func() {
		if !closed {
			closed = true
			if err := svc.Close(); err != nil {
				t.Errorf("Service.Close: %v", err)
			}
		}
	}
	t.Cleanup(closeSvc)

	if s := tribunetest.Session(t, svc); s.ID != 1 || s.Title != "Town hall" {
		t.Errorf("Session=%+v, want session 1, Town hall", s)
	}
	got := tribunetest.Questions(t, svc, "")
	if len(got) != len(r1Questions) {
		t.Fatalf("Questions=%d, want %d", len(got), len(r1Questions))
	}
	for i, want := range r1Questions {
		if got[i] != want {
			t.Errorf("Questions[%d]:\n got %+v\nwant %+v", i, got[i], want)
		}
	}
	wantCounts := map[tribune.Status]int{
		tribune.StatusOnAir: 1, tribune.StatusMerged: 2, tribune.StatusAnswered: 1, tribune.StatusRejected: 1,
		tribune.StatusHidden: 1, tribune.StatusWithdrawn: 1, tribune.StatusPending: 1,
	}
	if c := svc.Counts(); !reflect.DeepEqual(c, wantCounts) {
		t.Errorf("Counts=%v, want %v", c, wantCounts)
	}
	if q, ok := svc.OnAir(); !ok || q.ID != 1 {
		t.Errorf("OnAir=#%d, %v; want #1", q.ID, ok)
	}
	if n := len(svc.Log()); n != len(r1Log()) {
		t.Errorf("Log has %d entries, want %d", n, len(r1Log()))
	}
	if !svc.Banned(tribunetest.TwitchViewer("troll")) {
		t.Error("troll is not banned")
	}
	eve := tribune.Actor{Login: "eve", DisplayName: "V-eve", UserID: "105", Source: tribune.SourceTwitch}
	if _, err := svc.Vote(ctx, eve, 1); tribune.ErrorReason(err) != tribune.ReasonAlreadyVoted {
		t.Errorf("eve votes for #1 again: %v, want %s", err, tribune.ReasonAlreadyVoted)
	}
	// The numbers go on.
	res, err := svc.Ask(ctx, tribune.Actor{Login: "zoe", DisplayName: "Zoe", UserID: "120", Source: tribune.SourceTwitch}, "And the library?")
	if err != nil {
		t.Fatalf("Ask: %v", err)
	}
	if res.Question.ID != 9 {
		t.Errorf("new question is #%d, want #9", res.Question.ID)
	}

	mod := tribune.NewContext(ctx, tribune.Actor{Login: "mia", DisplayName: "Mia", Moderator: true, Source: tribune.SourceConsole})
	undone, err := svc.Undo(mod)
	if err != nil {
		t.Fatalf("Undo: %v", err)
	}
	if undone.ID != 14 || undone.Action != tribune.ActionMerge {
		t.Fatalf("Undo undid entry %d (%s), want 14 (merge)", undone.ID, undone.Action)
	}
	for _, want := range []struct {
		id     int
		status tribune.Status
		votes  int
		merged int
	}{{1, tribune.StatusOnAir, 5, 0}, {6, tribune.StatusApproved, 4, 0}} {
		q, err := svc.Get(want.id)
		if err != nil {
			t.Fatal(err)
		}
		if q.Status != want.status || q.Votes != want.votes || q.MergedInto != want.merged {
			t.Errorf("#%d after undo: %s, %d votes, merged into %d; want %s, %d, %d",
				q.ID, q.Status, q.Votes, q.MergedInto, want.status, want.votes, want.merged)
		}
	}
	closeSvc()

	st := MustLoad(t, db, 1)
	var onOne []tribune.Vote
	for _, v := range st.Votes {
		if v.QuestionID == 1 {
			onOne = append(onOne, v)
		}
	}
	// #1 keeps its own votes and those of the first merge (via 2).
	var want []tribune.Vote
	for _, v := range r1Votes {
		if v.QuestionID == 1 && v.Via != 6 {
			want = append(want, v)
		}
	}
	if !reflect.DeepEqual(onOne, want) {
		t.Errorf("votes on #1 after undo:\n got %+v\nwant %+v", onOne, want)
	}
	if st.Questions[0].Votes != len(want) {
		t.Errorf("#1 Votes=%d, want %d", st.Questions[0].Votes, len(want))
	}
}
