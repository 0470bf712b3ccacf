package tribunetest

// The tribune binary, for the tests that run the program as users start
// it: `tribune serve` as a child process, `tribune tui` in a terminal.

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

var build struct {
	once sync.Once
	dir  string
	path string
	err  error
}

// BuildTribune builds cmd/tribune once per test binary and returns the
// executable's path. Its directory is one every user may read and
// traverse, since a test may run it as another user (nobody); the test
// binary's TestMain removes it with RemoveBuilds.
func BuildTribune(tb testing.TB) string {
	tb.Helper()
	build.once.Do(func() {
		if build.dir, build.err = os.MkdirTemp("", "tribune-bin-"); build.err != nil {
			return
		}
		if build.err = os.Chmod(build.dir, 0o755); build.err != nil {
			return
		}
		build.path = filepath.Join(build.dir, "tribune")
		out, err := exec.Command("go", "build", "-o", build.path, "github.com/tribune-live/tribune/cmd/tribune").CombinedOutput()
		if err != nil {
			build.err = fmt.Errorf("go build ./cmd/tribune: %v\n%s", err, out)
		}
	})
	if build.err != nil {
		tb.Fatal(build.err)
	}
	return build.path
}

// RemoveBuilds removes what BuildTribune built; TestMain calls it after
// the tests ran.
func RemoveBuilds() {
	if build.dir != "" {
		os.RemoveAll(build.dir)
	}
}

// ChildEnv is the test's environment for a child process, plus env:
// without the TRIBUNE_ variables, which must not configure the child, nor
// NO_COLOR, so that a console looks as it does for a host.
func ChildEnv(env ...string) []string {
	var out []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "TRIBUNE_") && !strings.HasPrefix(kv, "NO_COLOR=") {
			out = append(out, kv)
		}
	}
	return append(out, env...)
}
