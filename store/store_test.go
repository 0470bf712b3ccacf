package store_test

import (
	"context"
	"fmt"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	tribune "github.com/tribune-live/tribune"
	"github.com/tribune-live/tribune/store"
)

// t0 is a time with nanoseconds, in UTC, as times come back from the store.
var t0 = time.Date(2026, 11, 23, 14, 5, 6, 123456789, time.UTC)

func at(d time.Duration) time.Time { return t0.Add(d) }

// MustOpenDB opens a new database file in a temporary directory and closes
// it at the end of the test.
func MustOpenDB(tb testing.TB) *store.DB {
	tb.Helper()
	return MustOpenPath(tb, filepath.Join(tb.TempDir(), "tribune.db"))
}

// MustOpenPath opens the database file at path and closes it at the end of
// the test.
func MustOpenPath(tb testing.TB, path string) *store.DB {
	tb.Helper()
	return mustOpen(tb, path, 0)
}

// MustOpenPool opens a new database file with a pool of conns connections.
func MustOpenPool(tb testing.TB, conns int) *store.DB {
	tb.Helper()
	return mustOpen(tb, filepath.Join(tb.TempDir(), "tribune.db"), conns)
}

func mustOpen(tb testing.TB, path string, conns int) *store.DB {
	tb.Helper()
	db := store.NewDB(path)
	db.MaxOpenConns = conns
	if err := db.Open(); err != nil {
		tb.Fatalf("Open: %v", err)
	}
	tb.Cleanup(func() {
		if err := db.Close(); err != nil {
			tb.Errorf("Close: %v", err)
		}
	})
	return db
}

// MustOpenSession opens a session of channel "chan".
func MustOpenSession(tb testing.TB, db *store.DB) tribune.Session {
	tb.Helper()
	s, err := db.OpenSession(context.Background(), "chan", "", t0)
	if err != nil {
		tb.Fatalf("OpenSession: %v", err)
	}
	return s
}

// MustApply applies changes and fails the test on error.
func MustApply(tb testing.TB, db *store.DB, changes ...tribune.Change) {
	tb.Helper()
	if err := db.Apply(context.Background(), changes); err != nil {
		tb.Fatalf("Apply: %v", err)
	}
}

// MustLoad loads session id.
func MustLoad(tb testing.TB, db *store.DB, id int64) tribune.SessionState {
	tb.Helper()
	st, err := db.LoadSession(context.Background(), id)
	if err != nil {
		tb.Fatalf("LoadSession(%d): %v", id, err)
	}
	return st
}

func question(sid int64, id int, text string) tribune.Question {
	return tribune.Question{
		ID: id, SessionID: sid, Text: text, Author: "Ann É", AuthorLogin: "ann",
		AuthorID: fmt.Sprintf("u%d", id), Source: tribune.SourceTwitch, Created: at(time.Duration(id) * time.Second),
		Status: tribune.StatusApproved, Votes: 1,
	}
}

func putQ(q tribune.Question) tribune.Change {
	return tribune.Change{Kind: tribune.PutQuestion, Question: q}
}
func putV(v tribune.Vote) tribune.Change     { return tribune.Change{Kind: tribune.PutVote, Vote: v} }
func delV(v tribune.Vote) tribune.Change     { return tribune.Change{Kind: tribune.DeleteVote, Vote: v} }
func putR(r tribune.Report) tribune.Change   { return tribune.Change{Kind: tribune.PutReport, Report: r} }
func putB(b tribune.Ban) tribune.Change      { return tribune.Change{Kind: tribune.PutBan, Ban: b} }
func delB(b tribune.Ban) tribune.Change      { return tribune.Change{Kind: tribune.DeleteBan, Ban: b} }
func putL(e tribune.LogEntry) tribune.Change { return tribune.Change{Kind: tribune.PutLog, Log: e} }

