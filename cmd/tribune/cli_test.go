package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"net/http"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/tribune-live/tribune"
	"github.com/tribune-live/tribune/internal/tribunetest"
	"github.com/tribune-live/tribune/store"
)

func TestCommandLineRefusals(t *testing.T) {
	tests := []struct {
		name string
		args []string
		env  map[string]string
		want string // in the error
	}{
		{"ErrNoCommand", nil, nil, "a command or --channel is required"},
		{"ErrUnknownCommand", []string{"launch"}, nil, `unknown command "launch"`},
		{"ErrServeWithoutChannel", []string{"serve"}, nil, "--channel is required"},
		{"ErrBadLang", []string{"serve", "--channel", "x", "--lang", "de"}, nil, `--lang "de"`},
		{"ErrBadThreshold", []string{"serve", "--channel", "x", "--report-threshold", "0"}, nil, "--report-threshold 0"},
		{"ErrUnknownFlag", []string{"serve", "--chanel", "x"}, nil, "flag provided but not defined: -chanel"},
		{"ErrStrayArgument", []string{"serve", "--channel", "x", "extra"}, nil, `unexpected argument "extra"`},
		{"ErrBadEnvironment", []string{"serve"}, map[string]string{"TRIBUNE_IRC_TLS": "maybe"}, "TRIBUNE_IRC_TLS"},
		{"ErrTUIWithoutToken", []string{"tui"}, nil, "TRIBUNE_API_TOKEN"},
		{"ErrTUIBadURL", []string{"tui", "--connect", "localhost"}, map[string]string{"TRIBUNE_API_TOKEN": "x"}, "--connect"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out, errOut bytes.Buffer
			m := &Main{Stdout: &out, Stderr: &errOut, Getenv: func(k string) string { return tt.env[k] }}
			err := m.Run(context.Background(), tt.args)
			var ue usageError
			if !errors.As(err, &ue) || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("err = %v, want a usage error containing %q", err, tt.want)
			}
		})
	}
}

func TestHelpOnEveryCommand(t *testing.T) {
	for _, cmd := range []string{"demo", "serve", "tui", "export", "token"} {
		t.Run(cmd, func(t *testing.T) {
			var errOut bytes.Buffer
			m := &Main{Stdout: &bytes.Buffer{}, Stderr: &errOut, Getenv: func(string) string { return "" }}
			if err := m.Run(context.Background(), []string{cmd, "-h"}); !errors.Is(err, flag.ErrHelp) {
				t.Errorf("err = %v, want flag.ErrHelp", err)
			}
			if !strings.Contains(errOut.String(), "Usage: tribune "+cmd) {
				t.Errorf("help of %s:\n%s", cmd, errOut.String())
			}
		})
	}
}

func TestEnvironmentSetsFlags(t *testing.T) {
	var c config
	m := &Main{Stderr: &bytes.Buffer{}, Getenv: func(k string) string {
		return map[string]string{"TRIBUNE_CHANNEL": "#TownHall", "TRIBUNE_IRC_TLS": "false", "TRIBUNE_REPORT_THRESHOLD": "5", "TRIBUNE_LANG": "fr"}[k]
	}}
	fs := m.newFlagSet("serve", "tribune serve")
	c.register(fs)
	if err := m.parse(fs, []string{"--lang", "en"}); err != nil {
		t.Fatal(err)
	}
	if err := c.validate(); err != nil {
		t.Fatal(err)
	}
	if ch := c.channelList(); len(ch) != 1 || ch[0] != "townhall" || c.ircTLS || c.reportThreshold != 5 {
		t.Errorf("config = %+v, want the environment's channel, TLS off and threshold 5", c)
	}
	if c.lang != "en" {
		t.Errorf("lang=%q: a flag on the command line must win over the environment", c.lang)
	}
}

func TestTokenIsGeneratedOnceAndKept(t *testing.T) {
	db := filepath.Join(t.TempDir(), "t.db")
	// A database that a meeting made, without a token yet.
	made := store.NewDB(db)
	if err := made.Open(); err != nil {
		t.Fatal(err)
	}
	made.Close()
	token := func(env string) string {
		t.Helper()
		var out bytes.Buffer
		m := &Main{Stdout: &out, Stderr: &bytes.Buffer{}, Getenv: func(k string) string {
			if k == "TRIBUNE_API_TOKEN" {
				return env
			}
			return ""
		}}
		if err := m.Run(context.Background(), []string{"token", "--db", db}); err != nil {
			t.Fatal(err)
		}
		return strings.TrimSpace(out.String())
	}
	first := token("")
	if len(first) < 32 {
		t.Fatalf("token %q is too short to be secret", first)
	}
	if again := token(""); again != first {
		t.Errorf("second start printed %q, want the stored %q", again, first)
	}
	if env := token("from-env"); env != "from-env" {
		t.Errorf("with TRIBUNE_API_TOKEN printed %q", env)
	}
}

// TestServeShutsDownOnSIGTERM checks the graceful path: SIGTERM ends serve
// with status 0, and it says so in its log.
func TestServeShutsDownOnSIGTERM(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end: builds and runs the binary")
	}
	p := startServe(t, serveOpts{db: filepath.Join(t.TempDir(), "term.db"), irc: "127.0.0.1:1"})
	p.stop()
	if !strings.Contains(p.log.String(), "shutting down") {
		t.Errorf("log does not say it shut down:\n%s", p.log)
	}
}

// TestDemoCollectsQuestions runs `tribune demo` as a newcomer would (without
// a terminal, so without the console) and waits for simulated viewers'
// questions to show up in the control API.
func TestDemoCollectsQuestions(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end: builds and runs the binary")
	}
	addr := tribunetest.FreeAddr(t)
	cmd := exec.Command(tribunetest.BuildTribune(t), "demo", "--listen", addr)
	cmd.Env = tribunetest.ChildEnv("TRIBUNE_API_TOKEN=" + testToken)
	var log tribunetest.Buffer
	cmd.Stdout, cmd.Stderr = &log, &log
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() {
		cmd.Process.Signal(syscall.SIGTERM)
		cmd.Wait()
	}()
	// The demo runs every source: its crowds ask on both Twitch channels
	// of the co-stream, on the YouTube broadcast and on the ask page.
	want := []string{"twitch/" + demoChannel, "twitch/" + demoPartyChannel, "youtube/" + demoVideo, "web/web"}
	deadline := time.Now().Add(60 * time.Second)
	seen := map[string]bool{}
	for time.Now().Before(deadline) {
		time.Sleep(250 * time.Millisecond)
		var qs []tribune.Question
		if code := getJSON("http://"+addr+"/api/questions", &qs); code != http.StatusOK {
			continue
		}
		for _, q := range qs {
			if q.Text == "" || q.Author == "" || q.AuthorID == "" {
				t.Fatalf("demo question %+v lacks text, author or identity", q)
			}
			seen[q.Source+"/"+q.Channel] = true
		}
		all := true
		for _, w := range want {
			all = all && seen[w]
		}
		if all {
			return
		}
	}
	t.Errorf("within 60 s the demo's questions came from %v, want each of %v", seen, want)
	t.Logf("demo output:\n%s", log.String())
}
