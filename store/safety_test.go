package store_test

import (
	"bufio"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	tribune "github.com/tribune-live/tribune"
	"github.com/tribune-live/tribune/store"
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// ownerChildEnv names the database file a re-executed test binary tries to
// own (TestOwner).
const ownerChildEnv = "TRIBUNE_STORE_OWNER_CHILD"

// ownerChild tries to own the database at path. It prints "owner PID" and
// holds the database until its standard input ends (or it is killed), or
// prints "refused PID: ERROR" with the pid the refusal names.
func ownerChild(path string) {
	ctx := context.Background()
	db := store.NewDB(path)
	db.Owner = true
	if err := db.Open(); err != nil {
		var inUse *store.InUseError
		if errors.As(err, &inUse) {
			fmt.Printf("refused %d: %v\n", inUse.PID, err)
			return
		}
		fmt.Println("error:", err)
		os.Exit(3)
	}
	sess, err := db.OpenSession(ctx, "chan", "", time.Now())
	if err == nil {
		err = db.Apply(ctx, []tribune.Change{putQ(question(sess.ID, 1, "asked while owned"))})
	}
	if err != nil {
		fmt.Println("error:", err)
		os.Exit(3)
	}
	fmt.Println("owner", os.Getpid())
	io.Copy(io.Discard, os.Stdin)
	if err := db.Close(); err != nil {
		fmt.Println("error:", err)
		os.Exit(3)
	}
	fmt.Println("closed")
}

// child is a re-executed test binary and the lines it prints.
type child struct {
	cmd   *exec.Cmd
	stdin io.WriteCloser
	lines chan string
}

func startOwnerChild(t *testing.T, path string) *child {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestOwner$", "-test.count=1")
	cmd.Env = append(os.Environ(), ownerChildEnv+"="+path)
	cmd.Stderr = os.Stderr
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	c := &child{cmd: cmd, stdin: stdin, lines: make(chan string, 16)}
	go func() {
		defer close(c.lines)
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			c.lines <- sc.Text()
		}
	}()
	t.Cleanup(func() {
		c.cmd.Process.Kill()
		c.cmd.Wait()
	})
	return c
}

// line returns the next line the child prints that starts with one of
// prefixes, skipping the test framework's.
func (c *child) line(t *testing.T, prefixes ...string) string {
	t.Helper()
	timeout := time.After(30 * time.Second)
	for {
		select {
		case l, ok := <-c.lines:
			if !ok {
				t.Fatalf("child exited without printing %q", prefixes)
			}
			for _, p := range prefixes {
				if strings.HasPrefix(l, p) {
					return l
				}
			}
			if strings.HasPrefix(l, "error:") {
				t.Fatalf("child: %s", l)
			}
		case <-timeout:
			t.Fatalf("child printed no %q in 30 s", prefixes)
		}
	}
}

