package overlay_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"github.com/tribune-live/tribune"
	"github.com/tribune-live/tribune/internal/tribunetest"
)

func TestFeed_StateOnConnect(t *testing.T) {
	tests := []struct {
		name    string
		onAir   bool
		query   string
		wantTop bool
	}{
		{"OffAir", false, "", true},
		{"OnAir", true, "", true},
		{"OnAirNoTop", true, "?top=0", false},
		{"OffAirNoTop", false, "?top=0", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			svc := MustOpenService(t)
			q1 := tribunetest.Ask(t, svc, tribunetest.Viewer(1), "First?")
			tribunetest.Ask(t, svc, tribunetest.Viewer(2), "Second?")
			tribunetest.Vote(t, svc, tribunetest.Voter(1), 2)
			if tc.onAir {
				tribunetest.Show(t, svc, q1.ID)
			}
			srv := StartServer(t, svc, "127.0.0.1:0")
			conn := DialWS(t, srv, "/overlay/ws"+tc.query, nil)

			m := ReadMessage(t, conn, 5*time.Second)
			if tc.onAir {
				if m.Type != "onair" || m.Question == nil || m.Question.ID != q1.ID || m.Question.Text != "First?" || m.Question.Author != "Viewer1" {
					t.Fatalf("first message %+v, want onair #%d", m, q1.ID)
				}
			} else if m.Type != "offair" || m.Question != nil {
				t.Fatalf("first message %+v, want offair", m)
			}
			if tc.wantTop {
				m := ReadMessage(t, conn, 5*time.Second)
				if m.Type != "top" || len(m.Questions) != 2 || m.Questions[0].ID != 2 || m.Questions[0].Votes != 2 {
					t.Fatalf("second message %+v, want top with #2 first", m)
				}
			}
			// The next message is the next change, whatever was asked.
			if tc.onAir {
				tribunetest.Hide(t, svc)
			} else {
				tribunetest.Show(t, svc, 2)
			}
			if m := ReadMessage(t, conn, 5*time.Second); tc.onAir && m.Type != "offair" || !tc.onAir && m.Type != "onair" {
				t.Errorf("next message %+v, want the change", m)
			}
		})
	}
}

func TestFeed_Changes(t *testing.T) {
	svc := MustOpenService(t)
	q1 := tribunetest.Ask(t, svc, tribunetest.Viewer(1), "Is the budget public?")
	q2 := tribunetest.Ask(t, svc, tribunetest.Viewer(2), "When is the next meeting?")
	srv := StartServer(t, svc, "127.0.0.1:0")
	conn := DialWS(t, srv, "/overlay/ws?top=0", nil)
	if m := ReadMessage(t, conn, 5*time.Second); m.Type != "offair" {
		t.Fatalf("first message %+v, want offair", m)
	}
	ctx := context.Background()
	steps := []struct {
		name  string
		do    func()
		typ   string
		id    int
		votes int
		text  string
	}{
		{"Show", func() { tribunetest.Show(t, svc, q1.ID) }, "onair", q1.ID, 1, q1.Text},
		{"Vote", func() { tribunetest.Vote(t, svc, tribunetest.Voter(7), q1.ID) }, "onair", q1.ID, 2, q1.Text},
		{"Edit", func() { svc.Edit(ctx, q1.ID, "Is the whole budget public?") }, "onair", q1.ID, 2, "Is the whole budget public?"},
		{"ShowOther", func() { tribunetest.Show(t, svc, q2.ID) }, "onair", q2.ID, 1, q2.Text},
		{"Hide", func() { tribunetest.Hide(t, svc) }, "offair", 0, 0, ""},
		{"ShowAgain", func() { tribunetest.Show(t, svc, q1.ID) }, "onair", q1.ID, 2, "Is the whole budget public?"},
		{"Answer", func() { svc.Answer(ctx, q1.ID) }, "offair", 0, 0, ""},
		{"ShowThenReject", func() { tribunetest.Show(t, svc, q2.ID); svc.Reject(ctx, q2.ID) }, "onair", q2.ID, 1, q2.Text},
		{"Rejected", func() {}, "offair", 0, 0, ""},
		{"Undo", func() { svc.Undo(ctx) }, "onair", q2.ID, 1, q2.Text},
	}
	for _, st := range steps {
		t.Run(st.name, func(t *testing.T) {
			st.do()
			m := ReadMessage(t, conn, 5*time.Second)
			if m.Type != st.typ {
				t.Fatalf("type=%q, want %q (%+v)", m.Type, st.typ, m)
			}
			if st.typ == "onair" {
				if m.Question == nil || m.Question.ID != st.id || m.Question.Votes != st.votes || m.Question.Text != st.text {
					t.Errorf("question=%+v, want #%d with %d votes and text %q", m.Question, st.id, st.votes, st.text)
				}
			}
		})
	}
}

