package main

// The harness of the tests that run the real program: build it once, start
// `tribune serve` as a child process, probe it, hurt it.

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/tribune-live/tribune"
	"github.com/tribune-live/tribune/internal/tribunetest"
	"github.com/tribune-live/tribune/internal/twitchfake"
	"github.com/tribune-live/tribune/overlay"
)

const (
	testChannel = "townhall"
	testToken   = "test-api-token"
)

// TestMain removes the tribune binary the tests built once the tests ran.
func TestMain(m *testing.M) {
	code := m.Run()
	tribunetest.RemoveBuilds()
	os.Exit(code)
}

// serveOpts says how to start `tribune serve`.
type serveOpts struct {
	db  string
	irc string
	// chat, when set, is the chat server: irc is its address, and
	// startServe also waits until the bot has joined the channel.
	chat *twitchfake.Server
	addr string              // listen address; a free one when empty
	auth bool                // log in to chat, so that the bot replies
	cred *syscall.Credential // run as another user
	dir  string              // working directory and HOME
	args []string            // more flags
}

// serveProcess is one `tribune serve` running as a child process.
type serveProcess struct {
	t      *testing.T
	cmd    *exec.Cmd
	addr   string
	url    string
	log    *tribunetest.Buffer
	exited chan struct{}
}

// startServe starts `tribune serve` and waits until /healthz answers 200.
// The process is killed when the test ends, if it is still running.
func startServe(t *testing.T, o serveOpts) *serveProcess {
	t.Helper()
	if o.chat != nil {
		o.irc = o.chat.Addr()
	}
	addr := o.addr
	if addr == "" {
		addr = tribunetest.FreeAddr(t)
	}
	s := &serveProcess{t: t, addr: addr, url: "http://" + addr, log: &tribunetest.Buffer{}, exited: make(chan struct{})}
	args := append([]string{"serve", "--channel", testChannel, "--db", o.db, "--listen", addr,
		"--irc", o.irc, "--irc-tls=false"}, o.args...)
	s.cmd = exec.Command(tribunetest.BuildTribune(t), args...)
	env := []string{"TRIBUNE_API_TOKEN=" + testToken}
	if o.auth {
		env = append(env, "TRIBUNE_TWITCH_USER=tribune_bot", "TRIBUNE_TWITCH_TOKEN=oauth:test")
	}
	if o.dir != "" {
		s.cmd.Dir = o.dir
		env = append(env, "HOME="+o.dir, "TMPDIR="+o.dir)
	}
	s.cmd.Env = tribunetest.ChildEnv(env...)
	s.cmd.Stdout, s.cmd.Stderr = s.log, s.log
	if o.cred != nil {
		s.cmd.SysProcAttr = &syscall.SysProcAttr{Credential: o.cred}
	}
	if err := s.cmd.Start(); err != nil {
		t.Fatalf("start tribune serve: %v", err)
	}
	go func() { s.cmd.Wait(); close(s.exited) }()
	t.Cleanup(func() {
		s.cmd.Process.Kill()
		<-s.exited
		if t.Failed() {
			t.Logf("tribune serve output:\n%s", s.log)
		}
	})
	deadline := time.Now().Add(30 * time.Second)
	for {
		if s.healthy() {
			break
		}
		select {
		case <-s.exited:
			t.Fatalf("tribune serve exited before it was ready:\n%s", s.log)
		case <-time.After(10 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			t.Fatalf("tribune serve not healthy within 30 s:\n%s", s.log)
		}
	}
	if o.chat != nil {
		ctx, cancel := context.WithDeadline(context.Background(), deadline)
		defer cancel()
		if err := o.chat.WaitJoined(ctx, testChannel); err != nil {
			t.Fatalf("the bot did not join #%s: %v\n%s", testChannel, err, s.log)
		}
	}
	return s
}

// healthy reports whether /healthz answers 200 "ok".
func (s *serveProcess) healthy() bool {
	c := &http.Client{Timeout: 2 * time.Second}
	resp, err := c.Get(s.url + "/healthz")
	if err != nil {
		return false
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode == http.StatusOK && strings.TrimSpace(string(body)) == "ok"
}

// get returns the status and body of GET path on the server.
func (s *serveProcess) get(t testing.TB, path string) (int, string) {
	t.Helper()
	c := &http.Client{Timeout: 2 * time.Second}
	resp, err := c.Get(s.url + path)
	if err != nil {
		t.Fatalf("GET %s: %v", path, err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(body)
}

// alive reports whether the process is still running.
func (s *serveProcess) alive() bool {
	select {
	case <-s.exited:
		return false
	default:
		return true
	}
}

// kill sends SIGKILL and waits for the process to die.
func (s *serveProcess) kill() {
	s.t.Helper()
	if err := s.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		s.t.Fatalf("kill: %v", err)
	}
	<-s.exited
}

// stop sends SIGTERM and waits for a graceful exit with status 0.
func (s *serveProcess) stop() {
	s.t.Helper()
	s.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-s.exited:
	case <-time.After(20 * time.Second):
		s.t.Fatalf("tribune serve did not stop on SIGTERM:\n%s", s.log)
	}
	if code := s.cmd.ProcessState.ExitCode(); code != 0 {
		s.t.Errorf("tribune serve exit code %d after SIGTERM:\n%s", code, s.log)
	}
}

// api returns a control API client, the remote console's.
func (s *serveProcess) api() *overlay.Client {
	c := overlay.NewClient(s.url, testToken)
	s.t.Cleanup(func() { c.Close() })
	return c
}

// rss returns the process's resident set and its peak, in bytes.
func (s *serveProcess) rss() (cur, peak int64) {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", s.cmd.Process.Pid))
	if err != nil {
		s.t.Fatalf("read memory of tribune serve: %v", err)
	}
	for _, line := range strings.Split(string(data), "\n") {
		name, val, _ := strings.Cut(line, ":")
		f := strings.Fields(val)
		if len(f) == 0 {
			continue
		}
		kb, _ := strconv.ParseInt(f[0], 10, 64)
		switch name {
		case "VmRSS":
			cur = kb << 10
		case "VmHWM":
			peak = kb << 10
		}
	}
	return cur, peak
}

// getJSON sends GET url with the test token and decodes a 200 answer's
// JSON into out. It returns the HTTP status, or 0 when the request or the
// decoding failed.
func getJSON(url string, out any) int {
	req, err := http.NewRequest("GET", url, nil)
	if err != nil {
		return 0
	}
	req.Header.Set("Authorization", "Bearer "+testToken)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0
	}
	defer resp.Body.Close()
	if resp.StatusCode == http.StatusOK {
		if err := json.NewDecoder(resp.Body).Decode(out); err != nil {
			return 0
		}
	}
	return resp.StatusCode
}

// onAirAtConnect returns the first message a new overlay feed receives:
// the state, on air or off.
func (s *serveProcess) onAirAtConnect(t *testing.T) tribune.Event {
	t.Helper()
	conn := tribunetest.DialWebSocket(t, s.url+"/overlay/ws", nil)
	defer conn.Close()
	conn.SetReadDeadline(time.Now().Add(10 * time.Second))
	var first tribune.Event
	if err := conn.ReadJSON(&first); err != nil {
		t.Fatalf("read the overlay feed: %v", err)
	}
	return first
}
