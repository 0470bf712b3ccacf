package store

import (
	"context"
	"database/sql"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	tribune "github.com/tribune-live/tribune"
)

// withMigrations runs the test with extra migrations appended to the
// shipped ones. Tests that call it must not run in parallel.
func withMigrations(t *testing.T, extra ...string) {
	t.Helper()
	orig := migrations
	migrations = append(append([]string(nil), orig...), extra...)
	t.Cleanup(func() { migrations = orig })
}

func fileVersion(t *testing.T, path string) int {
	t.Helper()
	db := NewDB(path)
	db.ReadOnly = true
	// A read-only open refuses files of another version; read it directly.
	dsn, err := db.dsn(true, false)
	if err != nil {
		t.Fatal(err)
	}
	if err := db.openPoolOnly(dsn); err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	v, err := db.version(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// TestMigrateUpgrade opens a file of the shipped schema with a binary that
// knows one more migration: the file moves to the new version, its data
// intact.
func TestMigrateUpgrade(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "tribune.db")
	db := NewDB(path)
	if err := db.Open(); err != nil {
		t.Fatal(err)
	}
	s, err := db.OpenSession(ctx, "chan", "", time.Unix(0, 0))
	if err != nil {
		t.Fatal(err)
	}
	q := tribune.Question{ID: 1, SessionID: s.ID, Text: "kept", Created: time.Unix(1, 0).UTC(), Status: tribune.StatusApproved}
	if err := db.Apply(ctx, []tribune.Change{{Kind: tribune.PutQuestion, Question: q}}); err != nil {
		t.Fatal(err)
	}
	db.Close()

	withMigrations(t, `ALTER TABLE questions ADD COLUMN lang TEXT NOT NULL DEFAULT ''`)
	db = NewDB(path)
	if err := db.Open(); err != nil {
		t.Fatalf("Open with a new migration: %v", err)
	}
	defer db.Close()
	if v, _ := db.version(ctx); v != SchemaVersion+1 {
		t.Errorf("version=%d, want %d", v, SchemaVersion+1)
	}
	st, err := db.LoadSession(ctx, s.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(st.Questions) != 1 || st.Questions[0] != q {
		t.Errorf("Questions=%+v, want [%+v]", st.Questions, q)
	}
}

// TestMigrateFailure: a migration that fails leaves the file at the last
// version that completed, with nothing of the failed migration in it.
func TestMigrateFailure(t *testing.T) {
	path := filepath.Join(t.TempDir(), "tribune.db")
	withMigrations(t,
		`CREATE TABLE extra (x INTEGER)`,
		`CREATE TABLE half (x INTEGER); INSERT INTO missing VALUES (1)`,
	)
	db := NewDB(path)
	err := db.Open()
	if err == nil {
		db.Close()
		t.Fatal("Open with a failing migration returned nil")
	}
	failed := SchemaVersion + 2 // the second of the test's migrations
	if !strings.Contains(err.Error(), fmt.Sprintf("migrate %d", failed)) {
		t.Errorf("error %q does not name migration %d", err, failed)
	}
	if v := fileVersion(t, path); v != failed-1 {
		t.Errorf("version=%d after migration %d failed, want %d", v, failed, failed-1)
	}
	db = NewDB(path)
	if err := db.openPoolOnly("file:" + path); err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var n int
	if err := db.db.QueryRow(`SELECT count(*) FROM sqlite_schema WHERE name = 'half'`).Scan(&n); err != nil || n != 0 {
		t.Errorf("table of the failed migration: count=%d, err=%v; want 0", n, err)
	}
}

// openPoolOnly opens the pool on dsn without checking or migrating.
func (db *DB) openPoolOnly(dsn string) error {
	sdb, err := sql.Open("sqlite", dsn)
	if err != nil {
		return err
	}
	db.db = sdb
	return nil
}
