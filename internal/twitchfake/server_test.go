package twitchfake_test

import (
	"bufio"
	"context"
	"net"
	"strings"
	"testing"
	"time"

	twitch "github.com/gempir/go-twitch-irc/v4"
	"github.com/tribune-live/tribune/internal/twitchfake"
)

func startServer(t *testing.T) *twitchfake.Server {
	t.Helper()
	srv, err := twitchfake.Start()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	return srv
}

func timeout(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// rawClient speaks IRC to the server line by line.
type rawClient struct {
	t  *testing.T
	c  net.Conn
	rd *bufio.Reader
}

func dial(t *testing.T, srv *twitchfake.Server) *rawClient {
	t.Helper()
	c, err := net.Dial("tcp", srv.Addr())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return &rawClient{t: t, c: c, rd: bufio.NewReader(c)}
}

func (r *rawClient) send(lines ...string) {
	r.t.Helper()
	for _, l := range lines {
		if _, err := r.c.Write([]byte(l + "\r\n")); err != nil {
			r.t.Fatal(err)
		}
	}
}

// expect reads lines until one contains want, and returns it.
func (r *rawClient) expect(want string) string {
	r.t.Helper()
	r.c.SetReadDeadline(time.Now().Add(5 * time.Second))
	for {
		line, err := r.rd.ReadString('\n')
		if err != nil {
			r.t.Fatalf("reading for %q: %v", want, err)
		}
		if strings.Contains(line, want) {
			return strings.TrimRight(line, "\r\n")
		}
	}
}

func TestServerProtocol(t *testing.T) {
	srv := startServer(t)
	srv.SetModerator(true)
	c := dial(t, srv)
	c.send("CAP REQ :twitch.tv/tags twitch.tv/commands", "PASS oauth:secret", "NICK TribuneBot")
	if got := c.expect("CAP * ACK"); got != ":tmi.twitch.tv CAP * ACK :twitch.tv/tags twitch.tv/commands" {
		t.Errorf("CAP reply=%q", got)
	}
	if got := c.expect(" 001 "); got != ":tmi.twitch.tv 001 tribunebot :Welcome, GLHF!" {
		t.Errorf("welcome=%q", got)
	}
	c.send("JOIN #TownHall")
	c.expect(":tribunebot!tribunebot@tribunebot.tmi.twitch.tv JOIN #townhall")
	if us := c.expect("USERSTATE #townhall"); !strings.Contains(us, "badges=moderator/1;") || !strings.Contains(us, ";mod=1;") {
		t.Errorf("USERSTATE=%q, want moderator badges", us)
	}
	if rs := c.expect("ROOMSTATE #townhall"); !strings.Contains(rs, "room-id="+twitchfake.RoomID("townhall")) {
		t.Errorf("ROOMSTATE=%q", rs)
	}
	if err := srv.WaitJoined(timeout(t), "#TOWNHALL"); err != nil {
		t.Fatal(err)
	}

	c.send("PING :hello")
	if got := c.expect("PONG"); got != ":tmi.twitch.tv PONG tmi.twitch.tv :hello" {
		t.Errorf("PONG=%q", got)
	}

	u := twitchfake.User{ID: "42", Login: "Alice", DisplayName: "Alice B; \\o/", Moderator: true, Subscriber: true, FirstMessage: true, Color: "#FF0000"}
	if n := srv.Say("townhall", u, "!q hello\r\nworld"); n != 1 {
		t.Fatalf("Say reached %d connections, want 1", n)
	}
	msg := c.expect("PRIVMSG #townhall")
	for _, want := range []string{
		"@badge-info=subscriber/14;badges=moderator/1,subscriber/12;color=#FF0000;display-name=Alice\\sB\\:\\s\\\\o/;emotes=;first-msg=1;flags=;id=",
		";mod=1;returning-chatter=0;room-id=" + twitchfake.RoomID("townhall") + ";subscriber=1;tmi-sent-ts=",
		";turbo=0;user-id=42;user-type=mod :alice!alice@alice.tmi.twitch.tv PRIVMSG #townhall :!q hello world",
	} {
		if !strings.Contains(msg, want) {
			t.Errorf("PRIVMSG=%q, want it to contain %q", msg, want)
		}
	}
	if n := srv.Say("elsewhere", u, "hi"); n != 0 {
		t.Errorf("Say to a channel nobody joined reached %d connections", n)
	}

	c.send("PRIVMSG #townhall :@alice #1", "@reply-parent-msg-id=x PRIVMSG #townhall :@alice thanks")
	got, err := srv.WaitReply(timeout(t), func(text string) bool { return text == "@alice thanks" })
	if err != nil {
		t.Fatal(err)
	}
	if got != "@alice thanks" {
		t.Errorf("WaitReply=%q", got)
	}
	if r := srv.Replies(); len(r) != 2 || r[0].Text != "@alice #1" || r[0].Channel != "townhall" || r[0].Nick != "tribunebot" || r[0].Anonymous {
		t.Errorf("Replies=%+v", r)
	}
	c.expect("USERSTATE #townhall") // Twitch answers each message with the sender's state

	c.send("PART #townhall")
	c.expect("PART #townhall")
	if srv.Joined("townhall") {
		t.Error("Joined after PART")
	}
}

func TestServerDropAndReconnect(t *testing.T) {
	srv := startServer(t)
	c := dial(t, srv)
	c.send("NICK justinfan123", "JOIN #a")
	c.expect("ROOMSTATE #a")
	srv.SendRaw(":tmi.twitch.tv NOTICE * :hello")
	c.expect("NOTICE * :hello")
	if n := srv.Reconnect(); n != 1 {
		t.Errorf("Reconnect reached %d, want 1", n)
	}
	c.expect("RECONNECT")
	srv.Drop()
	c.c.SetReadDeadline(time.Now().Add(5 * time.Second))
	if _, err := c.rd.ReadString('\n'); err == nil {
		t.Error("connection still open after Drop")
	}
	if n := srv.Connections(); n != 0 {
		t.Errorf("Connections=%d after Drop, want 0", n)
	}
	if srv.Joined("a") {
		t.Error("Joined after Drop")
	}
}

func TestServerRejectLogin(t *testing.T) {
	srv := startServer(t)
	srv.RejectLogin(true)
	c := dial(t, srv)
	c.send("PASS oauth:wrong", "NICK bot")
	c.expect("NOTICE * :Login authentication failed")
}

// TestGoTwitchIRC checks the server against the real client: it connects,
// joins, reads tags as Twitch sends them, and its messages are recorded.
func TestGoTwitchIRC(t *testing.T) {
	srv := startServer(t)
	tc := twitch.NewClient("tribunebot", "oauth:x")
	tc.IrcAddress, tc.TLS = srv.Addr(), false
	got := make(chan twitch.PrivateMessage, 1)
	state := make(chan twitch.UserStateMessage, 4)
	tc.OnPrivateMessage(func(m twitch.PrivateMessage) { got <- m })
	tc.OnUserStateMessage(func(m twitch.UserStateMessage) { state <- m })
	tc.Join("townhall")
	done := make(chan error, 1)
	go func() { done <- tc.Connect() }()
	t.Cleanup(func() {
		tc.Disconnect()
		<-done
	})
	if err := srv.WaitJoined(timeout(t), "townhall"); err != nil {
		t.Fatal(err)
	}
	select {
	case us := <-state:
		if us.User.Badges["moderator"] != 0 {
			t.Errorf("bot badges=%v, want none", us.User.Badges)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("no USERSTATE")
	}
	srv.SetModerator(true)
	select {
	case us := <-state:
		if us.User.Badges["moderator"] != 1 {
			t.Errorf("bot badges=%v after SetModerator, want moderator", us.User.Badges)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("no USERSTATE after SetModerator")
	}

	srv.Say("townhall", twitchfake.User{Login: "bob", DisplayName: "Bob", Broadcaster: true, FirstMessage: true}, "!top \U000E0000")
	select {
	case m := <-got:
		if m.Message != "!top \U000E0000" || m.User.Name != "bob" || m.User.DisplayName != "Bob" ||
			m.User.ID != twitchfake.UserID("bob") || m.User.Badges["broadcaster"] != 1 || !m.FirstMessage || m.Channel != "townhall" || m.ID == "" {
			t.Errorf("PrivateMessage=%+v", m)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("no PRIVMSG")
	}
	tc.Say("townhall", "@Bob hello")
	if _, err := srv.WaitReply(timeout(t), func(text string) bool { return text == "@Bob hello" }); err != nil {
		t.Fatal(err)
	}
}

// TestCrowd checks that a crowd is deterministic and plays every kind of
// line a demo needs.
func TestCrowd(t *testing.T) {
	run := func(seed uint64) ([]twitchfake.Message, map[string]int) {
		c := twitchfake.NewCrowd(nil, "townhall", seed)
		var out []twitchfake.Message
		for range 3000 { // 5 minutes of simulated time
			out = append(out, c.Step(100*time.Millisecond)...)
		}
		return out, c.Sent
	}
	a, sent := run(7)
	b, _ := run(7)
	if len(a) != len(b) {
		t.Fatalf("same seed: %d then %d messages", len(a), len(b))
	}
	for i := range a {
		if a[i] != b[i] {
			t.Fatalf("same seed: message %d differs: %+v vs %+v", i, a[i], b[i])
		}
	}
	if c, _ := run(8); len(c) == len(a) && c[0] == a[0] && c[len(c)-1] == a[len(a)-1] {
		t.Error("different seeds gave the same crowd")
	}
	for _, kind := range []string{"ask", "vote", "chat", "troll", "top", "help", "unvote", "withdraw"} {
		if sent[kind] == 0 {
			t.Errorf("no %q line in 5 minutes", kind)
		}
	}
	// A human can follow it: a question every few seconds.
	if n := sent["ask"]; n < 40 || n > 120 {
		t.Errorf("%d questions in 5 minutes, want one every few seconds", n)
	}
	var html, banned, french bool
	for _, m := range a {
		html = html || strings.Contains(m.Text, "<img src=x onerror=alert(1)>")
		french = french || strings.Contains(m.Text, "Quand ") || strings.Contains(m.Text, "Comment ")
		for _, w := range twitchfake.DemoBannedWords {
			banned = banned || strings.Contains(strings.ToLower(m.Text), w)
		}
		if m.User.ID == "" || m.User.Login == "" {
			t.Fatalf("message without identity: %+v", m)
		}
	}
	if !html || !banned || !french {
		t.Errorf("html=%v banned=%v french=%v, want a troll's HTML, a banned word and French questions", html, banned, french)
	}
}

func TestCrowdRun(t *testing.T) {
	srv := startServer(t)
	c := dial(t, srv)
	c.send("NICK justinfan1", "JOIN #townhall")
	c.expect("ROOMSTATE")
	crowd := twitchfake.NewCrowd(srv, "townhall", 1)
	crowd.Tick = time.Millisecond
	crowd.AskEvery, crowd.VoteEvery = 5*time.Millisecond, 5*time.Millisecond
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- crowd.Run(ctx) }()
	c.expect("PRIVMSG #townhall :!")
	cancel()
	if err := <-done; err != nil {
		t.Errorf("Run: %v", err)
	}
}