// TestApplyRoundTrip writes each kind of change and reads it back: every
// field, times to the nanosecond, must come back as written.
func TestApplyRoundTrip(t *testing.T) {
	const sid = 1 // the first session of a new file
	q1 := question(sid, 1, "Why <b>not</b> \"quotes\" & 'apostrophes'? ✓")
	q2 := question(sid, 2, "Second")
	q2.Status, q2.MergedInto, q2.Votes, q2.Reports = tribune.StatusMerged, 1, 0, 2
	q1v := q1
	q1v.Votes, q1v.Status, q1v.Text, q1v.Author = 3, tribune.StatusOnAir, "edited", "Ann"
	v1 := tribune.Vote{SessionID: sid, QuestionID: 1, Source: tribune.SourceTwitch, VoterID: "u1", Created: at(time.Minute)}
	v2 := tribune.Vote{SessionID: sid, QuestionID: 1, Source: tribune.SourceTwitch, VoterID: "u9", Via: 2, Created: at(2 * time.Minute)}
	r1 := tribune.Report{SessionID: sid, QuestionID: 2, Source: tribune.SourceTwitch, ReporterID: "u7", Created: at(3 * time.Minute)}
	ban := tribune.Ban{Channel: "chan", Source: tribune.SourceTwitch, Login: "troll", By: "Mod", Created: at(4 * time.Minute)}
	ban2 := tribune.Ban{Channel: "chan", Source: tribune.SourceTwitch, Login: "other", By: "Mod", Created: at(5 * time.Minute)}
	full := tribune.LogEntry{
		ID: 1, SessionID: sid, At: at(6 * time.Minute), Moderator: "Mod", Action: tribune.ActionMerge, QuestionID: 2,
		Before:     []tribune.Question{q1, q2},
		After:      []tribune.Question{q1v, q2},
		MovedVotes: []tribune.Vote{v2},
		Ban:        &ban,
	}
	undone := full
	undone.Undone = true
	undo := tribune.LogEntry{ID: 2, SessionID: sid, At: at(7 * time.Minute), Moderator: "Mod", Action: tribune.ActionUndo, QuestionID: 2, UndoOf: 1}
	hide := tribune.LogEntry{ID: 3, SessionID: sid, At: at(8 * time.Minute), Moderator: "console", Action: tribune.ActionHide}

	tests := []struct {
		name     string
		changes  []tribune.Change
		want     tribune.SessionState // Session is filled in
		wantBans []tribune.Ban
	}{
		{name: "PutQuestion", changes: []tribune.Change{putQ(q1), putQ(q2)},
			want: tribune.SessionState{Questions: []tribune.Question{q1, q2}}},
		{name: "PutQuestionReplaces", changes: []tribune.Change{putQ(q1), putQ(q1v)},
			want: tribune.SessionState{Questions: []tribune.Question{q1v}}},
		{name: "PutQuestionManyInBatch", changes: []tribune.Change{
			putQ(q2), putQ(q1), putV(v1), putQ(q2), putQ(q1v), putV(v2), delV(v1), putQ(q2), putQ(q1v), putQ(q1),
		}, want: tribune.SessionState{Questions: []tribune.Question{q1, q2}, Votes: []tribune.Vote{v2}}},
		{name: "PutVote", changes: []tribune.Change{putQ(q1), putV(v2), putV(v1)},
			want: tribune.SessionState{Questions: []tribune.Question{q1}, Votes: []tribune.Vote{v1, v2}}},
		{name: "DeleteVote", changes: []tribune.Change{putQ(q1), putV(v1), putV(v2), delV(tribune.Vote{SessionID: sid, QuestionID: 1, Source: tribune.SourceTwitch, VoterID: "u9"})},
			want: tribune.SessionState{Questions: []tribune.Question{q1}, Votes: []tribune.Vote{v1}}},
		{name: "PutReport", changes: []tribune.Change{putQ(q1), putQ(q2), putR(r1)},
			want: tribune.SessionState{Questions: []tribune.Question{q1, q2}, Reports: []tribune.Report{r1}}},
		{name: "PutBan", changes: []tribune.Change{putB(ban2), putB(ban)},
			wantBans: []tribune.Ban{ban, ban2}},
		{name: "DeleteBan", changes: []tribune.Change{putB(ban), putB(ban2), delB(tribune.Ban{Channel: "chan", Source: tribune.SourceTwitch, Login: "troll"})},
			wantBans: []tribune.Ban{ban2}},
		{name: "PutLog", changes: []tribune.Change{putL(full), putL(undo), putL(hide)},
			want: tribune.SessionState{Log: []tribune.LogEntry{full, undo, hide}}},
		{name: "PutLogReplaces", changes: []tribune.Change{putL(full), putL(undo), putL(undone)},
			want: tribune.SessionState{Log: []tribune.LogEntry{undone, undo}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			db := MustOpenDB(t)
			sess := MustOpenSession(t, db)
			if sess.ID != sid {
				t.Fatalf("session ID=%d, want %d", sess.ID, sid)
			}
			MustApply(t, db, tt.changes...)
			got := MustLoad(t, db, sid)
			tt.want.Session = sess
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("LoadSession:\n got %+v\nwant %+v", got, tt.want)
			}
			bans, err := db.Bans(context.Background(), "chan")
			if err != nil {
				t.Fatalf("Bans: %v", err)
			}
			if !reflect.DeepEqual(bans, tt.wantBans) {
				t.Errorf("Bans:\n got %+v\nwant %+v", bans, tt.wantBans)
			}
		})
	}
}

