package twitchfake_test

import (
	"bufio"
	"context"
	"net"
	"strings"
	"testing"
	"time"

	twitch "github.com/gempir/go-twitch-irc/v4"
	"github.com/tribune-live/tribune/internal/tribunetest"
	"github.com/tribune-live/tribune/internal/twitchfake"
)

// timeout is the deadline of a wait on the server.
func timeout(t *testing.T) context.Context { return tribunetest.Context(t, 10*time.Second) }

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
	srv := tribunetest.StartTwitch(t)
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
	srv := tribunetest.StartTwitch(t)
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
	srv := tribunetest.StartTwitch(t)
	srv.RejectLogin(true)
	c := dial(t, srv)
	c.send("PASS oauth:wrong", "NICK bot")
	c.expect("NOTICE * :Login authentication failed")
}

// TestGoTwitchIRC checks the server against the real client: it connects,
// joins, reads tags as Twitch sends them, and its messages are recorded.
func TestGoTwitchIRC(t *testing.T) {
	srv := tribunetest.StartTwitch(t)
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
	srv := tribunetest.StartTwitch(t)
	c := dial(t, srv)
	c.send("NICK justinfan1", "JOIN #townhall")
	c.expect("ROOMSTATE")
	crowd := twitchfake.NewCrowd(srv, "townhall", 1)
	crowd.Tick = time.Millisecond
	crowd.AskEvery, crowd.VoteEvery = 5*time.Millisecond, 5*time.Millisecond
	run := tribunetest.Run(t, "Run", crowd.Run)
	c.expect("PRIVMSG #townhall :!")
	if err := run.Stop(t); err != nil {
		t.Errorf("Run: %v", err)
	}
}

// joinedClient is a real go-twitch-irc client joined to channels, whose
// callbacks feed channels the test reads.
type joinedClient struct {
	tc      *twitch.Client
	privmsg chan twitch.PrivateMessage
	clear   chan twitch.ClearMessage
	chat    chan twitch.ClearChatMessage
	room    chan twitch.RoomStateMessage
	notice  chan twitch.NoticeMessage
}

func joinClient(t *testing.T, srv *twitchfake.Server, channels ...string) *joinedClient {
	t.Helper()
	j := &joinedClient{
		tc:      twitch.NewClient("tribunebot", "oauth:x"),
		privmsg: make(chan twitch.PrivateMessage, 64), clear: make(chan twitch.ClearMessage, 16),
		chat: make(chan twitch.ClearChatMessage, 16), room: make(chan twitch.RoomStateMessage, 16),
		notice: make(chan twitch.NoticeMessage, 16),
	}
	j.tc.IrcAddress, j.tc.TLS = srv.Addr(), false
	// The callbacks never block: a blocked callback would stall the
	// client's reader, and its Disconnect with it.
	j.tc.OnPrivateMessage(func(m twitch.PrivateMessage) { offer(j.privmsg, m) })
	j.tc.OnClearMessage(func(m twitch.ClearMessage) { offer(j.clear, m) })
	j.tc.OnClearChatMessage(func(m twitch.ClearChatMessage) { offer(j.chat, m) })
	j.tc.OnRoomStateMessage(func(m twitch.RoomStateMessage) { offer(j.room, m) })
	j.tc.OnNoticeMessage(func(m twitch.NoticeMessage) { offer(j.notice, m) })
	j.tc.Join(channels...)
	done := make(chan error, 1)
	go func() { done <- j.tc.Connect() }()
	t.Cleanup(func() {
		j.tc.Disconnect()
		<-done
	})
	for _, ch := range channels {
		if err := srv.WaitJoined(timeout(t), ch); err != nil {
			t.Fatal(err)
		}
	}
	return j
}

func offer[T any](c chan<- T, v T) {
	select {
	case c <- v:
	default:
	}
}

func next[T any](t *testing.T, c <-chan T) T {
	t.Helper()
	select {
	case v := <-c:
		return v
	case <-time.After(5 * time.Second):
		var zero T
		t.Fatalf("nothing received on %T", c)
		return zero
	}
}

