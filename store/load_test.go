package store_test

import (
	"context"
	"fmt"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	tribune "github.com/tribune-live/tribune"
)

// TestLoadSessionLarge loads sessions big enough to be read in several
// ranges of ids, on two connections and on one: every question comes back
// exactly as written and in id order, with ids that run without gaps (the
// Service's) or with gaps, with strings of every length (empty, multi-byte),
// statuses and sources the store has never heard of, counts beyond 32 bits,
// and with its votes.
func TestLoadSessionLarge(t *testing.T) {
	for _, tc := range []struct {
		name  string
		conns int
		gaps  bool
	}{
		{"Pool4", 4, false},
		{"Pool4Gaps", 4, true},
		{"Pool1", 1, false},
		{"Pool1Gaps", 1, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			db := MustOpenPool(t, tc.conns)
			ctx := context.Background()
			sess := MustOpenSession(t, db)
			const n = 9000
			var (
				changes []tribune.Change
				want    tribune.SessionState
			)
			for id := 1; id <= n; id++ {
				// With gaps, a run of missing ids as long as a range of ids
				// read at once, and every third id besides.
				if tc.gaps && (id%3 == 0 || (id > 3000 && id <= 6000)) {
					continue
				}
				q := oddQuestion(sess.ID, id)
				v := tribune.Vote{SessionID: sess.ID, QuestionID: id, Source: tribune.SourceTwitch, VoterID: q.AuthorID, Created: q.Created}
				changes = append(changes, putQ(q), putV(v))
				want.Questions = append(want.Questions, q)
				want.Votes = append(want.Votes, v)
			}
			MustApply(t, db, changes...)
			want.Session = sess
			got := MustLoad(t, db, sess.ID)
			if len(got.Questions) != len(want.Questions) || len(got.Votes) != len(want.Votes) {
				t.Fatalf("Questions=%d Votes=%d, want %d and %d", len(got.Questions), len(got.Votes), len(want.Questions), len(want.Votes))
			}
			for i := range want.Questions {
				if got.Questions[i] != want.Questions[i] {
					t.Fatalf("Questions[%d]=%+v, want %+v", i, got.Questions[i], want.Questions[i])
				}
			}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("LoadSession differs from what was written (questions alike)")
			}
			// The Service's start: the same in two parts.
			queue, err := db.LoadQueue(ctx, sess.ID)
			if err != nil {
				t.Fatal(err)
			}
			votes, err := db.LoadVotes(ctx, sess.ID)
			if err != nil {
				t.Fatal(err)
			}
			if queue.Votes != nil || !reflect.DeepEqual(votes, want.Votes) {
				t.Errorf("LoadQueue has %d votes, LoadVotes %d; want none and %d", len(queue.Votes), len(votes), len(want.Votes))
			}
			queue.Votes = want.Votes
			if !reflect.DeepEqual(queue, want) {
				t.Errorf("LoadQueue differs from LoadSession but for the votes")
			}
		})
	}
}

// oddQuestion returns a question whose fields vary with id in every way the
// store has to keep apart.
func oddQuestion(sid int64, id int) tribune.Question {
	q := question(sid, id, fmt.Sprintf("question %d ✓", id))
	switch id % 7 {
	case 0:
		q.Text, q.Author = "", ""
	case 1:
		q.Status, q.Source = tribune.StatusMerged, tribune.SourceConsole
		q.MergedInto = id - 1
	case 2:
		q.Status, q.Source = "unheard-of status", "" // kept as they are
	case 3:
		q.Votes, q.Reports = 1<<40+id, -(1 << 33)
	case 4:
		q.AuthorLogin, q.AuthorID = "", "ünïcödé"+fmt.Sprint(id)
	}
	return q
}

// TestLoadSessionOtherTimeForms reads times stored in other RFC 3339 forms
// than the store writes (by hand, or by an older Tribune): they are parsed
// all the same, as before.
func TestLoadSessionOtherTimeForms(t *testing.T) {
	path := filepath.Join(t.TempDir(), "tribune.db")
	db := MustOpenPath(t, path)
	sess := MustOpenSession(t, db)
	q := question(sess.ID, 1, "kept")
	v := tribune.Vote{SessionID: sess.ID, QuestionID: 1, Source: tribune.SourceTwitch, VoterID: "u9", Created: t0}
	MustApply(t, db, putQ(q), putV(v))
	rawExec(t, path, `UPDATE questions SET created = '2026-11-23T15:05:06.5+01:00'`)
	rawExec(t, path, `UPDATE votes SET created = '2026-11-23T14:05:06Z'`)
	q.Created = time.Date(2026, 11, 23, 14, 5, 6, 5e8, time.UTC)
	v.Created = time.Date(2026, 11, 23, 14, 5, 6, 0, time.UTC)

	st := MustLoad(t, db, sess.ID)
	if len(st.Questions) != 1 || st.Questions[0] != q {
		t.Errorf("Questions=%+v, want [%+v]", st.Questions, q)
	}
	if len(st.Votes) != 1 || st.Votes[0] != v {
		t.Errorf("Votes=%+v, want [%+v]", st.Votes, v)
	}

	rawExec(t, path, `UPDATE votes SET created = 'yesterday'`)
	if _, err := db.LoadSession(context.Background(), sess.ID); err == nil {
		t.Error("LoadSession of a vote with an unreadable time returned nil")
	}
}