// TestApplyTimeZones shows that times in any location come back as the same
// instant, in UTC.
func TestApplyTimeZones(t *testing.T) {
	db := MustOpenDB(t)
	sess := MustOpenSession(t, db)
	paris := time.FixedZone("CET", 3600)
	q := question(sess.ID, 1, "zone")
	q.Created = time.Date(2026, 11, 23, 23, 30, 0, 1, paris) // another day in UTC
	local := time.Now()                                      // with a monotonic reading
	MustApply(t, db, putQ(q), putV(tribune.Vote{SessionID: sess.ID, QuestionID: 1, Source: tribune.SourceTwitch, VoterID: "v", Created: local}))
	st := MustLoad(t, db, sess.ID)
	if got := st.Questions[0].Created; got != q.Created.UTC() {
		t.Errorf("Created=%v, want %v", got, q.Created.UTC())
	}
	if got := st.Votes[0].Created; !got.Equal(local) || got.Location() != time.UTC {
		t.Errorf("vote Created=%v, want %v in UTC", got, local)
	}
}

// TestApplyAtomic shows that a batch whose last change breaks a constraint
// stores none of its changes, and that the database stays usable.
func TestApplyAtomic(t *testing.T) {
	tests := []struct {
		name string
		bad  tribune.Change
	}{
		{"ReportOfMissingSession", putR(tribune.Report{SessionID: 99, QuestionID: 1, Source: tribune.SourceTwitch, ReporterID: "r", Created: t0})},
		{"VoteForMissingQuestion", putV(tribune.Vote{SessionID: 1, QuestionID: 42, Source: tribune.SourceTwitch, VoterID: "v", Created: t0})},
		{"QuestionOfMissingSession", putQ(question(99, 1, "orphan"))},
		{"LogOfMissingSession", putL(tribune.LogEntry{ID: 1, SessionID: 99, At: t0, Action: tribune.ActionHide})},
		{"UnknownKind", tribune.Change{Kind: 0}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			db := MustOpenDB(t)
			sess := MustOpenSession(t, db)
			q := question(sess.ID, 1, "kept only if the batch commits")
			ban := tribune.Ban{Channel: "chan", Source: tribune.SourceTwitch, Login: "troll", By: "m", Created: t0}
			batch := []tribune.Change{
				putQ(q),
				putV(tribune.Vote{SessionID: sess.ID, QuestionID: 1, Source: tribune.SourceTwitch, VoterID: "u1", Created: t0}),
				putB(ban),
				putL(tribune.LogEntry{ID: 1, SessionID: sess.ID, At: t0, Moderator: "m", Action: tribune.ActionBan, Ban: &ban}),
				putR(tribune.Report{SessionID: sess.ID, QuestionID: 1, Source: tribune.SourceTwitch, ReporterID: "r1", Created: t0}),
				tt.bad,
			}
			err := db.Apply(context.Background(), batch)
			if err == nil {
				t.Fatal("Apply of a bad batch returned nil")
			}
			if want := "change 6 of 6"; !strings.Contains(err.Error(), want) {
				t.Errorf("error %q does not say %q", err, want)
			}
			st := MustLoad(t, db, sess.ID)
			if len(st.Questions)+len(st.Votes)+len(st.Reports)+len(st.Log) != 0 {
				t.Errorf("after a failed Apply: %d questions, %d votes, %d reports, %d log entries, want none",
					len(st.Questions), len(st.Votes), len(st.Reports), len(st.Log))
			}
			if bans, _ := db.Bans(context.Background(), "chan"); len(bans) != 0 {
				t.Errorf("after a failed Apply: %d bans, want 0", len(bans))
			}
			// The same batch without its bad change goes through.
			MustApply(t, db, batch[:len(batch)-1]...)
			if st := MustLoad(t, db, sess.ID); len(st.Questions) != 1 || len(st.Votes) != 1 || len(st.Reports) != 1 || len(st.Log) != 1 {
				t.Errorf("after a good Apply: %d questions, %d votes, %d reports, %d log entries, want 1 of each",
					len(st.Questions), len(st.Votes), len(st.Reports), len(st.Log))
			}
		})
	}
}

func TestApplyEmpty(t *testing.T) {
	db := MustOpenDB(t)
	if err := db.Apply(context.Background(), nil); err != nil {
		t.Errorf("Apply(nil)=%v, want nil", err)
	}
}