// TestSharedChat checks the tags of a Shared Chat message and its mirror
// as go-twitch-irc reads them.
func TestSharedChat(t *testing.T) {
	srv := tribunetest.StartTwitch(t)
	j := joinClient(t, srv, "mp", "party")
	next(t, j.room)
	next(t, j.room)
	u := twitchfake.User{ID: "77", Login: "ann", DisplayName: "Ann", Moderator: true}
	n, id := srv.SayShared("mp", []string{"party"}, u, "!q Will the tram run at night?")
	if n != 2 || id == "" {
		t.Fatalf("SayShared delivered %d lines, id %q; want 2 and an id", n, id)
	}
	byChannel := map[string]twitch.PrivateMessage{}
	for range 2 {
		m := next(t, j.privmsg)
		byChannel[m.Channel] = m
	}
	orig, mirror := byChannel["mp"], byChannel["party"]
	if orig.ID != id || orig.Tags["source-id"] != id || orig.Tags["source-room-id"] != twitchfake.RoomID("mp") || orig.User.Badges["moderator"] != 1 {
		t.Errorf("original=%+v", orig.Tags)
	}
	if mirror.ID == id || mirror.ID == "" || mirror.RoomID != twitchfake.RoomID("party") ||
		mirror.Tags["source-id"] != id || mirror.Tags["source-room-id"] != twitchfake.RoomID("mp") ||
		mirror.Tags["source-badges"] != "moderator/1" || len(mirror.User.Badges) != 0 || mirror.User.ID != "77" ||
		mirror.Message != "!q Will the tram run at night?" {
		t.Errorf("mirror=%+v %+v", mirror.Tags, mirror.User)
	}
	// A co-streamer's channel nobody joined: only the mirror arrives.
	if n, _ := srv.SayShared("elsewhere", []string{"mp"}, u, "hello"); n != 1 {
		t.Errorf("SayShared from a channel nobody joined delivered %d lines, want 1", n)
	}
	if m := next(t, j.privmsg); m.Channel != "mp" || m.Tags["source-room-id"] != twitchfake.RoomID("elsewhere") {
		t.Errorf("foreign mirror=%+v", m.Tags)
	}
	if got := twitchfake.Tag(srv.Line("mp", twitchfake.User{Login: "x", DisplayName: "a b;c"}, "hi"), "display-name"); got != "a b;c" {
		t.Errorf("Tag(display-name)=%q", got)
	}
}

// TestPlatformModeration checks CLEARMSG and CLEARCHAT as go-twitch-irc
// reads them.
func TestPlatformModeration(t *testing.T) {
	srv := tribunetest.StartTwitch(t)
	j := joinClient(t, srv, "townhall")
	u := twitchfake.User{ID: "42", Login: "Troll"}
	if n := srv.Delete("townhall", "troll", "abc-123"); n != 1 {
		t.Fatalf("Delete reached %d connections", n)
	}
	if m := next(t, j.clear); m.TargetMsgID != "abc-123" || m.Login != "troll" || m.Channel != "townhall" {
		t.Errorf("CLEARMSG=%+v", m)
	}
	srv.Ban("townhall", u)
	if m := next(t, j.chat); m.TargetUserID != "42" || m.TargetUsername != "troll" || m.BanDuration != 0 || m.Tags["ban-duration"] != "" {
		t.Errorf("ban CLEARCHAT=%+v", m)
	}
	srv.Timeout("townhall", u, 10*time.Minute)
	if m := next(t, j.chat); m.TargetUserID != "42" || m.BanDuration != 600 {
		t.Errorf("timeout CLEARCHAT=%+v", m)
	}
	srv.ClearChat("townhall")
	if m := next(t, j.chat); m.TargetUserID != "" || m.Channel != "townhall" {
		t.Errorf("clear CLEARCHAT=%+v", m)
	}
}

