package store

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"path/filepath"
	"strings"
	"testing"
	"time"

	tribune "github.com/tribune-live/tribune"
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// openFull opens a database on a pool of one connection, so that a
// connection's PRAGMA max_page_count holds for every write: SQLite then
// refuses to grow the file past it with SQLITE_FULL, as on a full disk.
func openFull(t *testing.T) *DB {
	t.Helper()
	db := NewDB(filepath.Join(t.TempDir(), "tribune.db"))
	db.MaxOpenConns = 1
	if err := db.Open(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// setMaxPages sets max_page_count: 0 is the file's current size.
func setMaxPages(t *testing.T, db *DB, n int64) {
	t.Helper()
	ctx := context.Background()
	if n == 0 {
		if err := db.db.QueryRowContext(ctx, "PRAGMA page_count").Scan(&n); err != nil {
			t.Fatal(err)
		}
	}
	var got int64
	// A pragma takes no bound parameter.
	if err := db.db.QueryRowContext(ctx, fmt.Sprintf("PRAGMA max_page_count = %d", n)).Scan(&got); err != nil {
		t.Fatal(err)
	}
	if got != n {
		t.Fatalf("max_page_count=%d, want %d", got, n)
	}
}

// bigQuestions returns n questions of 300 runes, more than a few pages.
func bigQuestions(sid int64, from, n int) []tribune.Change {
	var out []tribune.Change
	for id := from; id < from+n; id++ {
		out = append(out, tribune.Change{Kind: tribune.PutQuestion, Question: tribune.Question{
			ID: id, SessionID: sid, Text: strings.Repeat("é", 300), Author: "a", AuthorLogin: "a", AuthorID: "1",
			Source: tribune.SourceTwitch, Created: time.Unix(int64(id), 0).UTC(), Status: tribune.StatusApproved, Votes: 1,
		}})
	}
	return out
}

// TestUnavailableDiskFull: a batch that does not fit is refused as "disk
// full", none of it is stored, and the same batch goes through once there
// is room.
func TestUnavailableDiskFull(t *testing.T) {
	ctx := context.Background()
	db := openFull(t)
	sess, err := db.OpenSession(ctx, "chan", "", time.Unix(0, 0))
	if err != nil {
		t.Fatal(err)
	}
	setMaxPages(t, db, 0)
	batch := bigQuestions(sess.ID, 1, 50)
	err = db.Apply(ctx, batch)
	if code, reason, msg := tribune.ErrorCode(err), tribune.ErrorReason(err), tribune.ErrorMessage(err); code != tribune.EUNAVAILABLE || reason != tribune.ReasonStorage || msg != "disk full" {
		t.Fatalf("Apply on a full disk: code %q, reason %q, message %q; want unavailable, storage, disk full (err %v)", code, reason, msg, err)
	}
	var serr *sqlite.Error
	if !errors.As(err, &serr) || serr.Code()&0xff != sqlite3.SQLITE_FULL {
		t.Errorf("Apply error %v does not hold SQLITE_FULL", err)
	}
	if st, err := db.LoadQueue(ctx, sess.ID); err != nil || len(st.Questions) != 0 {
		t.Fatalf("after a refused batch: %d questions, %v; want none", len(st.Questions), err)
	}
	setMaxPages(t, db, 1<<30)
	if err := db.Apply(ctx, batch); err != nil {
		t.Fatalf("Apply once there is room: %v", err)
	}
}

// TestServiceHealthDiskFull: the Service refuses commands while the disk
// is full, its health says "disk full" (what /healthz shows), and it
// recovers by itself once there is room.
func TestServiceHealthDiskFull(t *testing.T) {
	ctx := context.Background()
	db := openFull(t)
	svc := tribune.NewService(db, "chan")
	svc.RateInterval = 0
	svc.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	if err := svc.Open(ctx); err != nil {
		t.Fatal(err)
	}
	defer svc.Close()
	storage := func() string {
		h, _ := svc.Health(ctx)
		return h[tribune.HealthStorage]
	}
	viewer := tribune.Actor{Login: "ann", UserID: "1", Source: tribune.SourceTwitch}
	if _, err := svc.Ask(ctx, viewer, "fits"); err != nil {
		t.Fatal(err)
	}
	if s := storage(); s != tribune.HealthOK {
		t.Fatalf("storage health %q, want ok", s)
	}
	setMaxPages(t, db, 0)
	// Questions until one does not fit in the file's last page.
	var err error
	for i := 0; i < 100 && err == nil; i++ {
		v := tribune.Actor{Login: fmt.Sprint("v", i), UserID: fmt.Sprint(i + 2), Source: tribune.SourceTwitch}
		_, err = svc.Ask(ctx, v, strings.Repeat("x", 290)+fmt.Sprintf(" %d", i))
	}
	if tribune.ErrorCode(err) != tribune.EUNAVAILABLE {
		t.Fatalf("Ask on a full disk: %v, want EUNAVAILABLE", err)
	}
	if s := storage(); s != "disk full" {
		t.Errorf("storage health %q, want disk full", s)
	}
	setMaxPages(t, db, 1<<30)
	if _, err := svc.Ask(ctx, viewer, "there is room again"); err != nil {
		t.Fatalf("Ask once there is room: %v", err)
	}
	if s := storage(); s != tribune.HealthOK {
		t.Errorf("storage health %q once there is room, want ok", s)
	}
}
