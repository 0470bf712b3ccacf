package main

// Fault tests: the real tribune binary, built for the test, run as
// `tribune serve` against the fake Twitch chat server, then hurt: killed
// with SIGKILL in the middle of a vote storm, cut off from chat, flooded
// with overlay clients that stop reading, denied writes to its database.
// Each test checks what the design promises: nothing acknowledged is lost,
// a stalled client never holds up the others, a refused write is refused
// loudly and the process goes on.

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/tribune-live/tribune"
	"github.com/tribune-live/tribune/internal/tribunetest"
	"github.com/tribune-live/tribune/internal/twitchfake"
	"github.com/tribune-live/tribune/overlay"
	"github.com/tribune-live/tribune/store"
)

// eventually polls cond every 20 ms (each look is a request to the child
// process, or reads a thousand clients) until it holds or d has passed;
// cond describes the state it saw, for the failure message.
func eventually(t *testing.T, d time.Duration, what string, cond func() (bool, string)) {
	t.Helper()
	tribunetest.EventuallyEvery(t, d, 20*time.Millisecond, what, cond)
}

// broadcasterAsks has the channel's owner ask n questions, approved at
// once, and waits until the Service has them all: ids 1..n.
func broadcasterAsks(t *testing.T, chat *twitchfake.Server, api *overlay.Client, texts ...string) {
	t.Helper()
	owner := twitchfake.User{Login: testChannel, ID: twitchfake.RoomID(testChannel), Broadcaster: true}
	msgs := make([]twitchfake.Message, len(texts))
	for i, text := range texts {
		msgs[i] = twitchfake.Message{User: owner, Text: "!q " + text}
	}
	chat.SayAll(testChannel, msgs)
	eventually(t, 20*time.Second, "broadcaster's questions", func() (bool, string) {
		qs, err := api.Questions(context.Background(), tribune.StatusApproved)
		return err == nil && len(qs) == len(texts), fmt.Sprintf("%d approved, err %v", len(qs), err)
	})
}

// tenQuestions are the questions a storm votes for.
var tenQuestions = []string{
	"Will the new tram line reach the northern districts?",
	"How will the city fund the school renovations?",
	"What happens to the riverside parking after the works?",
	"Can libraries open on Sunday afternoons?",
	"Who decides the bike lane routes downtown?",
	"When does the council publish the audit of water contracts?",
	"Is the swimming pool closure permanent?",
	"How many social housing units are planned this year?",
	"Will night buses run during the summer festival?",
	"What is the budget for street lighting repairs?",
}

// voteLines returns the chat lines of votes from..to-1, each from a new
// viewer (user id 500 000+i): vote i goes to question 1+i%10.
func voteLines(chat *twitchfake.Server, from, to int) []string {
	lines := make([]string, 0, to-from)
	for i := from; i < to; i++ {
		lines = append(lines, chat.Line(testChannel, tribunetest.ChatViewer(i), "!vote "+strconv.Itoa(1+i%10)))
	}
	return lines
}

// eventWatch is an /api/events websocket client that records the highest
// vote count delivered for each question.
type eventWatch struct {
	conn *websocket.Conn
	done chan struct{}

	mu    sync.Mutex
	votes map[int]int
}

func watchEvents(t *testing.T, s *serveProcess) *eventWatch {
	t.Helper()
	h := http.Header{"Authorization": {"Bearer " + testToken}}
	conn := tribunetest.DialWebSocket(t, s.url+"/api/events", h)
	w := &eventWatch{conn: conn, done: make(chan struct{}), votes: map[int]int{}}
	t.Cleanup(func() { conn.Close(); <-w.done })
	go func() {
		defer close(w.done)
		for {
			_, msg, err := conn.ReadMessage()
			if err != nil {
				return
			}
			var ev tribune.Event
			if json.Unmarshal(msg, &ev) != nil || ev.Question == nil {
				continue
			}
			w.mu.Lock()
			w.votes[ev.Question.ID] = max(w.votes[ev.Question.ID], ev.Question.Votes)
			w.mu.Unlock()
		}
	}()
	return w
}