// TestSlowModeAndRefusals checks that the server refuses what Twitch
// would: messages faster than slow mode, and those set with Refuse.
func TestSlowModeAndRefusals(t *testing.T) {
	srv := tribunetest.StartTwitch(t)
	j := joinClient(t, srv, "townhall", "party")
	srv.SetSlow("townhall", 30)
	for {
		if m := next(t, j.room); m.Channel == "townhall" && m.State["slow"] == 30 {
			break
		}
	}
	j.tc.Say("townhall", "@a #1")
	j.tc.Say("townhall", "@b #2")
	if m := next(t, j.notice); m.MsgID != "msg_slowmode" || m.Channel != "townhall" {
		t.Errorf("NOTICE=%+v, want msg_slowmode in #townhall", m)
	}
	// A moderator is not held by slow mode.
	srv.SetBotBadgesIn("townhall", "moderator/1")
	j.tc.Say("townhall", "@c #3")
	srv.Refuse("party", "msg_ratelimit", 1)
	j.tc.Say("party", "@d #4")
	if m := next(t, j.notice); m.MsgID != "msg_ratelimit" || m.Channel != "party" {
		t.Errorf("NOTICE=%+v, want msg_ratelimit in #party", m)
	}
	j.tc.Say("party", "@e #5")
	if _, err := srv.WaitReply(timeout(t), func(text string) bool { return text == "@e #5" }); err != nil {
		t.Fatal(err)
	}
	var accepted, refused []string
	for _, r := range srv.Attempts() {
		if r.Refused != "" {
			refused = append(refused, r.Text+" "+r.Refused)
		} else {
			accepted = append(accepted, r.Text)
		}
	}
	if strings.Join(accepted, "|") != "@a #1|@c #3|@e #5" || strings.Join(refused, "|") != "@b #2 msg_slowmode|@d #4 msg_ratelimit" {
		t.Errorf("accepted %q, refused %q", accepted, refused)
	}
	if n := len(srv.Replies()); n != 3 {
		t.Errorf("Replies has %d messages, want the 3 accepted", n)
	}
	for _, l := range srv.Received() {
		if strings.HasPrefix(l, "PASS") {
			t.Errorf("Received keeps the token line %q", l)
		}
	}
}

// TestCoStreamCrowd checks that a co-stream crowd speaks in both channels
// and mirrors part of its lines.
func TestCoStreamCrowd(t *testing.T) {
	c := twitchfake.NewCoStream(nil, []string{"tribune_demo", "#Tribune_Party"}, 3)
	perChannel, shared := map[string]int{}, 0
	for range 3000 {
		for _, m := range c.Step(100 * time.Millisecond) {
			perChannel[m.Channel]++
			if m.Shared {
				shared++
			}
		}
	}
	total := perChannel["tribune_demo"] + perChannel["tribune_party"]
	if len(perChannel) != 2 || perChannel["tribune_demo"] < total/4 || perChannel["tribune_party"] < total/4 {
		t.Errorf("lines per channel %v, want both channels", perChannel)
	}
	if shared < total/5 || shared > total/2 {
		t.Errorf("%d of %d lines shared, want about %.0f%%", shared, total, twitchfake.DefaultShared*100)
	}

	srv := tribunetest.StartTwitch(t)
	j := joinClient(t, srv, "tribune_demo", "tribune_party")
	crowd := twitchfake.NewCoStream(srv, []string{"tribune_demo", "tribune_party"}, 1)
	crowd.Tick = time.Millisecond
	crowd.AskEvery, crowd.VoteEvery, crowd.ChatEvery = 2*time.Millisecond, 2*time.Millisecond, 2*time.Millisecond
	run := tribunetest.Run(t, "Run", crowd.Run)
	seen := map[string]bool{}
	mirrors := 0
	for len(seen) < 2 || mirrors == 0 {
		m := next(t, j.privmsg)
		seen[m.Channel] = true
		if src := m.Tags["source-room-id"]; src != "" && src != m.RoomID {
			mirrors++
		}
	}
	if err := run.Stop(t); err != nil {
		t.Errorf("Run: %v", err)
	}
}
