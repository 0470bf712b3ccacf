package tui_test

import (
	"bufio"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/tribune-live/tribune/internal/tribunetest"
	"github.com/tribune-live/tribune/internal/twitchfake"
)

// TestTmux runs the real binary as a host would: `tribune serve` with a
// (fake) Twitch chat, and `tribune tui --connect` in a real terminal
// (tmux). A viewer asks in chat; the moderator approves the question with
// a and puts it on air with enter; the overlay feed receives it. Then,
// through the control API: an edit, a label, next on air, and a wave of
// copies rejected in one action and brought back with one undo.
// TestMain removes the tribune binary TestTmux builds once the tests ran.
func TestMain(m *testing.M) {
	code := m.Run()
	tribunetest.RemoveBuilds()
	os.Exit(code)
}

func TestTmux(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the tribune binary")
	}
	tmux, err := exec.LookPath("tmux")
	if err != nil {
		if os.Getenv("TRIBUNE_REQUIRE_TMUX") == "1" {
			t.Fatal("tmux is not installed; TRIBUNE_REQUIRE_TMUX=1 makes this a failure")
		}
		t.Skip("tmux is not installed; set TRIBUNE_REQUIRE_TMUX=1 to fail instead")
	}
	bin := tribunetest.BuildTribune(t)
	ctx := tribunetest.Context(t, 90*time.Second)
	tmp := t.TempDir()
	chat := tribunetest.StartTwitch(t)

	const token = "tmux-test-token"
	env := tribunetest.ChildEnv("TRIBUNE_API_TOKEN=" + token)

	serve := exec.Command(bin, "serve", "--channel", "townhall",
		"--db", filepath.Join(tmp, "tribune.db"), "--listen", "127.0.0.1:0",
		"--irc", chat.Addr(), "--irc-tls=false", "--log", filepath.Join(tmp, "serve.log"))
	serve.Env = env
	stderr, err := serve.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := serve.Start(); err != nil {
		t.Fatalf("start tribune serve: %v", err)
	}
	exited := make(chan error, 1)
	go func() { exited <- serve.Wait() }()
	t.Cleanup(func() {
		serve.Process.Signal(os.Interrupt)
		select {
		case <-exited:
		case <-time.After(10 * time.Second):
			serve.Process.Kill()
			<-exited
		}
		if t.Failed() {
			if log, err := os.ReadFile(filepath.Join(tmp, "serve.log")); err == nil {
				t.Logf("serve.log:\n%s", log)
			}
		}
	})

	// serve prints its address on standard error.
	urls := make(chan string, 1)
	go func() {
		re := regexp.MustCompile(`overlay: (http://127\.0\.0\.1:\d+)/overlay`)
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			if m := re.FindStringSubmatch(sc.Text()); m != nil {
				select {
				case urls <- m[1]:
				default:
				}
			}
		}
	}()
	var base string
	select {
	case base = <-urls:
	case err := <-exited:
		t.Fatalf("tribune serve exited: %v", err)
	case <-ctx.Done():
		t.Fatal("tribune serve did not print its address")
	}
	if err := chat.WaitJoined(ctx, "townhall"); err != nil {
		t.Fatalf("the bot did not join the chat: %v", err)
	}

	// The overlay page's feed, as OBS would read it.
	feed := tribunetest.DialWebSocket(t, base+"/overlay/ws", nil)
	type feedMsg struct {
		Type     string `json:"type"`
		Question *struct {
			ID     int    `json:"id"`
			Text   string `json:"text"`
			Author string `json:"author"`
			Status string `json:"status"`
		} `json:"question"`
	}
	msgs := make(chan feedMsg, 64)
	go func() {
		for {
			var m feedMsg
			if err := feed.ReadJSON(&m); err != nil {
				close(msgs)
				return
			}
			msgs <- m
		}
	}()

	// The console, in a terminal of its own. The shell keeps the pane open
	// after the console exits, so that its exit status and any error show.
	sock := filepath.Join(tmp, "tmux.sock")
	tmuxCmd := func(args ...string) (string, error) {
		c := exec.CommandContext(ctx, tmux, append([]string{"-S", sock}, args...)...)
		c.Env = env
		out, err := c.CombinedOutput()
		return string(out), err
	}
	console := fmt.Sprintf("%q tui --connect %q --name mia; echo \"console exited: $?\"; sleep 60", bin, base)
	if out, err := tmuxCmd("new-session", "-d", "-s", "tribune", "-x", "100", "-y", "30", console); err != nil {
		t.Fatalf("tmux new-session: %v\n%s", err, out)
	}
	t.Cleanup(func() { exec.Command(tmux, "-S", sock, "kill-server").Run() })
	pane := func() string {
		out, _ := tmuxCmd("capture-pane", "-p", "-t", "tribune")
		return out
	}
	// Each look runs tmux: every 100 ms, not every few.
	waitPane := func(want ...string) {
		t.Helper()
		tribunetest.EventuallyEvery(t, 20*time.Second, 100*time.Millisecond, fmt.Sprintf("the terminal shows %q", want), func() (bool, string) {
			p := pane()
			for _, w := range want {
				if !strings.Contains(p, w) {
					return false, "the terminal:\n" + p
				}
			}
			return true, ""
		})
	}
	sendKeys := func(keys ...string) {
		t.Helper()
		if out, err := tmuxCmd(append([]string{"send-keys", "-t", "tribune"}, keys...)...); err != nil {
			t.Fatalf("tmux send-keys %q: %v\n%s", keys, err, out)
		}
	}

	waitPane("Tribune", "○ off air", "#townhall", "overlay 1")
	chat.Say("townhall", twitchfake.User{Login: "ann", DisplayName: "Ann"}, "!question When will the north bus line open?")
	waitPane("#1", "pending", "When will the north bus line open?")

	sendKeys("a")
	waitPane("approved #1", "approved  Ann")
	sendKeys("Enter")
	waitPane("#1 is on air", "onair     Ann")
	t.Logf("terminal:\n%s", pane())

	deadline := time.After(20 * time.Second)
	for onAir := false; !onAir; {
		select {
		case m, ok := <-msgs:
			if !ok {
				t.Fatal("the overlay feed closed")
			}
			if m.Type == "onair" && m.Question != nil {
				if m.Question.ID != 1 || m.Question.Text != "When will the north bus line open?" || m.Question.Author != "Ann" {
					t.Fatalf("feed onair question=%+v, want #1 by Ann", *m.Question)
				}
				onAir = true
			}
		case <-deadline:
			t.Fatal("the overlay feed received no onair message")
		}
	}

	// The edit prompt (bubbles/textinput) with real terminal input:
	// prefilled with the text, ctrl+u clears it, enter submits.
	sendKeys("e")
	waitPane("edit #1: When will the north bus line open?", "34/300")
	sendKeys("C-u")
	sendKeys("-l", "When does the north bus line open?")
	sendKeys("Enter")
	waitPane("edited #1", "Ann            When does the north bus line open?", "was: “When will the north bus line open?”")

	// A label, typed in the prompt, shows in the queue.
	sendKeys("l")
	waitPane("label #1: ")
	sendKeys("-l", "transport")
	sendKeys("Enter")
	waitPane("labelled #1 “transport”", "[transport] When does the north bus line open?")

	// Off air, then back on with n: the most-voted approved question.
	sendKeys("h")
	waitPane("overlay hidden", "○ off air")
	sendKeys("n")
	waitPane("#1 is on air (1 vote)", "● on air #1 · 00:0")

	// A wave of copies from three viewers, selected with w on one of
	// them and rejected in one action, which one u undoes.
	for i, u := range []string{"sam", "sid", "sue"} {
		chat.Say("townhall", twitchfake.User{Login: u}, fmt.Sprintf("!question FREE followers %d at spam dot example!!", i+1))
	}
	waitPane("#4", "FREE followers 3 at spam")
	sendKeys("j")
	sendKeys("w")
	waitPane("3 questions like #2 selected", "✓ 3 selected")
	sendKeys("r")
	waitPane("reject the 3 selected questions in one action? [y/n]")
	sendKeys("y")
	waitPane("rejected 3 questions in one action · u undoes it")
	sendKeys("u")
	waitPane("undid reject of 3 questions", "pending   sam")
	t.Logf("terminal:\n%s", pane())

	sendKeys("q")
	waitPane("console exited: 0")
}
