// Package twitchfake is a fake Twitch chat (IRC) server on loopback, for
// tests, benchmarks and `tribune demo`. It speaks what a real client such as
// github.com/gempir/go-twitch-irc needs (CAP REQ, PASS, NICK, JOIN, PART,
// PING/PONG, PRIVMSG), sends chat lines with the IRCv3 tags Twitch sends,
// records every PRIVMSG a client sends (the bot's replies), and can drop
// connections or ask clients to reconnect. It also plays what Twitch does
// around a meeting: Shared Chat mirrors (SayShared), platform moderation
// (Delete, Ban, Timeout: CLEARMSG and CLEARCHAT), slow mode (SetSlow, with
// ROOMSTATE and msg_slowmode refusals) and rate-limit refusals (Refuse). A
// Crowd plays simulated viewers for demos, on one channel or on a
// co-stream's two.
//
// A Server listens on 127.0.0.1 only, on a port chosen by the system:
//
//	srv, err := twitchfake.Start()
//	defer srv.Close()
//	client.IrcAddress, client.TLS = srv.Addr(), false
//	srv.WaitJoined(ctx, "townhall")
//	srv.Say("townhall", twitchfake.User{Login: "alice", ID: "101"}, "!q Hello?")
//	srv.WaitReply(ctx, func(text string) bool { return strings.Contains(text, "@alice") })
//
// server.go holds the Server and what a test sets and observes;
// lines.go the lines Twitch sends into a channel (chat with its tags,
// Shared Chat mirrors, CLEARMSG, CLEARCHAT); irc.go the protocol a client
// speaks to the server (login, JOIN, PART, PRIVMSG and the refusals);
// crowd.go the Crowd.
package twitchfake

import (
	"bufio"
	"context"
	"fmt"
	"net"
	"strconv"
	"sync"
	"time"
)

// Host is the server name the fake uses in its lines, as Twitch does.
const Host = "tmi.twitch.tv"

// User is a chat user as the server describes them in a PRIVMSG's tags.
type User struct {
	// ID is the stable Twitch user id (tag user-id). When empty, one is
	// derived from Login, so that the same login always has the same id.
	ID string
	// Login is the lower-case account name (the message's source).
	Login string
	// DisplayName is shown in chat (tag display-name); Login when empty.
	DisplayName string
	// Color is the name colour, "#RRGGBB" (tag color), or empty.
	Color       string
	Broadcaster bool // badge broadcaster/1
	Moderator   bool // badge moderator/1 and mod=1
	VIP         bool // badge vip/1
	Subscriber  bool // badge subscriber/N and subscriber=1
	// FirstMessage marks the user's first message in the channel
	// (first-msg=1).
	FirstMessage bool
	// Badges, when not empty, replaces the badges derived from the fields
	// above, verbatim (for malformed-badge tests).
	Badges string
}

// Reply is one PRIVMSG a client sent to the server.
type Reply struct {
	Channel string // without '#'
	Text    string
	Nick    string // the sending connection's NICK
	// Parent is the reply-parent-msg-id tag of a native reply, or "".
	Parent string
	// Anonymous is true when the connection logged in as a justinfan
	// user: real Twitch ignores what such connections send.
	Anonymous bool
	// Refused is the msg-id of the NOTICE with which the server refused
	// the message (msg_slowmode, msg_ratelimit), or "" when it was
	// accepted. Replies lists only accepted messages; Attempts lists all.
	Refused string
	Time    time.Time
}

// Server is a fake Twitch IRC server. Its methods are safe for concurrent
// use.
type Server struct {
	ln net.Listener

	mu          sync.Mutex // guards everything below
	conns       map[*conn]struct{}
	replies     []Reply
	changed     chan struct{} // closed and replaced whenever joins or replies change
	botBadges   string
	badgesIn    map[string]string // per-channel overrides of botBadges
	slow        map[string]int    // slow mode of each channel, in seconds
	lastSent    map[sentKey]time.Time
	refuse      map[string]*refusal // by channel
	received    []string            // lines from clients but PASS, the latest maxReceived
	rejectLogin bool
	hold        bool
	msgSeq      uint64
	closed      bool

	wg sync.WaitGroup // the accept loop and every connection's goroutine
}

// sentKey names a client account in a channel, for slow mode.
type sentKey struct{ nick, channel string }

// refusal is a number of PRIVMSGs to refuse with a NOTICE msg-id.
type refusal struct {
	msgID string
	n     int
}

// maxReceived bounds the client lines a Server keeps for Received.
const maxReceived = 10000

