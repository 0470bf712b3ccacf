package tribunetest

// Another user, for the tests of storage that the operating system does
// not let the process write: file modes do not stop root, so the test
// runs the program as nobody on files root owns.

import (
	"os"
	"os/user"
	"strconv"
	"testing"
)

// Nobody returns the user and group ids of the user nobody, for a child
// process run as them; it skips the test unless it runs as root on a
// system that has that user.
func Nobody(tb testing.TB) (uid, gid uint32) {
	tb.Helper()
	if os.Geteuid() != 0 {
		tb.Skip("needs root to run a child as another user")
	}
	nobody, err := user.Lookup("nobody")
	if err != nil {
		tb.Skipf("no user nobody: %v", err)
	}
	u, err := strconv.ParseUint(nobody.Uid, 10, 32)
	if err != nil {
		tb.Fatalf("uid of nobody %q: %v", nobody.Uid, err)
	}
	g, err := strconv.ParseUint(nobody.Gid, 10, 32)
	if err != nil {
		tb.Fatalf("gid of nobody %q: %v", nobody.Gid, err)
	}
	return uint32(u), uint32(g)
}

// SharedDir returns a new directory every user may read and traverse,
// removed when the test ends: t.TempDir's parents are private to root,
// and another user needs a path it can reach.
func SharedDir(tb testing.TB) string {
	tb.Helper()
	dir, err := os.MkdirTemp("", "tribune-shared-")
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { os.RemoveAll(dir) })
	if err := os.Chmod(dir, 0o755); err != nil {
		tb.Fatal(err)
	}
	return dir
}