// TestFeed_TopCoalesced checks that a vote storm sends few top messages,
// that the last one is right, and that a change outside the leaderboard
// sends none.
func TestFeed_TopCoalesced(t *testing.T) {
	svc := MustOpenService(t)
	const n = 6
	for i := 1; i <= n; i++ {
		tribunetest.Ask(t, svc, tribunetest.Viewer(i), fmt.Sprintf("Question number %d?", i))
	}
	srv := StartServer(t, svc, "127.0.0.1:0")
	conn := DialWS(t, srv, "/overlay/ws", nil)
	ReadMessage(t, conn, 5*time.Second) // offair
	if m := ReadMessage(t, conn, 5*time.Second); m.Type != "top" || len(m.Questions) != n {
		t.Fatalf("second message %+v, want top of %d", m, n)
	}

	const votes = 300
	start := time.Now()
	var wg sync.WaitGroup
	for g := 0; g < 4; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for v := g; v < votes; v += 4 {
				a := tribune.Actor{Login: "v" + strconv.Itoa(v), UserID: "v" + strconv.Itoa(v)}
				if _, err := svc.Vote(context.Background(), a, v%n+1); err != nil {
					t.Errorf("vote: %v", err)
				}
			}
		}()
	}
	wg.Wait()
	want := svc.Top(20)

	tops := 0
	for {
		m := ReadUntil(t, conn, "top", 5*time.Second)
		tops++
		if sameTop(m.Questions, want) {
			break
		}
	}
	// Coalesced: at most one top message per 100 ms of storm (the server
	// sends one per 200 ms), however slow the machine.
	if most := int(time.Since(start)/(100*time.Millisecond)) + 2; tops > most || tops >= votes {
		t.Errorf("%d top messages for %d votes in %v, want at most %d", tops, votes, time.Since(start), most)
	}

	// A pending question is not on the leaderboard: no top message.
	a := tribune.Actor{Login: "newbie", UserID: "newbie", FirstMessage: true}
	if _, err := svc.Ask(context.Background(), a, "Am I on the board?"); err != nil {
		t.Fatal(err)
	}
	conn.SetReadDeadline(time.Now().Add(4 * 200 * time.Millisecond))
	if _, data, err := conn.ReadMessage(); err == nil {
		t.Errorf("got %s after a change outside the leaderboard, want nothing", data)
	} else if ne, ok := err.(net.Error); !ok || !ne.Timeout() {
		t.Errorf("read: %v, want a timeout", err)
	}
}

func sameTop(a, b []tribune.Question) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i].ID != b[i].ID || a[i].Votes != b[i].Votes || a[i].Status != b[i].Status {
			return false
		}
	}
	return true
}

// TestFeed_ReadOnly checks that what a client sends changes nothing, and
// that a client that sends too much is cut off.
func TestFeed_ReadOnly(t *testing.T) {
	svc := MustOpenService(t)
	q := tribunetest.Ask(t, svc, tribunetest.Viewer(1), "Read only?")
	srv := StartServer(t, svc, "127.0.0.1:0")
	conn := DialWS(t, srv, "/overlay/ws?top=0", nil)
	ReadMessage(t, conn, 5*time.Second)
	before := snap(t, svc)
	for _, msg := range []string{`{"type":"show","id":1}`, "POST /api/questions/1/show", `{"type":"onair","question":{"id":1}}`} {
		if err := conn.WriteMessage(websocket.TextMessage, []byte(msg)); err != nil {
			t.Fatal(err)
		}
	}
	tribunetest.Show(t, svc, q.ID) // the feed still works, and reports only this
	if m := ReadMessage(t, conn, 5*time.Second); m.Type != "onair" || m.Question.ID != q.ID {
		t.Fatalf("message %+v, want onair #%d", m, q.ID)
	}
	if after := snap(t, svc); len(after.Log) != len(before.Log)+1 {
		t.Errorf("log has %d entries, want %d: the client's messages did something", len(after.Log), len(before.Log)+1)
	}

	big := DialWS(t, srv, "/overlay/ws?top=0", nil)
	ReadMessage(t, big, 5*time.Second)
	big.WriteMessage(websocket.TextMessage, []byte(strings.Repeat("x", 4096)))
	big.SetReadDeadline(time.Now().Add(5 * time.Second))
	for {
		if _, _, err := big.ReadMessage(); err != nil {
			var ce *websocket.CloseError
			if errors.As(err, &ce) && ce.Code != websocket.CloseMessageTooBig {
				t.Errorf("close code %d, want %d", ce.Code, websocket.CloseMessageTooBig)
			}
			if ne, ok := err.(net.Error); ok && ne.Timeout() {
				t.Errorf("an oversized message did not end the connection")
			}
			break
		}
	}
}

