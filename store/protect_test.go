package store_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"

	tribune "github.com/tribune-live/tribune"
	"github.com/tribune-live/tribune/store"
)

// protectChildEnv names the database file a re-executed test binary opens
// as an unprivileged user.
const protectChildEnv = "TRIBUNE_STORE_PROTECT_CHILD"

// TestWriteProtected opens a database that the operating system does not
// let the process write: the test binary re-executes itself as the user
// nobody on a file owned by root, since file modes do not stop root itself.
// Open must work, as the Owner a meeting is, reads must work, and writes
// must be refused as "read-only" storage: a meeting on a read-only medium
// starts and says so.
func TestWriteProtected(t *testing.T) {
	if path := os.Getenv(protectChildEnv); path != "" {
		protectChild(path)
		return
	}
	if os.Geteuid() != 0 {
		t.Skip("needs root to run a child as another user")
	}
	nobody, err := user.Lookup("nobody")
	if err != nil {
		t.Skipf("no user nobody: %v", err)
	}
	uid, _ := strconv.Atoi(nobody.Uid)
	gid, _ := strconv.Atoi(nobody.Gid)

	for _, tt := range []struct {
		name     string
		dirMode  os.FileMode // of the directory holding the database
		lockFile bool        // a lock file nobody may only read is there
		// second is what a second owner is told: where no lock file can
		// be made, nobody can write the database either, and ownership
		// protects nothing.
		second string
	}{
		{"FileReadOnly", 0o777, false, "second owner: refused"},             // the directory lets nobody create -wal, -shm and the lock file
		{"DirectoryReadOnly", 0o755, false, "second owner: accepted"},       // read-only medium: nothing can be created
		{"DirectoryReadOnlyLockFile", 0o755, true, "second owner: refused"}, // flock needs only a read-only file
	} {
		t.Run(tt.name, func(t *testing.T) {
			// t.TempDir's parents are private to root; nobody needs a path it
			// can traverse, and a copy of the test binary it can execute.
			dir, err := os.MkdirTemp("", "tribune-protect-")
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { os.RemoveAll(dir) })
			if err := os.Chmod(dir, 0o755); err != nil {
				t.Fatal(err)
			}
			bin := filepath.Join(dir, "store.test")
			if err := copyFile(os.Args[0], bin, 0o755); err != nil {
				t.Fatal(err)
			}
			dbDir := filepath.Join(dir, "db")
			if err := os.Mkdir(dbDir, 0o755); err != nil {
				t.Fatal(err)
			}
			path := filepath.Join(dbDir, "tribune.db")
			db := MustOpenPath(t, path)
			sess := MustOpenSession(t, db)
			MustApply(t, db, putQ(question(sess.ID, 1, "stored before")))
			if err := db.Close(); err != nil {
				t.Fatal(err)
			}
			if err := os.Chmod(path, 0o444); err != nil {
				t.Fatal(err)
			}
			if tt.lockFile {
				if err := os.WriteFile(path+".lock", nil, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			if err := os.Chmod(dbDir, tt.dirMode); err != nil {
				t.Fatal(err)
			}

			cmd := exec.Command(bin, "-test.run=^TestWriteProtected$", "-test.count=1")
			cmd.Dir = dir
			cmd.Env = append(os.Environ(), protectChildEnv+"="+path, "HOME="+dir, "TMPDIR="+dir)
			cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}}
			out, err := cmd.CombinedOutput()
			t.Logf("child:\n%s", out)
			if err != nil {
				t.Fatalf("child: %v", err)
			}
			for _, want := range []string{"open: ok", "questions: 1", "apply: refused", "apply: unavailable, read-only", "setting: refused", tt.second} {
				if !strings.Contains(string(out), want) {
					t.Errorf("child output lacks %q", want)
				}
			}

			db = MustOpenPath(t, path)
			if st := MustLoad(t, db, sess.ID); len(st.Questions) != 1 {
				t.Errorf("Questions=%d after refused writes, want 1", len(st.Questions))
			}
		})
	}
}

// protectChild reports, one line each, what works on a database it cannot
// write.
func protectChild(path string) {
	ctx := context.Background()
	db := store.NewDB(path)
	db.Owner = true
	if err := db.Open(); err != nil {
		fmt.Println("open:", err)
		return
	}
	defer db.Close()
	fmt.Println("open: ok")
	second := store.NewDB(path)
	second.Owner = true
	var inUse *store.InUseError
	switch err := second.Open(); {
	case errors.As(err, &inUse):
		fmt.Println("second owner: refused:", err)
	case err == nil:
		second.Close()
		fmt.Println("second owner: accepted")
	default:
		fmt.Println("second owner:", err)
	}
	ss, err := db.Sessions(ctx)
	if err != nil || len(ss) != 1 {
		fmt.Println("sessions:", len(ss), err)
		return
	}
	st, err := db.LoadSession(ctx, ss[0].ID)
	if err != nil {
		fmt.Println("load:", err)
		return
	}
	fmt.Println("questions:", len(st.Questions))
	q := st.Questions[0]
	q.ID = 2
	err = db.Apply(ctx, []tribune.Change{{Kind: tribune.PutQuestion, Question: q}})
	if err == nil {
		fmt.Println("apply: accepted")
	} else {
		fmt.Println("apply: refused:", err)
		fmt.Printf("apply: %s, %s\n", tribune.ErrorCode(err), tribune.ErrorMessage(err))
	}
	if err := db.PutSetting(ctx, "k", "v"); err == nil {
		fmt.Println("setting: accepted")
	} else {
		fmt.Println("setting: refused:", err)
	}
}

func copyFile(from, to string, mode os.FileMode) error {
	src, err := os.Open(from)
	if err != nil {
		return err
	}
	defer src.Close()
	dst, err := os.OpenFile(to, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, mode)
	if err != nil {
		return err
	}
	if _, err := io.Copy(dst, src); err != nil {
		dst.Close()
		return err
	}
	return dst.Close()
}