// TestOwner runs owners in two real processes: while one owns the
// database, another's Open is refused with the owner's pid, before it
// changes anything, and readers still open and read the file; once the
// owner is killed with SIGKILL, the kernel lock is gone, and a new owner
// takes the file although the lock file is still there.
func TestOwner(t *testing.T) {
	if path := os.Getenv(ownerChildEnv); path != "" {
		ownerChild(path)
		return
	}
	ctx := context.Background()
	dir := t.TempDir()
	path := filepath.Join(dir, "tribune.db")

	a := startOwnerChild(t, path)
	pidLine := a.line(t, "owner ")
	if pidLine != fmt.Sprint("owner ", a.cmd.Process.Pid) {
		t.Fatalf("child printed %q, want owner %d", pidLine, a.cmd.Process.Pid)
	}

	t.Run("SecondOwnerRefused", func(t *testing.T) {
		before := snapshotDir(t, dir)
		db := store.NewDB(path)
		db.Owner = true
		err := db.Open()
		if err == nil {
			db.Close()
			t.Fatal("a second owner's Open returned nil")
		}
		var inUse *store.InUseError
		if !errors.As(err, &inUse) {
			t.Fatalf("Open error %v is not an *InUseError", err)
		}
		if inUse.PID != a.cmd.Process.Pid || inUse.Path != path {
			t.Errorf("InUseError names pid %d of %s, want %d of %s", inUse.PID, inUse.Path, a.cmd.Process.Pid, path)
		}
		if !strings.Contains(inUse.Command, "-test.run=^TestOwner$") {
			t.Errorf("InUseError.Command=%q, want the child's command line", inUse.Command)
		}
		if d := time.Since(inUse.Since); d < 0 || d > time.Minute {
			t.Errorf("InUseError.Since=%v, want when the child started owning", inUse.Since)
		}
		if want := fmt.Sprintf("is in use by another process: pid %d (", a.cmd.Process.Pid); !strings.Contains(err.Error(), want) {
			t.Errorf("Open error %q does not say %q", err, want)
		}
		if err := db.Close(); err != nil {
			t.Errorf("Close after a refused Open: %v", err)
		}
		if after := snapshotDir(t, dir); !equalSnapshots(before, after) {
			t.Errorf("the refused Open changed files: before %v, after %v", names(before), names(after))
		}
	})

	t.Run("ReadersWhileOwned", func(t *testing.T) {
		for _, ro := range []bool{false, true} {
			db := store.NewDB(path)
			db.MustExist, db.ReadOnly = true, ro
			if err := db.Open(); err != nil {
				t.Fatalf("reader (ReadOnly %v) Open while owned: %v", ro, err)
			}
			ss, err := db.Sessions(ctx)
			if err != nil || len(ss) != 1 {
				t.Fatalf("reader Sessions = %+v, %v; want the owner's session", ss, err)
			}
			if st := MustLoad(t, db, ss[0].ID); len(st.Questions) != 1 || st.Questions[0].Text != "asked while owned" {
				t.Errorf("reader read %+v, want the owner's question", st.Questions)
			}
			if err := db.Close(); err != nil {
				t.Fatal(err)
			}
		}
	})

	// kill -9: no Close, no chance to tidy up.
	if err := a.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	a.cmd.Wait()
	if _, err := os.Stat(path + ".lock"); err != nil {
		t.Fatalf("the killed owner's lock file: %v; the test wants it left behind", err)
	}

	db := store.NewDB(path)
	db.Owner = true
	if err := db.Open(); err != nil {
		t.Fatalf("Open after the owner was killed: %v", err)
	}
	t.Cleanup(func() { db.Close() })
	ss, err := db.Sessions(ctx)
	if err != nil || len(ss) != 1 {
		t.Fatalf("Sessions=%+v, %v after the owner was killed", ss, err)
	}
	if st := MustLoad(t, db, ss[0].ID); len(st.Questions) != 1 {
		t.Errorf("Questions=%d after the owner was killed, want 1", len(st.Questions))
	}

	// This process owns it now: another process is refused, named by
	// this process's pid.
	b := startOwnerChild(t, path)
	if l, want := b.line(t, "refused ", "owner "), fmt.Sprintf("refused %d:", os.Getpid()); !strings.HasPrefix(l, want) {
		t.Errorf("second process printed %q, want %q…", l, want)
	}

	// Once closed, it is anyone's.
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	c := startOwnerChild(t, path)
	c.line(t, "owner ")
	c.stdin.Close()
	c.line(t, "closed")
}

// TestOwnerSameProcess: ownership holds between two DBs of one process,
// and ends with Close.
func TestOwnerSameProcess(t *testing.T) {
	path := filepath.Join(t.TempDir(), "tribune.db")
	first := store.NewDB(path)
	first.Owner = true
	if err := first.Open(); err != nil {
		t.Fatal(err)
	}
	second := store.NewDB(path)
	second.Owner = true
	var inUse *store.InUseError
	if err := second.Open(); !errors.As(err, &inUse) || inUse.PID != os.Getpid() {
		second.Close()
		t.Fatalf("second Open: %v, want an *InUseError naming pid %d", err, os.Getpid())
	}
	if err := first.Close(); err != nil {
		t.Fatal(err)
	}
	if err := second.Open(); err != nil {
		t.Fatalf("Open after the owner closed: %v", err)
	}
	if err := second.Close(); err != nil {
		t.Fatal(err)
	}
}

// TestMustExist: with MustExist, a missing database is a clear error and
// no file appears: no database, no -wal, -shm or lock file.
func TestMustExist(t *testing.T) {
	for _, tc := range []struct {
		name            string
		readOnly, owner bool
	}{{"ReadWrite", false, false}, {"ReadOnly", true, false}, {"Owner", false, true}} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, "tribune.db")
			db := store.NewDB(path)
			db.MustExist, db.ReadOnly, db.Owner = true, tc.readOnly, tc.owner
			err := db.Open()
			if err == nil {
				db.Close()
				t.Fatal("Open of a missing database returned nil")
			}
			if want := "store: no database at " + path; err.Error() != want+": "+fs.ErrNotExist.Error() {
				t.Errorf("Open error %q, want %q", err, want)
			}
			if !errors.Is(err, fs.ErrNotExist) {
				t.Errorf("Open error %v is not fs.ErrNotExist", err)
			}
			if entries, _ := os.ReadDir(dir); len(entries) != 0 {
				t.Errorf("Open of a missing database left %v", entries)
			}
		})
	}
	t.Run("Exists", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "tribune.db")
		db := MustOpenPath(t, path)
		MustOpenSession(t, db)
		reader := store.NewDB(path)
		reader.MustExist = true
		if err := reader.Open(); err != nil {
			t.Fatalf("Open of an existing database with MustExist: %v", err)
		}
		defer reader.Close()
		if ss, err := reader.Sessions(context.Background()); err != nil || len(ss) != 1 {
			t.Errorf("Sessions=%+v, %v; want one", ss, err)
		}
	})
}

