package main

// Storage safety, from the outside: what a careless operator does to a
// meeting (a busy port, a second tribune on the same file, a mistyped
// --db) changes nothing.

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/tribune-live/tribune/internal/tribunetest"
	"github.com/tribune-live/tribune/internal/twitchfake"
)

// runTribune runs the built binary with args and returns its combined
// output and error, within 30 s.
func runTribune(t *testing.T, env []string, args ...string) (string, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, tribunetest.BuildTribune(t), args...)
	cmd.Env = tribunetest.ChildEnv(append([]string{"TRIBUNE_API_TOKEN=" + testToken}, env...)...)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	return out.String(), err
}

// TestFailedStartChangesNothing: a `--session NAME` start that fails on a
// busy port leaves the running meeting's session open with its queue.
func TestFailedStartChangesNothing(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "tribune.db")
	chat := tribunetest.StartTwitch(t)
	srv := startServe(t, serveOpts{db: db, chat: chat, auth: true, args: []string{"--session", "Town hall", "--premoderate=false"}})
	ctx := tribunetest.Context(t, 30*time.Second)
	chat.Say(testChannel, twitchfake.User{Login: "ann", ID: "1001"}, "!q Will the tram reach the north?")
	if _, err := chat.WaitReply(ctx, func(text string) bool { return strings.Contains(text, "@ann #1") }); err != nil {
		t.Fatalf("no reply: %v\n%s", err, srv.log)
	}
	srv.stop()

	busy := tribunetest.Listen(t)
	out, err := runTribune(t, nil, "serve", "--channel", testChannel, "--db", db, "--listen", busy.Addr().String(),
		"--irc", chat.Addr(), "--irc-tls=false", "--session", "Another meeting")
	if err == nil || !strings.Contains(out, busy.Addr().String()) {
		t.Fatalf("serve on a busy port: err=%v, output:\n%s\nwant a failure naming the address", err, out)
	}

	srv = startServe(t, serveOpts{db: db, chat: chat})
	api := srv.api()
	sess, err := api.Session(ctx)
	if err != nil {
		t.Fatal(err)
	}
	qs, err := api.Questions(ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	if sess.Title != "Town hall" || len(qs) != 1 {
		t.Errorf("after the failed start: session %q with %d questions, want \"Town hall\" with 1", sess.Title, len(qs))
	}
}

// TestOneProcessOwnsTheDatabase: a second tribune on the same file
// refuses to start, naming the first, and changes nothing.
func TestOneProcessOwnsTheDatabase(t *testing.T) {
	db := filepath.Join(t.TempDir(), "tribune.db")
	chat := tribunetest.StartTwitch(t)
	first := startServe(t, serveOpts{db: db, chat: chat, args: []string{"--session", "First"}})
	out, err := runTribune(t, nil, "serve", "--channel", testChannel, "--db", db, "--listen", "127.0.0.1:0",
		"--irc", chat.Addr(), "--irc-tls=false", "--session", "Second")
	pid := first.cmd.Process.Pid
	if err == nil || !strings.Contains(out, "pid "+strconv.Itoa(pid)) {
		t.Fatalf("second serve: err=%v, output:\n%s\nwant a refusal naming pid %d", err, out, pid)
	}
	sess, err := first.api().Session(tribunetest.Context(t, 10*time.Second))
	if err != nil || sess.Title != "First" {
		t.Errorf("the first meeting's session is %q (%v), want First", sess.Title, err)
	}
	// Readers still work while the meeting runs.
	if out, err := runTribune(t, nil, "export", "--db", db, "--format", "json"); err != nil {
		t.Errorf("export while a meeting runs: %v\n%s", err, out)
	}
}

// TestDatabaseFilesArePrivate: the database, its WAL and shared memory
// hold the API token and viewers' data: only their owner may read them.
func TestDatabaseFilesArePrivate(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "tribune.db")
	chat := tribunetest.StartTwitch(t)
	srv := startServe(t, serveOpts{db: db, chat: chat, auth: true, args: []string{"--premoderate=false"}})
	chat.Say(testChannel, twitchfake.User{Login: "ann", ID: "1001"}, "!q Private files?")
	if _, err := chat.WaitReply(tribunetest.Context(t, 30*time.Second), func(text string) bool { return strings.Contains(text, "@ann #1") }); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"tribune.db", "tribune.db-wal", "tribune.db-shm"} {
		fi, err := os.Stat(filepath.Join(dir, name))
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		if mode := fi.Mode().Perm(); mode&0o077 != 0 {
			t.Errorf("%s is %04o, want no access for group and others", name, mode)
		}
	}
	srv.stop()
}

// TestReadersNeverCreateADatabase: export, report, token and a local
// console on a mistyped --db fail clearly and create nothing.
func TestReadersNeverCreateADatabase(t *testing.T) {
	dir := t.TempDir()
	for _, args := range [][]string{
		{"export", "--format", "json"},
		{"export", "--format", "csv"},
		{"report", "--out", filepath.Join(dir, "r.html")},
		{"token"},
	} {
		t.Run(args[0], func(t *testing.T) {
			db := filepath.Join(dir, "mistyped-"+args[0]+".db")
			out, err := runTribune(t, []string{"TRIBUNE_API_TOKEN="}, append(args, "--db", db)...)
			if err == nil || !strings.Contains(out, db) {
				t.Errorf("%s on a missing database: err=%v, output %q; want a failure naming %s", args[0], err, out, db)
			}
			entries, _ := os.ReadDir(dir)
			for _, e := range entries {
				if strings.HasPrefix(e.Name(), "mistyped-") {
					t.Errorf("%s created %s", args[0], e.Name())
				}
			}
		})
	}
}