// delivered returns the highest count delivered per question, and the
// number of votes beyond each question's first (its author's).
func (w *eventWatch) delivered() (map[int]int, int) {
	w.mu.Lock()
	defer w.mu.Unlock()
	out := make(map[int]int, len(w.votes))
	total := 0
	for id, n := range w.votes {
		out[id] = n
		total += max(n-1, 0)
	}
	return out, total
}

// loadDB reads the database of a stopped (or killed) Tribune.
func loadDB(t *testing.T, path string) tribune.SessionState {
	t.Helper()
	db := store.NewDB(path)
	if err := db.Open(); err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	ss, err := db.Sessions(context.Background())
	if err != nil || len(ss) != 1 {
		t.Fatalf("Sessions=%v, %v; want one", ss, err)
	}
	st, err := db.LoadSession(context.Background(), ss[0].ID)
	if err != nil {
		t.Fatal(err)
	}
	return st
}

// TestFaultKillDuringVoteStorm kills `tribune serve` with SIGKILL while a
// storm of votes pours in, restarts it on the same database, and checks
// that every vote whose event a client had received is there, that every
// count equals its stored votes, and that the on-air question is back.
func TestFaultKillDuringVoteStorm(t *testing.T) {
	chat := tribunetest.StartTwitch(t)
	db := filepath.Join(t.TempDir(), "tribune.db")
	srv := startServe(t, serveOpts{db: db, chat: chat})
	ctx := tribunetest.Context(t, 60*time.Second)
	api := srv.api()
	broadcasterAsks(t, chat, api, tenQuestions...)
	if _, err := api.Show(ctx, 3); err != nil {
		t.Fatalf("Show(3): %v", err)
	}
	events := watchEvents(t, srv)

	const storm, killAfter = 50_000, 3_000
	lines := voteLines(chat, 0, storm)
	stop := make(chan struct{})
	sent := make(chan int, 1)
	go func() {
		n := 0
		defer func() { sent <- n }()
		for n < len(lines) {
			select {
			case <-stop:
				return
			default:
			}
			chat.SendLines(testChannel, lines[n:n+200])
			n += 200
		}
	}()
	eventually(t, 30*time.Second, "votes delivered before the kill", func() (bool, string) {
		_, n := events.delivered()
		return n >= killAfter, fmt.Sprintf("%d delivered", n)
	})
	srv.kill()
	close(stop)
	nsent := <-sent
	<-events.done // every event the server wrote before it died has been read
	want, acked := events.delivered()
	if acked >= storm {
		t.Fatalf("all %d votes were delivered before the kill: the storm was over", acked)
	}
	t.Logf("killed with %d of %d votes sent, %d delivered to the events client", nsent, storm, acked)

	srv = startServe(t, serveOpts{db: db, chat: chat})
	api = srv.api()
	qs, err := api.Questions(ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	if len(qs) != len(tenQuestions) {
		t.Fatalf("Questions=%d after restart, want %d", len(qs), len(tenQuestions))
	}
	for _, q := range qs {
		if q.Votes < want[q.ID] {
			t.Errorf("#%d: Votes=%d after restart, but %d had been delivered to a client", q.ID, q.Votes, want[q.ID])
		}
		wantStatus := tribune.StatusApproved
		if q.ID == 3 {
			wantStatus = tribune.StatusOnAir
		}
		if q.Status != wantStatus {
			t.Errorf("#%d: Status=%s after restart, want %s", q.ID, q.Status, wantStatus)
		}
	}
	// The overlay shows the restored question first thing.
	if first := srv.onAirAtConnect(t); first.Type != tribune.EventOnAir || first.Question == nil || first.Question.ID != 3 {
		t.Errorf("overlay feed's first message %+v, want onair #3", first)
	}
	srv.stop()

	// Counts are exact: each question's count is its stored votes, and
	// those are distinct viewers who were sent.
	st := loadDB(t, db)
	rows := map[int]int{}
	for _, v := range st.Votes {
		rows[v.QuestionID]++
		if i, err := strconv.Atoi(v.VoterID); v.VoterID != twitchfake.RoomID(testChannel) && (err != nil || i < 500_000 || i >= 500_000+nsent) {
			t.Errorf("vote on #%d from %q, who was never sent", v.QuestionID, v.VoterID)
		}
	}
	stored := 0
	for _, q := range st.Questions {
		if q.Votes != rows[q.ID] {
			t.Errorf("#%d: Votes=%d, %d vote rows", q.ID, q.Votes, rows[q.ID])
		}
		stored += q.Votes - 1
	}
	t.Logf("%d votes stored (%d delivered before the kill)", stored, acked)
}

// TestFaultChatDropDuringStorm cuts every chat connection in the middle of
// a storm, keeps sending while the bot is away (those lines are lost, as
// they would be on Twitch), and checks that the bot reconnects, rejoins,
// goes on, and that every vote the server sent it counts, exactly.
//
// The cut comes once the votes sent so far are counted: lines still in the
// socket or in go-twitch-irc's buffers at the instant of a cut are lost
// before Tribune sees them, and the test could not tell them from lines
// Tribune lost.
func TestFaultChatDropDuringStorm(t *testing.T) {
	chat := tribunetest.StartTwitch(t)
	db := filepath.Join(t.TempDir(), "tribune.db")
	srv := startServe(t, serveOpts{db: db, chat: chat})
	ctx := tribunetest.Context(t, 60*time.Second)
	api := srv.api()
	broadcasterAsks(t, chat, api, tenQuestions...)

	want := map[int]int{} // votes per question the server delivered, authors' included
	for id := 1; id <= len(tenQuestions); id++ {
		want[id] = 1
	}
	next, delivered, lost := 0, 0, 0
	sendChunk := func(n int) {
		lines := voteLines(chat, next, next+n)
		if chat.SendLines(testChannel, lines) > 0 {
			for i := next; i < next+n; i++ {
				want[1+i%10]++
			}
			delivered += n
		} else {
			lost += n
		}
		next += n
	}
	counted := func() (bool, string) {
		qs, err := api.Questions(ctx, tribune.StatusApproved)
		if err != nil {
			return false, err.Error()
		}
		var diff []string
		for _, q := range qs {
			if q.Votes != want[q.ID] {
				diff = append(diff, fmt.Sprintf("#%d %d/%d", q.ID, q.Votes, want[q.ID]))
			}
		}
		return len(diff) == 0, strings.Join(diff, ", ")
	}

	for range 50 {
		sendChunk(100)
	}
	eventually(t, 30*time.Second, "votes before the cut counted", counted)

	chat.Drop()
	cut := time.Now()
	// The storm goes on while the bot is away.
	for !chat.Joined(testChannel) {
		if time.Since(cut) > 30*time.Second {
			t.Fatalf("the bot did not rejoin within 30 s:\n%s", srv.log)
		}
		sendChunk(20)
		time.Sleep(2 * time.Millisecond)
	}
	rejoin := time.Since(cut)
	for range 50 {
		sendChunk(100)
	}
	eventually(t, 30*time.Second, "votes after the reconnection counted", counted)
	if chat.Connections() != 1 {
		t.Errorf("Connections=%d after the reconnection, want 1", chat.Connections())
	}
	if !srv.alive() {
		t.Fatal("tribune serve exited")
	}
	t.Logf("rejoined %s after the cut; %d votes sent to the bot, %d sent while it was away", rejoin.Round(time.Millisecond), delivered, lost)
	srv.stop()

	st := loadDB(t, db)
	total := 0
	for _, q := range st.Questions {
		if q.Votes != want[q.ID] {
			t.Errorf("#%d: stored Votes=%d, want %d", q.ID, q.Votes, want[q.ID])
		}
		total += q.Votes - 1
	}
	if total != delivered || len(st.Votes) != delivered+len(tenQuestions) {
		t.Errorf("stored %d votes (%d rows), want %d delivered (+%d authors')", total, len(st.Votes), delivered, len(tenQuestions))
	}
}

// TestFaultStalledOverlayClients connects 1 000 overlay feed clients, ten
// of which stop reading, and puts questions on air hundreds of times: the
// 990 others must receive every change in order, the ten must be dropped,
// and the server's memory must stay bounded.
func TestFaultStalledOverlayClients(t *testing.T) {
	const clients, stalled, shows = 1000, 10, 400
	chat := tribunetest.StartTwitch(t)
	srv := startServe(t, serveOpts{db: filepath.Join(t.TempDir(), "tribune.db"), chat: chat})
	ctx := tribunetest.Context(t, 90*time.Second)
	api := srv.api()
	// Long texts make big messages, so that stalled sockets fill quickly.
	broadcasterAsks(t, chat, api, strings.Repeat("Will the <b>tram</b> reach the north? ", 7), strings.Repeat("Why are <i>libraries</i> closed on Sunday? ", 6))
	baseRSS, _ := srv.rss()

	wsURL := tribunetest.WebSocketURL(srv.url) + "/overlay/ws?top=0"
	type reader struct {
		mu  sync.Mutex
		ids []int // on-air question of each message; 0 for offair
		err error
	}
	readers := make([]*reader, 0, clients-stalled)
	var conns []*websocket.Conn
	t.Cleanup(func() {
		for _, c := range conns {
			c.Close()
		}
	})
	// A stalled client reads nothing. Its receive buffer is small, and so
	// is the segment size it announces, which keeps the kernel from
	// growing the server's send buffer for it to megabytes (it sizes it
	// from the segment size): the server's own queue fills after a few
	// hundred messages rather than thousands. Both are set before
	// connecting, so that they apply from the handshake on.
	small := &net.Dialer{Control: func(_, _ string, c syscall.RawConn) error {
		var serr error
		err := c.Control(func(fd uintptr) {
			serr = syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_RCVBUF, 4096)
			if serr == nil {
				serr = syscall.SetsockoptInt(int(fd), syscall.IPPROTO_TCP, syscall.TCP_MAXSEG, 536)
			}
		})
		if err != nil {
			return err
		}
		return serr
	}}
	stallDialer := websocket.Dialer{NetDialContext: small.DialContext}
	var stalledConns []*websocket.Conn
	for i := range clients {
		if i%(clients/stalled) == 0 {
			c, _, err := stallDialer.Dial(wsURL, nil)
			if err != nil {
				t.Fatalf("stalled client %d: %v", i, err)
			}
			conns = append(conns, c)
			stalledConns = append(stalledConns, c)
			continue
		}
		c, _, err := websocket.DefaultDialer.Dial(wsURL, nil)
		if err != nil {
			t.Fatalf("client %d: %v", i, err)
		}
		conns = append(conns, c)
		r := &reader{}
		readers = append(readers, r)
		go func() {
			for {
				_, msg, err := c.ReadMessage()
				if err != nil {
					r.mu.Lock()
					r.err = err
					r.mu.Unlock()
					return
				}
				id := 0
				if i := bytes.Index(msg, []byte(`"id":`)); i >= 0 {
					id, _ = strconv.Atoi(string(msg[i+5 : i+5+bytes.IndexAny(msg[i+5:], ",}")]))
				}
				r.mu.Lock()
				r.ids = append(r.ids, id)
				r.mu.Unlock()
			}
		}()
	}
	overlayClients := func(want string) func() (bool, string) {
		return func() (bool, string) {
			h, err := api.Health(ctx)
			return err == nil && h[tribune.HealthOverlay] == want, fmt.Sprintf("overlay=%q, err %v", h[tribune.HealthOverlay], err)
		}
	}
	eventually(t, 30*time.Second, "every client registered", overlayClients(strconv.Itoa(clients)))

	for i := range shows {
		if _, err := api.Show(ctx, 1+i%2); err != nil {
			t.Fatalf("Show #%d: %v", 1+i%2, err)
		}
	}
	// Stalled clients go once their queue is full, or when a write to
	// them has waited too long.
	eventually(t, 30*time.Second, "stalled clients dropped", overlayClients(strconv.Itoa(clients-stalled)))

	eventually(t, 30*time.Second, "every reader got every change", func() (bool, string) {
		for n, r := range readers {
			r.mu.Lock()
			got, err := len(r.ids), r.err
			r.mu.Unlock()
			if err != nil {
				return false, fmt.Sprintf("reader %d: %v", n, err)
			}
			if got < shows+1 {
				return false, fmt.Sprintf("reader %d has %d of %d messages", n, got, shows+1)
			}
		}
		return true, ""
	})
	for n, r := range readers {
		r.mu.Lock()
		ids := r.ids
		r.mu.Unlock()
		if len(ids) != shows+1 || ids[0] != 0 {
			t.Fatalf("reader %d: %d messages starting with #%d, want offair then %d changes", n, len(ids), ids[0], shows)
		}
		for i, id := range ids[1:] {
			if want := 1 + i%2; id != want {
				t.Fatalf("reader %d: change %d shows #%d, want #%d", n, i, id, want)
			}
		}
	}
	// The server hung up on the stalled ones: once what their sockets hold
	// is read, the connection ends.
	for n, c := range stalledConns {
		c.SetReadDeadline(time.Now().Add(10 * time.Second))
		var err error
		for err == nil {
			_, _, err = c.ReadMessage()
		}
		if ne, ok := err.(net.Error); ok && ne.Timeout() {
			t.Errorf("stalled client %d: still connected", n)
		}
	}
	rss, peak := srv.rss()
	t.Logf("tribune serve: RSS %d MB before the clients, %d MB after, peak %d MB", baseRSS>>20, rss>>20, peak>>20)
	// 1 000 websockets cost a few tens of MB; queues that grew without
	// bound behind stalled clients would cost far more.
	if limit := int64(200 << 20); peak > limit {
		t.Errorf("peak RSS %d MB, want under %d MB", peak>>20, limit>>20)
	}
	if !srv.alive() {
		t.Fatal("tribune serve exited")
	}
}