// TestFeed_ManyClientsOneStalled connects 200 feed clients, one of which
// never reads, and checks that the 199 others receive every event, in order.
func TestFeed_ManyClientsOneStalled(t *testing.T) {
	const (
		clients = 200
		events  = 300
		// window bounds how far the generator runs ahead of the slowest
		// reading client, so that a busy test machine cannot push a live
		// client past its queue; the stalled client is not waited for.
		window = 64
	)
	svc := MustOpenService(t)
	var ids []int
	for i := 1; i <= 8; i++ {
		ids = append(ids, tribunetest.Ask(t, svc, tribunetest.Viewer(i), fmt.Sprintf("Question %d from the floor, with a bit of text to carry?", i)).ID)
	}
	srv := StartServer(t, svc, "127.0.0.1:0")

	stalled := dialSmallBuffer(t, srv.URL()+"/overlay/ws?top=0")
	defer stalled.Close()

	var (
		received [clients - 1]atomic.Int64
		errs     = make(chan error, clients)
		wg       sync.WaitGroup
	)
	conns := make([]*websocket.Conn, clients-1)
	for i := range conns {
		conns[i] = DialWS(t, srv, "/overlay/ws?top=0", nil)
	}
	for i, conn := range conns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if m, err := readFeed(conn); err != nil || m.Type != "offair" {
				errs <- fmt.Errorf("client %d: first message %+v, %v; want offair", i, m, err)
				return
			}
			for k := 0; k < events; k++ {
				m, err := readFeed(conn)
				if err != nil {
					errs <- fmt.Errorf("client %d: event %d: %v", i, k, err)
					return
				}
				if want := ids[k%len(ids)]; m.Type != "onair" || m.Question == nil || m.Question.ID != want {
					errs <- fmt.Errorf("client %d: event %d is %+v, want onair #%d", i, k, m, want)
					return
				}
				received[i].Add(1)
			}
		}()
	}
	tribunetest.Eventually(t, 10*time.Second, "overlay health counts every client", func() bool {
		return tribunetest.Health(svc)[tribune.HealthOverlay] == strconv.Itoa(clients)
	})

	slowest := func() int64 {
		m := int64(events)
		for i := range received {
			m = min(m, received[i].Load())
		}
		return m
	}
	for k := 0; k < events; k++ {
		deadline := time.Now().Add(20 * time.Second)
		for int64(k)-slowest() > window {
			if time.Now().After(deadline) {
				t.Fatalf("clients stopped receiving at event %d (slowest has %d)", k, slowest())
			}
			time.Sleep(time.Millisecond)
		}
		tribunetest.Show(t, svc, ids[k%len(ids)])
	}

	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(30 * time.Second):
		t.Fatalf("not every client got every event: slowest has %d of %d", slowest(), events)
	}
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

