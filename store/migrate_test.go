package store_test

import (
	"bytes"
	"context"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	tribune "github.com/tribune-live/tribune"
	"github.com/tribune-live/tribune/store"
	_ "modernc.org/sqlite"
)

// rawPragma reads a pragma from the file with a plain connection, outside
// the store.
func rawPragma(t *testing.T, path, pragma string) string {
	t.Helper()
	return rawQuery(t, path, "PRAGMA "+pragma)
}

func rawExec(t *testing.T, path, query string) {
	t.Helper()
	raw, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	if _, err := raw.Exec(query); err != nil {
		t.Fatalf("%s: %v", query, err)
	}
}

func TestMigrateFresh(t *testing.T) {
	path := filepath.Join(t.TempDir(), "tribune.db")
	db := MustOpenPath(t, path)
	sess := MustOpenSession(t, db)
	MustApply(t, db, putQ(question(sess.ID, 1, "kept")))
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	if got, want := rawPragma(t, path, "user_version"), fmt.Sprint(store.SchemaVersion); got != want {
		t.Errorf("user_version=%s, want %s", got, want)
	}
	if got := rawPragma(t, path, "journal_mode"); got != "wal" {
		t.Errorf("journal_mode=%s, want wal", got)
	}
	// Opening an up-to-date file again migrates nothing and keeps the data.
	db = MustOpenPath(t, path)
	if st := MustLoad(t, db, sess.ID); len(st.Questions) != 1 {
		t.Errorf("Questions=%d after reopening, want 1", len(st.Questions))
	}
}

// TestMigrateNewerFile shows that a file written by a newer Tribune is
// refused with a clear error and left exactly as it was.
func TestMigrateNewerFile(t *testing.T) {
	for _, tt := range []struct {
		name     string
		readOnly bool
		journal  string // the file's journal mode when it is refused
	}{{"ReadWrite", false, "wal"}, {"ReadOnly", true, "wal"}, {"RollbackJournal", false, "delete"}} {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, "tribune.db")
			db := MustOpenPath(t, path)
			MustOpenSession(t, db)
			if err := db.Close(); err != nil {
				t.Fatal(err)
			}
			newer := store.SchemaVersion + 6
			rawExec(t, path, fmt.Sprintf("PRAGMA user_version = %d", newer))
			rawExec(t, path, "PRAGMA journal_mode = "+tt.journal)
			before := snapshotDir(t, dir)

			db = store.NewDB(path)
			db.ReadOnly = tt.readOnly
			err := db.Open()
			if err == nil {
				db.Close()
				t.Fatal("Open of a newer file returned nil")
			}
			want := fmt.Sprintf("store: %s has schema version %d, this tribune knows up to %d: upgrade tribune", path, newer, store.SchemaVersion)
			if err.Error() != want {
				t.Errorf("Open error:\n got %q\nwant %q", err, want)
			}
			if err := db.Close(); err != nil {
				t.Errorf("Close after a failed Open: %v", err)
			}
			after := snapshotDir(t, dir)
			if tt.readOnly {
				// A read-only connection cannot remove the empty -wal and
				// the -shm it opened: only the database file must be as it was.
				before, after = fileSnapshot{"tribune.db": before["tribune.db"]}, fileSnapshot{"tribune.db": after["tribune.db"]}
			}
			if !equalSnapshots(before, after) {
				t.Errorf("the refused file changed: before %v, after %v", names(before), names(after))
			}
			if got := rawPragma(t, path, "user_version"); got != fmt.Sprint(newer) {
				t.Errorf("user_version=%s, want %d", got, newer)
			}
			if got := rawPragma(t, path, "journal_mode"); got != tt.journal {
				t.Errorf("journal_mode=%s, want %s", got, tt.journal)
			}
		})
	}
}

// TestMigrateReadOnlyOldFile: a read-only open cannot migrate, so it
// refuses a file of an older schema rather than misread it.
func TestMigrateReadOnlyOldFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "old.db")
	rawExec(t, path, "CREATE TABLE t (x INTEGER)") // user_version 0
	db := store.NewDB(path)
	db.ReadOnly = true
	err := db.Open()
	if err == nil {
		db.Close()
		t.Fatal("read-only Open of an unmigrated file returned nil")
	}
	if !strings.Contains(err.Error(), "schema version 0") {
		t.Errorf("Open error %q does not name the file's version", err)
	}
}