func TestApplyCancelled(t *testing.T) {
	db := MustOpenDB(t)
	sess := MustOpenSession(t, db)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := db.Apply(ctx, []tribune.Change{putQ(question(sess.ID, 1, "x"))}); err == nil {
		t.Error("Apply with a cancelled context returned nil")
	}
	if st := MustLoad(t, db, sess.ID); len(st.Questions) != 0 {
		t.Errorf("Questions=%d, want 0", len(st.Questions))
	}
}

func TestLoadSessionNotFound(t *testing.T) {
	db := MustOpenDB(t)
	_, err := db.LoadSession(context.Background(), 7)
	if code := tribune.ErrorCode(err); code != tribune.ENOTFOUND {
		t.Errorf("ErrorCode=%q, want %q (err %v)", code, tribune.ENOTFOUND, err)
	}
}

func TestOpenSession(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "tribune.db")
	db := MustOpenPath(t, path)
	open := func(channel, title string, now time.Time) tribune.Session {
		t.Helper()
		s, err := db.OpenSession(ctx, channel, title, now)
		if err != nil {
			t.Fatalf("OpenSession(%q, %q): %v", channel, title, err)
		}
		return s
	}

	// None open: a new session titled with its start time.
	first := open("chan", "", t0)
	want := tribune.Session{ID: 1, Channel: "chan", Title: "2026-11-23 14:05", Started: t0}
	if first != want {
		t.Errorf("first session=%+v, want %+v", first, want)
	}
	// The default title uses now's location: the host's wall clock.
	tz := time.FixedZone("X", 2*3600)
	if other := open("tz", "", t0.In(tz)); other.Title != "2026-11-23 16:05" || other.Started != t0 {
		t.Errorf("session started in another zone: Title=%q Started=%v, want 2026-11-23 16:05 and %v", other.Title, other.Started, t0)
	}
	// No title, or the same title: the open session continues.
	if s := open("chan", "", at(time.Hour)); s != first {
		t.Errorf("without a title: %+v, want the open session %+v", s, first)
	}
	if s := open("chan", first.Title, at(time.Hour)); s != first {
		t.Errorf("with the same title: %+v, want the open session %+v", s, first)
	}
	// A new title ends the open session and starts another.
	second := open("chan", "Town hall", at(2*time.Hour))
	if second.ID == first.ID || second.Title != "Town hall" || second.Started != at(2*time.Hour) || !second.Ended.IsZero() {
		t.Errorf("with a new title: %+v, want a new open session titled Town hall", second)
	}
	// Channels are independent.
	third := open("elsewhere", "Town hall", at(3*time.Hour))
	if third.ID == second.ID {
		t.Errorf("another channel got session %d of chan", third.ID)
	}
	if s := open("chan", "", at(4*time.Hour)); s != second {
		t.Errorf("chan after another channel opened: %+v, want %+v", s, second)
	}

	sessions, err := db.Sessions(ctx)
	if err != nil {
		t.Fatalf("Sessions: %v", err)
	}
	wantFirst := first
	wantFirst.Ended = at(2 * time.Hour)
	if len(sessions) != 4 {
		t.Fatalf("Sessions=%d, want 4: %+v", len(sessions), sessions)
	}
	if sessions[0] != wantFirst || sessions[2] != second || sessions[3] != third {
		t.Errorf("Sessions=%+v, want first ended at %v, then tz, second and third open", sessions, wantFirst.Ended)
	}
	if st := MustLoad(t, db, first.ID); st.Session != wantFirst {
		t.Errorf("LoadSession(first).Session=%+v, want %+v", st.Session, wantFirst)
	}

	// A restart continues the open session.
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	db = MustOpenPath(t, path)
	if s := open("chan", "", at(5*time.Hour)); s != second {
		t.Errorf("after reopening: %+v, want %+v", s, second)
	}
}

func TestSettings(t *testing.T) {
	ctx := context.Background()
	db := MustOpenDB(t)
	if v, ok, err := db.Setting(ctx, "api_token"); err != nil || ok || v != "" {
		t.Errorf("Setting of an unset key = %q, %v, %v; want \"\", false, nil", v, ok, err)
	}
	for _, v := range []string{"first", "", "second"} {
		if err := db.PutSetting(ctx, "api_token", v); err != nil {
			t.Fatalf("PutSetting: %v", err)
		}
		if got, ok, err := db.Setting(ctx, "api_token"); err != nil || !ok || got != v {
			t.Errorf("Setting = %q, %v, %v; want %q, true, nil", got, ok, err, v)
		}
	}
}