// TestFeed_StalledClientDropped checks that a client that never reads is
// dropped once its queue is full, while a reading client keeps receiving,
// and that the overlay health follows.
func TestFeed_StalledClientDropped(t *testing.T) {
	svc := MustOpenService(t)
	var ids []int
	for i := 1; i <= 8; i++ {
		// Long questions fill the stalled client's socket buffers sooner.
		ids = append(ids, tribunetest.Ask(t, svc, tribunetest.Viewer(i), strings.Repeat("🎤", 290)+strconv.Itoa(i)).ID)
	}
	srv := StartServer(t, svc, "127.0.0.1:0")
	stalled := dialSmallBuffer(t, srv.URL()+"/overlay/ws?top=0")
	defer stalled.Close()
	reader := DialWS(t, srv, "/overlay/ws?top=0", nil)
	ReadMessage(t, reader, 5*time.Second)
	tribunetest.Eventually(t, 5*time.Second, "two clients", func() bool { return tribunetest.Health(svc)[tribune.HealthOverlay] == "2" })

	// Kernel buffers hold a few megabytes: about 3000 such messages.
	const most = 20000
	k := 0
	for ; k < most && tribunetest.Health(svc)[tribune.HealthOverlay] != "1"; k++ {
		tribunetest.Show(t, svc, ids[k%len(ids)])
		if m := ReadMessage(t, reader, 10*time.Second); m.Type != "onair" || m.Question.ID != ids[k%len(ids)] {
			t.Fatalf("reader: event %d is %+v, want onair #%d", k, m, ids[k%len(ids)])
		}
	}
	if k == most {
		t.Fatalf("the stalled client was not dropped after %d events", most)
	}
	t.Logf("stalled client dropped after %d events", k)
	// The reading client goes on as before.
	tribunetest.Show(t, svc, ids[k%len(ids)])
	if m := ReadMessage(t, reader, 10*time.Second); m.Type != "onair" || m.Question.ID != ids[k%len(ids)] {
		t.Fatalf("reader after the drop: %+v, want onair #%d", m, ids[k%len(ids)])
	}
}

// TestServer_CloseEndsFeeds checks that Close says goodbye to every client,
// hangs up on connections that sent nothing (a browser's spares) without
// waiting on them, and that the overlay health goes back to 0.
func TestServer_CloseEndsFeeds(t *testing.T) {
	svc := MustOpenService(t)
	srv := StartServer(t, svc, "127.0.0.1:0")
	// Dialled first, so accepted by the time the feeds below answer.
	silent := tribunetest.DialSilent(t, strings.TrimPrefix(srv.URL(), "http://"), 3)
	var conns []*websocket.Conn
	for range 5 {
		c := DialWS(t, srv, "/overlay/ws", nil)
		ReadMessage(t, c, 5*time.Second)
		conns = append(conns, c)
	}
	events := DialWS(t, srv, "/api/events", http.Header{"Authorization": {"Bearer " + testToken}})
	ReadMessage(t, events, 5*time.Second)
	conns = append(conns, events)
	tribunetest.Eventually(t, 5*time.Second, "five feed clients", func() bool { return tribunetest.Health(svc)[tribune.HealthOverlay] == "5" })

	if err := srv.Close(); err != nil {
		t.Fatal(err)
	}
	for i, c := range conns {
		c.SetReadDeadline(time.Now().Add(5 * time.Second))
		for {
			_, _, err := c.ReadMessage()
			if err == nil {
				continue // a message sent before the close
			}
			if !websocket.IsCloseError(err, websocket.CloseGoingAway) {
				t.Errorf("client %d: %v, want close 1001 (going away)", i, err)
			}
			break
		}
	}
	for i, c := range silent {
		if !tribunetest.HungUp(c, 5*time.Second) {
			t.Errorf("silent client %d: the server kept its connection after Close", i)
		}
	}
	if h := tribunetest.Health(svc)[tribune.HealthOverlay]; h != "0" {
		t.Errorf("overlay health %q after close, want 0", h)
	}
	if _, err := http.Get(srv.URL() + "/healthz"); err == nil {
		t.Errorf("healthz answered after close")
	}
	if err := srv.Close(); err != nil {
		t.Errorf("second close: %v", err)
	}
}

// dialSmallBuffer connects a websocket whose socket has a small receive
// buffer, the closest a test gets to a viewer on a stalled connection.
func dialSmallBuffer(t *testing.T, httpURL string) *websocket.Conn {
	t.Helper()
	d := websocket.Dialer{
		ReadBufferSize: 1024,
		NetDialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
			c, err := (&net.Dialer{}).DialContext(ctx, network, addr)
			if tc, ok := c.(*net.TCPConn); ok {
				tc.SetReadBuffer(4096)
			}
			return c, err
		},
	}
	conn, _, err := d.Dial(tribunetest.WebSocketURL(httpURL), nil)
	if err != nil {
		t.Fatalf("dial: %v", err)
	}
	return conn
}

func readFeed(conn *websocket.Conn) (FeedMessage, error) {
	conn.SetReadDeadline(time.Now().Add(30 * time.Second))
	_, data, err := conn.ReadMessage()
	if err != nil {
		return FeedMessage{}, err
	}
	var m FeedMessage
	err = json.Unmarshal(data, &m)
	return m, err
}