// TestFaultReadOnlyDatabase runs `tribune serve` as the user nobody on a
// database owned by root (file modes do not stop root itself): viewers'
// commands are refused with a reply saying nothing was saved, a
// moderator's command from the control API (what a console sends) gets the
// same message, nothing refused shows up, and the process carries on.
func TestFaultReadOnlyDatabase(t *testing.T) {
	uid, gid := tribunetest.Nobody(t)

	for _, tt := range []struct {
		name    string
		dirMode os.FileMode // of the directory holding the database
	}{
		{"FileReadOnly", 0o777},      // nobody may create files beside it, not write it
		{"DirectoryReadOnly", 0o755}, // a read-only medium: nothing can be created
	} {
		t.Run(tt.name, func(t *testing.T) {
			dir := tribunetest.SharedDir(t)
			home := filepath.Join(dir, "home")
			dbDir := filepath.Join(dir, "db")
			for _, d := range []string{home, dbDir} {
				if err := os.Mkdir(d, 0o755); err != nil {
					t.Fatal(err)
				}
			}
			if err := os.Chown(home, int(uid), int(gid)); err != nil {
				t.Fatal(err)
			}
			path := filepath.Join(dbDir, "tribune.db")
			seedReadOnly(t, path)
			if err := os.Chmod(path, 0o444); err != nil {
				t.Fatal(err)
			}
			if err := os.Chmod(dbDir, tt.dirMode); err != nil {
				t.Fatal(err)
			}

			chat := tribunetest.StartTwitch(t)
			srv := startServe(t, serveOpts{db: path, chat: chat, auth: true, dir: home,
				cred: &syscall.Credential{Uid: uid, Gid: gid}})
			ctx := tribunetest.Context(t, 60*time.Second)
			api := srv.api()
			before, err := api.Questions(ctx, "")
			if err != nil || len(before) != 1 {
				t.Fatalf("Questions=%v, %v; want the one stored before", before, err)
			}

			ann := twitchfake.User{Login: "ann", ID: "1001"}
			bob := twitchfake.User{Login: "bob", ID: "1002"}
			chat.Say(testChannel, ann, "!q Will the tram reach the northern districts?")
			chat.Say(testChannel, bob, "!vote 1")
			// Chat is told once that nothing was saved, not once per viewer.
			if _, err := chat.WaitReply(ctx, func(text string) bool { return strings.Contains(text, "not saved") }); err != nil {
				t.Fatalf("no reply says nothing was saved: %v\n%s", err, srv.log)
			}
			chat.Say(testChannel, twitchfake.User{Login: "cleo", ID: "1004"}, "!vote 1")
			eventually(t, 5*time.Second, "cleo's refused vote logged", func() (bool, string) { return strings.Contains(srv.log.String(), "user=cleo"), srv.log.String() })
			notices := 0
			for _, r := range chat.Replies() {
				notices += strings.Count(r.Text, "not saved")
			}
			if notices != 1 {
				t.Errorf("%d replies say nothing was saved, want 1 per 30 s: %+v", notices, chat.Replies())
			}
			for _, r := range chat.Replies() {
				if strings.Contains(r.Text, "@ann #") || strings.Contains(r.Text, "@bob voted") {
					t.Errorf("reply %q acknowledges a command that was not stored", r.Text)
				}
			}

			// A moderator's command, as the remote console sends it.
			_, err = api.Reject(ctx, 1)
			if tribune.ErrorCode(err) != tribune.EUNAVAILABLE || !strings.Contains(tribune.ErrorMessage(err), "nothing was saved") {
				t.Errorf("Reject(1): %v (code %s), want %s saying nothing was saved", err, tribune.ErrorCode(err), tribune.EUNAVAILABLE)
			}

			after, err := api.Questions(ctx, "")
			if err != nil {
				t.Fatal(err)
			}
			if len(after) != 1 || after[0].Votes != before[0].Votes || after[0].Status != before[0].Status {
				t.Errorf("Questions after refused commands: %+v, want unchanged %+v", after, before)
			}
			if !srv.alive() {
				t.Fatalf("tribune serve is down after refused writes:\n%s", srv.log)
			}
			// Health says why the meeting cannot record.
			if code, body := srv.get(t, "/healthz"); code != http.StatusServiceUnavailable || !strings.Contains(body, "storage: read-only") {
				t.Errorf("/healthz = %d %q, want 503 naming storage: read-only", code, body)
			}
			if !strings.Contains(srv.log.String(), "store refused a batch") {
				t.Errorf("log does not report the refused writes:\n%s", srv.log)
			}
			srv.stop()
		})
	}
}

// seedReadOnly writes a database with the channel's session open and one
// approved question, as root, through the real Service.
func seedReadOnly(t *testing.T, path string) {
	t.Helper()
	tribunetest.Seed(t, path, testChannel, func(svc *tribune.Service) { svc.Premoderate = false }, func(svc *tribune.Service) {
		tribunetest.Ask(t, svc, tribune.Actor{Login: "carol", UserID: "1003"}, "How will the city fund the school renovations?")
	})
}