func TestBansPerChannel(t *testing.T) {
	db := MustOpenDB(t)
	a := tribune.Ban{Channel: "a", Source: tribune.SourceTwitch, Login: "troll", By: "m", Created: t0}
	b := tribune.Ban{Channel: "b", Source: tribune.SourceTwitch, Login: "troll", By: "n", Created: at(time.Second)}
	MustApply(t, db, putB(a), putB(b))
	for _, tt := range []struct {
		channel string
		want    []tribune.Ban
	}{{"a", []tribune.Ban{a}}, {"b", []tribune.Ban{b}}, {"c", nil}} {
		got, err := db.Bans(context.Background(), tt.channel)
		if err != nil {
			t.Fatalf("Bans(%s): %v", tt.channel, err)
		}
		if !reflect.DeepEqual(got, tt.want) {
			t.Errorf("Bans(%s)=%+v, want %+v", tt.channel, got, tt.want)
		}
	}
}

// TestConcurrentUse writes from several goroutines while others read; run
// with -race. Every write must succeed (no SQLITE_BUSY between the pool's
// own connections) and readers must never see a half-applied batch.
func TestConcurrentUse(t *testing.T) {
	ctx := context.Background()
	db := MustOpenDB(t)
	sess := MustOpenSession(t, db)
	const writers, batches = 4, 25
	var wg sync.WaitGroup
	errs := make(chan error, writers*batches+64)
	for w := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range batches {
				id := w*batches + i + 1
				q := question(sess.ID, id, "q")
				// A question and its vote in one batch: readers must see both or neither.
				if err := db.Apply(ctx, []tribune.Change{putQ(q), putV(tribune.Vote{SessionID: sess.ID, QuestionID: id, Source: tribune.SourceTwitch, VoterID: "v", Created: t0})}); err != nil {
					errs <- err
				}
			}
		}()
	}
	stop := make(chan struct{})
	var rg sync.WaitGroup
	for range 2 {
		rg.Add(1)
		go func() {
			defer rg.Done()
			for {
				select {
				case <-stop:
					return
				default:
				}
				st, err := db.LoadSession(ctx, sess.ID)
				if err != nil {
					errs <- err
					return
				}
				if len(st.Questions) != len(st.Votes) {
					errs <- fmt.Errorf("reader saw %d questions and %d votes", len(st.Questions), len(st.Votes))
					return
				}
			}
		}()
	}
	wg.Wait()
	close(stop)
	rg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if st := MustLoad(t, db, sess.ID); len(st.Questions) != writers*batches {
		t.Errorf("Questions=%d, want %d", len(st.Questions), writers*batches)
	}
}

func TestNotOpen(t *testing.T) {
	db := store.NewDB(filepath.Join(t.TempDir(), "x.db"))
	if err := db.Apply(context.Background(), []tribune.Change{putQ(question(1, 1, "x"))}); err == nil {
		t.Error("Apply on a DB that is not open returned nil")
	}
	if err := db.Close(); err != nil {
		t.Errorf("Close of a DB that is not open: %v", err)
	}
}

// TestLoadSessionConnections loads a session read on two connections at
// once (the default pool) and on a pool of one: every question, in id
// order, with its votes, either way.
func TestLoadSessionConnections(t *testing.T) {
	for _, tc := range []struct {
		name  string
		conns int
	}{{"Pool4", 4}, {"Pool1", 1}} {
		t.Run(tc.name, func(t *testing.T) {
			db := MustOpenPool(t, tc.conns)
			ctx := context.Background()
			sess := MustOpenSession(t, db)
			const n = 1000
			var changes []tribune.Change
			for id := 1; id <= n; id++ {
				q := question(sess.ID, id, fmt.Sprintf("question %d", id))
				changes = append(changes, putQ(q), putV(tribune.Vote{SessionID: sess.ID, QuestionID: id, Source: tribune.SourceTwitch, VoterID: q.AuthorID, Created: q.Created}))
			}
			if err := db.Apply(ctx, changes); err != nil {
				t.Fatalf("Apply: %v", err)
			}
			st := MustLoad(t, db, sess.ID)
			if len(st.Questions) != n || len(st.Votes) != n {
				t.Fatalf("Questions=%d Votes=%d, want %d", len(st.Questions), len(st.Votes), n)
			}
			for i, q := range st.Questions {
				if want := question(sess.ID, i+1, fmt.Sprintf("question %d", i+1)); q != want {
					t.Fatalf("Questions[%d]=%+v, want %+v", i, q, want)
				}
			}
		})
	}
}