// conn is one client connection. Only its serve goroutine reads it; writes
// are serialised by wmu.
type conn struct {
	c   net.Conn
	wmu sync.Mutex
	w   *bufio.Writer

	// Guarded by Server.mu.
	nick    string
	tags    bool
	joined  map[string]bool
	welcome bool
}

// Start listens on a free loopback port and serves clients until Close.
func Start() (*Server, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("twitchfake: listen: %w", err)
	}
	s := &Server{
		ln:       ln,
		conns:    map[*conn]struct{}{},
		changed:  make(chan struct{}),
		badgesIn: map[string]string{},
		slow:     map[string]int{},
		lastSent: map[sentKey]time.Time{},
		refuse:   map[string]*refusal{},
	}
	s.wg.Add(1)
	go s.accept()
	return s, nil
}

// Addr returns the address clients dial, "127.0.0.1:PORT".
func (s *Server) Addr() string { return s.ln.Addr().String() }

// Close stops listening, closes every connection and waits for the
// server's goroutines to end.
func (s *Server) Close() error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return nil
	}
	s.closed = true
	s.mu.Unlock()
	err := s.ln.Close()
	s.Drop()
	s.wg.Wait()
	return err
}

// SetModerator sets the badges the bot's connection gets in the USERSTATE
// sent after it joins (and after each message it sends): moderator/1 when
// mod is true, none otherwise. Already joined connections receive a new
// USERSTATE at once.
func (s *Server) SetModerator(mod bool) {
	badges := ""
	if mod {
		badges = "moderator/1"
	}
	s.SetBotBadges(badges)
}

// SetBotBadges sets the raw badges tag of the USERSTATE sent to clients,
// for example "broadcaster/1" or "moderator/1,subscriber/12".
func (s *Server) SetBotBadges(badges string) {
	s.mu.Lock()
	s.botBadges = badges
	var lines []func()
	for c := range s.conns {
		for ch := range c.joined {
			line := s.userStateLocked(c, ch)
			lines = append(lines, func() { c.write(line) })
		}
	}
	s.mu.Unlock()
	for _, f := range lines {
		f()
	}
}

// SetBotBadgesIn sets the badges of the bot's connection in channel alone,
// overriding SetBotBadges there ("" goes back to the common badges):
// a bot may moderate one channel of a co-stream and not the other.
func (s *Server) SetBotBadgesIn(channel, badges string) {
	channel = normChannel(channel)
	s.mu.Lock()
	if badges == "" {
		delete(s.badgesIn, channel)
	} else {
		s.badgesIn[channel] = badges
	}
	var lines []func()
	for c := range s.conns {
		if c.joined[channel] {
			line := s.userStateLocked(c, channel)
			lines = append(lines, func() { c.write(line) })
		}
	}
	s.mu.Unlock()
	for _, f := range lines {
		f()
	}
}

// SetSlow puts channel in slow mode, as a Twitch moderator's /slow does:
// joined connections receive a ROOMSTATE with slow=seconds (0 ends slow
// mode), and from then on a client that is not a moderator or the
// broadcaster there has each PRIVMSG sent sooner than seconds after its
// last accepted one refused with NOTICE msg_slowmode.
func (s *Server) SetSlow(channel string, seconds int) {
	channel = normChannel(channel)
	s.mu.Lock()
	s.slow[channel] = max(seconds, 0)
	s.mu.Unlock()
	s.broadcast(channel, "@room-id="+RoomID(channel)+";slow="+strconv.Itoa(max(seconds, 0))+" :"+Host+" ROOMSTATE #"+channel)
}

// Refuse makes the server refuse the next n PRIVMSGs clients send in
// channel with a NOTICE of msgID ("msg_ratelimit", "msg_slowmode", …), as
// Twitch does when its own count of a bot's messages disagrees with the
// bot's. n = 0 cancels.
func (s *Server) Refuse(channel, msgID string, n int) {
	channel = normChannel(channel)
	s.mu.Lock()
	if n <= 0 {
		delete(s.refuse, channel)
	} else {
		s.refuse[channel] = &refusal{msgID: msgID, n: n}
	}
	s.mu.Unlock()
}

// RejectLogin makes the server refuse new logins as Twitch does a bad
// token: a NOTICE "Login authentication failed", then it closes the
// connection.
func (s *Server) RejectLogin(reject bool) {
	s.mu.Lock()
	s.rejectLogin = reject
	s.mu.Unlock()
}

