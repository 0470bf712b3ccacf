package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/tribune-live/tribune"
	"github.com/tribune-live/tribune/internal/twitchfake"
)

var (
	buildOnce sync.Once
	buildPath string
	buildErr  error
)

// buildTribune builds cmd/tribune once per test binary and returns the
// executable's path: end-to-end tests run the program as users start it.
func buildTribune(t testing.TB) string {
	t.Helper()
	buildOnce.Do(func() {
		dir, err := os.MkdirTemp("", "tribune-bin-")
		if err != nil {
			buildErr = err
			return
		}
		buildPath = filepath.Join(dir, "tribune")
		out, err := exec.Command("go", "build", "-o", buildPath, ".").CombinedOutput()
		if err != nil {
			buildErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return buildPath
}

// freeAddr returns a loopback address with a port free at the time of the
// call, so that a restarted server can come back on the same address.
func freeAddr(t testing.TB) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// serveProcess is `tribune serve` running as a child process.
type serveProcess struct {
	cmd  *exec.Cmd
	addr string
	log  *bytes.Buffer
	done chan struct{}
}

// startServe starts `tribune serve` with args, and waits until /healthz
// answers.
func startServe(t *testing.T, addr string, env []string, args ...string) *serveProcess {
	t.Helper()
	p := &serveProcess{addr: addr, log: &bytes.Buffer{}, done: make(chan struct{})}
	p.cmd = exec.Command(buildTribune(t), append([]string{"serve", "--listen", addr}, args...)...)
	p.cmd.Env = append(os.Environ(), env...)
	p.cmd.Stdout, p.cmd.Stderr = &lockedWriter{w: p.log}, &lockedWriter{w: p.log}
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { p.cmd.Wait(); close(p.done) }()
	t.Cleanup(func() { p.kill() })
	deadline := time.Now().Add(15 * time.Second)
	for {
		resp, err := http.Get("http://" + addr + "/healthz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return p
			}
		}
		select {
		case <-p.done:
			t.Fatalf("tribune serve exited: %s", p.output())
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("tribune serve not ready: %s", p.output())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func (p *serveProcess) kill() {
	p.cmd.Process.Signal(syscall.SIGKILL)
	<-p.done
}

func (p *serveProcess) output() string {
	if lw, ok := p.cmd.Stderr.(*lockedWriter); ok {
		lw.mu.Lock()
		defer lw.mu.Unlock()
	}
	return p.log.String()
}

type lockedWriter struct {
	mu sync.Mutex
	w  *bytes.Buffer
}

func (l *lockedWriter) Write(b []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(b)
}

// api calls the control API and decodes its JSON answer into out.
func api(t *testing.T, method, url, token string, out any) int {
	t.Helper()
	req, err := http.NewRequest(method, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+token)
	code := apiDo(req, out)
	if code == 0 {
		t.Fatalf("%s %s failed", method, url)
	}
	return code
}

// apiDo sends req and decodes a 200 answer's JSON into out. It returns the
// HTTP status, or 0 when the request or the decoding failed.
func apiDo(req *http.Request, out any) int {
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0
	}
	defer resp.Body.Close()
	if out != nil && resp.StatusCode == http.StatusOK {
		if err := json.NewDecoder(resp.Body).Decode(out); err != nil {
			return 0
		}
	}
	return resp.StatusCode
}

// Questions chosen to share no words that matter, so that the bot's
// duplicate detection keeps each one separate.
var e2eQuestions = []string{
	"Will the library on Elm Street open on Sundays?",
	"Quand la piscine municipale rouvrira-t-elle ?",
	"How much did the new tram line cost in total?",
	"Pourquoi supprimer les bus de nuit le week-end ?",
	"What happens to the old hospital building?",
	"Comment seront financées les crèches l'an prochain ?",
	"Can cyclists get a protected lane on Harbour Road?",
	"Qui contrôle la qualité de l'eau du robinet ?",
	"When will the council publish its climate budget?",
	"Est-ce que le marché du samedi va déménager ?",
	"Are school meals going to become free for everyone?",
	"Combien d'arbres seront plantés dans le parc Nord ?",
}

var (
	askedReply = regexp.MustCompile(`@(\w+) #(\d+)`)
	votedReply = regexp.MustCompile(`@(\w+) voted #(\d+)`)
)

// TestServeSurvivesKill9 is the promise "nothing acknowledged is lost": viewers
// ask and vote in chat, the bot acknowledges, a moderator puts a question
// on air, the server is killed with SIGKILL at once, and after a restart
// every acknowledged question and vote, and the on-air question, are there.
func TestServeSurvivesKill9(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end: builds and runs the binary")
	}
	chat, err := twitchfake.Start()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { chat.Close() })
	const channel, token = "townhall", "e2e-token"
	addr := freeAddr(t)
	db := filepath.Join(t.TempDir(), "e2e.db")
	env := []string{"TRIBUNE_API_TOKEN=" + token, "TRIBUNE_TWITCH_USER=tribune_bot", "TRIBUNE_TWITCH_TOKEN=oauth:e2e"}
	args := []string{"--channel", channel, "--irc", chat.Addr(), "--irc-tls=false", "--db", db, "--premoderate=false"}
	p := startServe(t, addr, env, args...)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	if err := chat.WaitJoined(ctx, channel); err != nil {
		t.Fatalf("%v\n%s", err, p.output())
	}

	// Every viewer asks one question.
	for i, q := range e2eQuestions {
		chat.Say(channel, twitchfake.User{Login: "asker" + strconv.Itoa(i)}, "!question "+q)
	}
	ids := map[string]int{} // asker -> question number
	for len(ids) < len(e2eQuestions) {
		if _, err := chat.WaitReply(ctx, func(text string) bool {
			for _, m := range askedReply.FindAllStringSubmatch(text, -1) {
				n, _ := strconv.Atoi(m[2])
				ids[m[1]] = n
			}
			return len(ids) == len(e2eQuestions)
		}); err != nil {
			t.Fatalf("acknowledged %d of %d questions: %v\n%s", len(ids), len(e2eQuestions), err, p.output())
		}
	}
	// Voters vote for a spread of questions; every vote is acknowledged.
	want := map[int]int{} // question -> votes
	for _, id := range ids {
		want[id] = 1 // the author's own vote
	}
	type ballot struct {
		voter string
		id    int
	}
	acked := map[ballot]bool{}
	var ballots []ballot
	for v := range 40 {
		for k := range 3 {
			b := ballot{"voter" + strconv.Itoa(v), ids["asker"+strconv.Itoa((v+k*5)%len(e2eQuestions))]}
			ballots = append(ballots, b)
			chat.Say(channel, twitchfake.User{Login: b.voter}, "!vote #"+strconv.Itoa(b.id))
		}
	}
	if _, err := chat.WaitReply(ctx, func(text string) bool {
		for _, m := range votedReply.FindAllStringSubmatch(text, -1) {
			n, _ := strconv.Atoi(m[2])
			acked[ballot{m[1], n}] = true
		}
		return len(acked) == len(ballots)
	}); err != nil {
		t.Fatalf("acknowledged %d of %d votes: %v", len(acked), len(ballots), err)
	}
	for b := range acked {
		want[b.id]++
	}
	onAir := ids["asker4"]
	if code := api(t, "POST", fmt.Sprintf("http://%s/api/questions/%d/show", addr, onAir), token, nil); code != http.StatusOK {
		t.Fatalf("show: HTTP %d", code)
	}
	p.kill() // SIGKILL, right after the acknowledgements

	startServe(t, addr, env, args...)
	var got []tribune.Question
	if code := api(t, "GET", "http://"+addr+"/api/questions", token, &got); code != http.StatusOK {
		t.Fatalf("questions after restart: HTTP %d", code)
	}
	if len(got) != len(e2eQuestions) {
		t.Fatalf("%d questions after restart, want %d", len(got), len(e2eQuestions))
	}
	for _, q := range got {
		if q.Votes != want[q.ID] {
			t.Errorf("#%d Votes=%d after restart, want %d", q.ID, q.Votes, want[q.ID])
		}
		wantStatus := tribune.StatusApproved
		if q.ID == onAir {
			wantStatus = tribune.StatusOnAir
		}
		if q.Status != wantStatus {
			t.Errorf("#%d Status=%s after restart, want %s", q.ID, q.Status, wantStatus)
		}
	}
	// The overlay feed shows the restored on-air question first thing.
	ws, _, err := websocket.DefaultDialer.Dial("ws://"+addr+"/overlay/ws", nil)
	if err != nil {
		t.Fatal(err)
	}
	defer ws.Close()
	ws.SetReadDeadline(time.Now().Add(10 * time.Second))
	var first tribune.Event
	if err := ws.ReadJSON(&first); err != nil {
		t.Fatal(err)
	}
	if first.Type != tribune.EventOnAir || first.Question == nil || first.Question.ID != onAir {
		t.Errorf("feed starts with %+v, want onair #%d", first, onAir)
	}
}