// TestReadOnly opens an existing database with ReadOnly (SQLite's
// mode=ro, the same refusal SQLite gives for a write-protected file): reads
// work, every write returns an error, and nothing of a refused batch is
// stored.
//
// Making the file read-only with chmod proves nothing here: the tests run as
// root, whom file modes do not stop.
func TestReadOnly(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "tribune.db")
	db := MustOpenPath(t, path)
	sess := MustOpenSession(t, db)
	MustApply(t, db, putQ(question(sess.ID, 1, "before")))
	if err := db.PutSetting(ctx, "k", "v"); err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}

	ro := store.NewDB(path)
	ro.ReadOnly = true
	if err := ro.Open(); err != nil {
		t.Fatalf("read-only Open: %v", err)
	}
	t.Cleanup(func() { ro.Close() })
	if st := MustLoad(t, ro, sess.ID); len(st.Questions) != 1 || st.Questions[0].Text != "before" {
		t.Errorf("read-only LoadSession: %+v, want the stored question", st.Questions)
	}
	if v, ok, err := ro.Setting(ctx, "k"); err != nil || !ok || v != "v" {
		t.Errorf("read-only Setting = %q, %v, %v; want v, true, nil", v, ok, err)
	}
	if ss, err := ro.Sessions(ctx); err != nil || len(ss) != 1 {
		t.Errorf("read-only Sessions = %+v, %v; want 1 session", ss, err)
	}

	err := ro.Apply(ctx, []tribune.Change{
		putQ(question(sess.ID, 2, "refused")),
		putV(tribune.Vote{SessionID: sess.ID, QuestionID: 2, Source: tribune.SourceTwitch, VoterID: "v", Created: t0}),
	})
	if err == nil {
		t.Error("read-only Apply returned nil")
	} else if !strings.HasPrefix(err.Error(), "store: apply") {
		t.Errorf("read-only Apply error %q lacks context", err)
	}
	if err := ro.PutSetting(ctx, "k", "w"); err == nil {
		t.Error("read-only PutSetting returned nil")
	}
	if _, err := ro.OpenSession(ctx, "chan", "new title", t0); err == nil {
		t.Error("read-only OpenSession that must start a session returned nil")
	}
	// Continuing the open session needs no write.
	if s, err := ro.OpenSession(ctx, "chan", "", t0); err != nil || s.ID != sess.ID {
		t.Errorf("read-only OpenSession continuing = %+v, %v; want session %d", s, err, sess.ID)
	}
	if err := ro.Close(); err != nil {
		t.Fatal(err)
	}

	db = MustOpenPath(t, path)
	st := MustLoad(t, db, sess.ID)
	if len(st.Questions) != 1 || len(st.Votes) != 0 {
		t.Errorf("after refused writes: %d questions, %d votes; want 1, 0", len(st.Questions), len(st.Votes))
	}
	if v, _, _ := db.Setting(ctx, "k"); v != "v" {
		t.Errorf("Setting=%q after a refused PutSetting, want v", v)
	}
}

func TestReadOnlyMissingFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "missing.db")
	db := store.NewDB(path)
	db.ReadOnly = true
	if err := db.Open(); err == nil {
		db.Close()
		t.Fatal("read-only Open of a missing file returned nil")
	}
	if _, err := os.Stat(path); !os.IsNotExist(err) {
		t.Errorf("read-only Open created %s (stat: %v)", path, err)
	}
}

func TestOpenBadSync(t *testing.T) {
	db := store.NewDB(filepath.Join(t.TempDir(), "x.db"))
	db.Sync = "sometimes"
	if err := db.Open(); err == nil {
		db.Close()
		t.Fatal("Open with Sync=sometimes returned nil")
	}
}

func TestOpenOddPath(t *testing.T) {
	// Characters that mean something in a URI must reach SQLite as a name.
	path := filepath.Join(t.TempDir(), "a ?b#c%20&mode=ro.db")
	db := MustOpenPath(t, path)
	sess := MustOpenSession(t, db)
	MustApply(t, db, putQ(question(sess.ID, 1, "x")))
	if _, err := os.Stat(path); err != nil {
		t.Errorf("database file not at its path: %v", err)
	}
	if db.Path() != path {
		t.Errorf("Path()=%q, want %q", db.Path(), path)
	}
}

type fileSnapshot map[string][]byte

func snapshotDir(t *testing.T, dir string) fileSnapshot {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	s := fileSnapshot{}
	for _, e := range entries {
		b, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		s[e.Name()] = b
	}
	return s
}

func equalSnapshots(a, b fileSnapshot) bool {
	if len(a) != len(b) {
		return false
	}
	for name, data := range a {
		if other, ok := b[name]; !ok || !bytes.Equal(data, other) {
			return false
		}
	}
	return true
}

func names(s fileSnapshot) []string {
	var out []string
	for n, b := range s {
		out = append(out, fmt.Sprintf("%s(%d bytes)", n, len(b)))
	}
	return out
}