// Hold makes the server read and ignore everything clients send, as a hung
// server would, while connections stay open; Hold(false) resumes normal
// service for what is sent afterwards.
func (s *Server) Hold(hold bool) {
	s.mu.Lock()
	s.hold = hold
	s.mu.Unlock()
}

// Connections returns how many client connections are open.
func (s *Server) Connections() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.conns)
}

// Joined reports whether an open connection has joined channel.
func (s *Server) Joined(channel string) bool {
	channel = normChannel(channel)
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.joinedLocked(channel)
}

func (s *Server) joinedLocked(channel string) bool {
	for c := range s.conns {
		if c.joined[channel] {
			return true
		}
	}
	return false
}

// WaitJoined waits until an open connection has joined channel.
func (s *Server) WaitJoined(ctx context.Context, channel string) error {
	channel = normChannel(channel)
	for {
		s.mu.Lock()
		ok, ch := s.joinedLocked(channel), s.changed
		s.mu.Unlock()
		if ok {
			return nil
		}
		select {
		case <-ch:
		case <-ctx.Done():
			return fmt.Errorf("twitchfake: wait for a client to join #%s: %w", channel, ctx.Err())
		}
	}
}

// Replies returns every PRIVMSG clients have sent that the server
// accepted, oldest first.
func (s *Server) Replies() []Reply {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Reply, 0, len(s.replies))
	for _, r := range s.replies {
		if r.Refused == "" {
			out = append(out, r)
		}
	}
	return out
}

// Attempts returns every PRIVMSG clients have sent, refused ones
// included, oldest first.
func (s *Server) Attempts() []Reply {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Reply, len(s.replies))
	copy(out, s.replies)
	return out
}

// Received returns the latest lines clients sent, as they arrived and in
// order (at most 10 000; PASS lines, which carry a token, are not kept):
// tests read them to check what reaches the socket.
func (s *Server) Received() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]string, len(s.received))
	copy(out, s.received)
	return out
}

// ResetReplies forgets the recorded replies.
func (s *Server) ResetReplies() {
	s.mu.Lock()
	s.replies = nil
	s.notifyLocked()
	s.mu.Unlock()
}

// WaitReply waits until an accepted reply's text satisfies match, looking at
// every reply since the start (or the last ResetReplies) and then at new
// ones, and returns that text.
func (s *Server) WaitReply(ctx context.Context, match func(text string) bool) (string, error) {
	r, err := s.WaitFor(ctx, func(r Reply) bool { return match(r.Text) })
	return r.Text, err
}

// WaitFor waits until an accepted reply satisfies match (its channel, its
// text, its parent), looking at every reply since the start (or the last
// ResetReplies) and then at new ones, and returns it.
func (s *Server) WaitFor(ctx context.Context, match func(Reply) bool) (Reply, error) {
	seen := 0
	for {
		s.mu.Lock()
		if seen > len(s.replies) { // reset meanwhile
			seen = 0
		}
		news, ch := s.replies[seen:], s.changed
		seen = len(s.replies)
		for _, r := range news {
			if r.Refused == "" && match(r) {
				s.mu.Unlock()
				return r, nil
			}
		}
		s.mu.Unlock()
		select {
		case <-ch:
		case <-ctx.Done():
			return Reply{}, fmt.Errorf("twitchfake: wait for a reply: %w", ctx.Err())
		}
	}
}

// SendRaw sends one raw line (without its line end) to every open
// connection, joined or not: for RECONNECT, PING, NOTICE and malformed
// lines.
func (s *Server) SendRaw(line string) int {
	s.mu.Lock()
	targets := make([]*conn, 0, len(s.conns))
	for c := range s.conns {
		targets = append(targets, c)
	}
	s.mu.Unlock()
	n := 0
	for _, c := range targets {
		if c.write(line) == nil {
			n++
		}
	}
	return n
}

// Reconnect sends Twitch's RECONNECT to every connection: a well-behaved
// client reconnects and joins its channels again.
func (s *Server) Reconnect() int { return s.SendRaw(":" + Host + " RECONNECT") }

// Drop closes every client connection at once, as a network failure or a
// server restart would. The server keeps listening.
func (s *Server) Drop() {
	s.mu.Lock()
	targets := make([]*conn, 0, len(s.conns))
	for c := range s.conns {
		targets = append(targets, c)
		delete(s.conns, c)
	}
	s.notifyLocked()
	s.mu.Unlock()
	for _, c := range targets {
		c.c.Close()
	}
}

// notifyLocked wakes every waiter. The caller holds s.mu.
func (s *Server) notifyLocked() {
	close(s.changed)
	s.changed = make(chan struct{})
}