// TestFileModes: the database, its -wal and -shm and the lock file are
// created 0600 whatever the umask. The umask is the process's: no test of
// this package runs in parallel.
func TestFileModes(t *testing.T) {
	for _, umask := range []int{0, 0o022, 0o277} {
		t.Run(fmt.Sprintf("Umask%03o", umask), func(t *testing.T) {
			old := syscall.Umask(umask)
			defer syscall.Umask(old)
			path := filepath.Join(t.TempDir(), "tribune.db")
			db := store.NewDB(path)
			db.Owner = true
			if err := db.Open(); err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			if err := db.PutSetting(context.Background(), "api_token", "secret"); err != nil {
				t.Fatal(err)
			}
			for _, p := range []string{path, path + "-wal", path + "-shm", path + ".lock"} {
				fi, err := os.Stat(p)
				if err != nil {
					t.Errorf("%s: %v", filepath.Base(p), err)
					continue
				}
				if mode := fi.Mode().Perm(); mode != 0o600 {
					t.Errorf("%s mode %03o, want 600", filepath.Base(p), mode)
				}
			}
		})
	}
}

// wantUnavailable checks that err is the store's refusal to write: code
// EUNAVAILABLE, reason storage, message msg, with the SQLite error of
// primary code sqliteCode still in its chain.
func wantUnavailable(t *testing.T, what string, err error, msg string, sqliteCode int) {
	t.Helper()
	if err == nil {
		t.Errorf("%s returned nil, want %q", what, msg)
		return
	}
	if code, reason, m := tribune.ErrorCode(err), tribune.ErrorReason(err), tribune.ErrorMessage(err); code != tribune.EUNAVAILABLE || reason != tribune.ReasonStorage || m != msg {
		t.Errorf("%s: code %q, reason %q, message %q; want %q, %q, %q (err %v)", what, code, reason, m, tribune.EUNAVAILABLE, tribune.ReasonStorage, msg, err)
	}
	var serr *sqlite.Error
	if !errors.As(err, &serr) || serr.Code()&0xff != sqliteCode {
		t.Errorf("%s: %v does not hold the SQLite error %d", what, err, sqliteCode)
	}
	if !strings.HasPrefix(err.Error(), "store: ") {
		t.Errorf("%s: error %q lacks its context", what, err)
	}
}

// TestUnavailableReadOnly: every write to a database opened ReadOnly is
// refused as "read-only".
func TestUnavailableReadOnly(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "tribune.db")
	db := MustOpenPath(t, path)
	sess := MustOpenSession(t, db)
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	ro := store.NewDB(path)
	ro.ReadOnly = true
	if err := ro.Open(); err != nil {
		t.Fatal(err)
	}
	defer ro.Close()
	wantUnavailable(t, "Apply", ro.Apply(ctx, []tribune.Change{putQ(question(sess.ID, 1, "refused"))}), "read-only", sqlite3.SQLITE_READONLY)
	wantUnavailable(t, "PutSetting", ro.PutSetting(ctx, "k", "v"), "read-only", sqlite3.SQLITE_READONLY)
	_, err := ro.OpenSession(ctx, "chan", "a new title", t0)
	wantUnavailable(t, "OpenSession", err, "read-only", sqlite3.SQLITE_READONLY)
	// A refusal that is not storage's stays what it was.
	err = ro.Apply(ctx, []tribune.Change{{Kind: 0}})
	if code := tribune.ErrorCode(err); code != tribune.EINTERNAL {
		t.Errorf("Apply of an unknown change: code %q, want %q (err %v)", code, tribune.EINTERNAL, err)
	}
}

// TestUnavailableCorrupted overwrites the root page of the questions table
// in a closed file: the file still opens, and a write that meets the page
// is refused as "corrupted".
func TestUnavailableCorrupted(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "tribune.db")
	db := MustOpenPath(t, path)
	sess := MustOpenSession(t, db)
	MustApply(t, db, putQ(question(sess.ID, 1, "before")))
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(path + "-wal"); err == nil {
		t.Fatal("Close left a -wal file: the pages are not all in the database file")
	}
	page, err := strconv.Atoi(rawQuery(t, path, `SELECT rootpage FROM sqlite_schema WHERE name = 'questions'`))
	if err != nil {
		t.Fatal(err)
	}
	size, err := strconv.Atoi(rawPragma(t, path, "page_size"))
	if err != nil {
		t.Fatal(err)
	}
	f, err := os.OpenFile(path, os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	junk := make([]byte, size)
	for i := range junk {
		junk[i] = 0xA5
	}
	if _, err := f.WriteAt(junk, int64(page-1)*int64(size)); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}

	db = MustOpenPath(t, path)
	err = db.Apply(ctx, []tribune.Change{putQ(question(sess.ID, 2, "after"))})
	wantUnavailable(t, "Apply on a corrupted page", err, "corrupted", sqlite3.SQLITE_CORRUPT)
}

// rawQuery returns the single value query returns, read with a plain
// connection, outside the store.
func rawQuery(t *testing.T, path, query string) string {
	t.Helper()
	raw, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	var v string
	if err := raw.QueryRow(query).Scan(&v); err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	return v
}
