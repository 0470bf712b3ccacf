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
package twitchfake

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"net"
	"strconv"
	"strings"
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

// Say sends a chat message from u in channel to every connection that has
// joined it, with the tags Twitch sends, and returns how many connections
// it reached. Line breaks in text are sent as spaces: IRC cannot carry them.
func (s *Server) Say(channel string, u User, text string) int {
	channel = normChannel(channel)
	line := s.Line(channel, u, text)
	return s.broadcast(channel, line)
}

// Message is one chat message for SayAll, or one line a Crowd says.
type Message struct {
	User User
	Text string
	// Channel is where the message is typed; "" is the channel SayAll is
	// given. A Crowd on several channels sets it.
	Channel string
	// Shared marks a message of a Shared Chat session: a Crowd sends it
	// with a mirror into each of its other channels (SayShared).
	Shared bool
}

// SayAll sends msgs in order to every connection that has joined channel,
// with one flush per connection: the fast way to play a crowd. It returns
// how many connections it reached.
func (s *Server) SayAll(channel string, msgs []Message) int {
	channel = normChannel(channel)
	lines := make([]string, len(msgs))
	for i, m := range msgs {
		lines[i] = s.Line(channel, m.User, m.Text)
	}
	return s.broadcast(channel, lines...)
}

// SendLines sends raw lines (without line ends) to every connection that
// has joined channel, with one flush per connection. Build them with Line;
// benchmarks prepare them in advance.
func (s *Server) SendLines(channel string, lines []string) int {
	return s.broadcast(normChannel(channel), lines...)
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

func (s *Server) broadcast(channel string, lines ...string) int {
	s.mu.Lock()
	var targets []*conn
	for c := range s.conns {
		if c.joined[channel] {
			targets = append(targets, c)
		}
	}
	s.mu.Unlock()
	n := 0
	for _, c := range targets {
		if c.write(lines...) == nil {
			n++
		}
	}
	return n
}

// Line returns the PRIVMSG line, with Twitch's tags, that carries text from
// u in channel. Each call gets a new message id.
func (s *Server) Line(channel string, u User, text string) string {
	return PrivmsgLine(channel, u, text, s.nextSeq(), time.Now())
}

func (s *Server) nextSeq() uint64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.msgSeq++
	return s.msgSeq
}

// SharedLines returns the lines of one message u types in origin during a
// Twitch Shared Chat session with the channels of mirrors: the original
// as origin receives it, and its mirror in each channel of mirrors
// (copies[i] for mirrors[i]), as Twitch sends them. Every copy carries
// source-room-id (origin's room) and source-id (the original's id); the
// original's are its own. A mirror has its own id and room-id, and the
// author's badges in origin as source-badges, while its badges are the
// author's in the mirror's channel: none. origin need not be a channel
// any client joined: a co-streamer's channel Tribune does not read.
func (s *Server) SharedLines(origin string, u User, text string, mirrors ...string) (original string, copies []string) {
	origin = normChannel(origin)
	now := time.Now()
	seq := s.nextSeq()
	id := messageID(seq)
	badges, badgeInfo := userBadges(u)
	src := &source{room: RoomID(origin), id: id, badges: badges, badgeInfo: badgeInfo}
	original = privmsg(origin, u, text, id, now, src)
	mu := u
	mu.Badges, mu.Broadcaster, mu.Moderator, mu.VIP, mu.Subscriber = "", false, false, false, false
	for _, ch := range mirrors {
		copies = append(copies, privmsg(normChannel(ch), mu, text, messageID(s.nextSeq()), now, src))
	}
	return original, copies
}

// SayShared sends one message of a Shared Chat session (see SharedLines):
// the original to the connections that joined origin, and a mirror to
// those that joined each channel of mirrors. It returns how many lines it
// delivered in all, and the original's id (which every mirror carries as
// source-id).
func (s *Server) SayShared(origin string, mirrors []string, u User, text string) (delivered int, id string) {
	original, copies := s.SharedLines(origin, u, text, mirrors...)
	delivered = s.broadcast(normChannel(origin), original)
	for i, ch := range mirrors {
		delivered += s.broadcast(normChannel(ch), copies[i])
	}
	return delivered, Tag(original, "id")
}

// PrivmsgLine formats a PRIVMSG as Twitch sends it: badge-info, badges,
// color, display-name, emotes, first-msg, flags, id, mod,
// returning-chatter, room-id, subscriber, tmi-sent-ts, turbo, user-id and
// user-type tags, then the source and the text. seq makes the message id;
// sent is the tmi-sent-ts.
func PrivmsgLine(channel string, u User, text string, seq uint64, sent time.Time) string {
	return privmsg(normChannel(channel), u, text, messageID(seq), sent, nil)
}

// source holds the Shared Chat tags of a message: where it was typed.
type source struct {
	room, id, badges, badgeInfo string
}

// messageID returns the message id of sequence number seq, in the form
// of Twitch's (a UUID).
func messageID(seq uint64) string {
	return fmt.Sprintf("%08x-0000-4000-8000-%012x", seq>>48, seq&0xffffffffffff)
}

// userBadges returns the badges and badge-info tags of u.
func userBadges(u User) (badges, badgeInfo string) {
	if u.Badges != "" {
		return u.Badges, ""
	}
	var b []string
	if u.Broadcaster {
		b = append(b, "broadcaster/1")
	}
	if u.Moderator {
		b = append(b, "moderator/1")
	}
	if u.VIP {
		b = append(b, "vip/1")
	}
	if u.Subscriber {
		b = append(b, "subscriber/12")
		badgeInfo = "subscriber/14"
	}
	return strings.Join(b, ","), badgeInfo
}

func privmsg(channel string, u User, text, id string, sent time.Time, src *source) string {
	login := strings.ToLower(u.Login)
	if login == "" {
		login = "anonymous"
	}
	display := u.DisplayName
	if display == "" {
		display = login
	}
	uid := u.ID
	if uid == "" {
		uid = UserID(login)
	}
	badges, badgeInfo := userBadges(u)
	userType := ""
	if u.Moderator {
		userType = "mod"
	}
	var sb strings.Builder
	sb.Grow(320 + len(text))
	sb.WriteString("@badge-info=")
	sb.WriteString(badgeInfo)
	sb.WriteString(";badges=")
	sb.WriteString(badges)
	sb.WriteString(";color=")
	sb.WriteString(escapeTag(u.Color))
	sb.WriteString(";display-name=")
	sb.WriteString(escapeTag(display))
	sb.WriteString(";emotes=;first-msg=")
	sb.WriteString(flag(u.FirstMessage))
	sb.WriteString(";flags=;id=")
	sb.WriteString(id)
	sb.WriteString(";mod=")
	sb.WriteString(flag(u.Moderator))
	sb.WriteString(";returning-chatter=0;room-id=")
	sb.WriteString(RoomID(channel))
	if src != nil {
		sb.WriteString(";source-badge-info=")
		sb.WriteString(src.badgeInfo)
		sb.WriteString(";source-badges=")
		sb.WriteString(src.badges)
		sb.WriteString(";source-id=")
		sb.WriteString(src.id)
		sb.WriteString(";source-only=0;source-room-id=")
		sb.WriteString(src.room)
	}
	sb.WriteString(";subscriber=")
	sb.WriteString(flag(u.Subscriber))
	sb.WriteString(";tmi-sent-ts=")
	sb.WriteString(strconv.FormatInt(sent.UnixMilli(), 10))
	sb.WriteString(";turbo=0;user-id=")
	sb.WriteString(escapeTag(uid))
	sb.WriteString(";user-type=")
	sb.WriteString(userType)
	sb.WriteString(" :")
	sb.WriteString(login)
	sb.WriteByte('!')
	sb.WriteString(login)
	sb.WriteByte('@')
	sb.WriteString(login)
	sb.WriteString(".tmi.twitch.tv PRIVMSG #")
	sb.WriteString(channel)
	sb.WriteString(" :")
	sb.WriteString(oneLine(text))
	return sb.String()
}

// Tag returns the value of tag in a raw line's IRCv3 tags, unescaped, or
// "" when the line has no such tag: the id of a line from Line, say.
func Tag(line, tag string) string {
	if !strings.HasPrefix(line, "@") {
		return ""
	}
	tags, _, _ := strings.Cut(line[1:], " ")
	for _, kv := range strings.Split(tags, ";") {
		if k, v, _ := strings.Cut(kv, "="); k == tag {
			return unescapeTag(v)
		}
	}
	return ""
}

// Delete deletes the message msgID of login in channel, as a Twitch
// moderator does: joined connections receive CLEARMSG with target-msg-id.
// It returns how many connections it reached.
func (s *Server) Delete(channel, login, msgID string) int {
	channel = normChannel(channel)
	return s.broadcast(channel, "@login="+escapeTag(strings.ToLower(login))+";room-id="+RoomID(channel)+
		";target-msg-id="+escapeTag(msgID)+";tmi-sent-ts="+strconv.FormatInt(time.Now().UnixMilli(), 10)+
		" :"+Host+" CLEARMSG #"+channel+" :")
}

// Ban bans u from channel for good, as a Twitch moderator's /ban does:
// joined connections receive CLEARCHAT with target-user-id and no
// ban-duration. It returns how many connections it reached.
func (s *Server) Ban(channel string, u User) int { return s.clearChat(channel, u, 0) }

// Timeout times u out of channel for d (at least a second), as /timeout
// does: CLEARCHAT with target-user-id and ban-duration in seconds.
func (s *Server) Timeout(channel string, u User, d time.Duration) int {
	return s.clearChat(channel, u, max(int(d/time.Second), 1))
}

// ClearChat clears channel's whole chat, as /clear does: CLEARCHAT with
// no target.
func (s *Server) ClearChat(channel string) int {
	channel = normChannel(channel)
	return s.broadcast(channel, "@room-id="+RoomID(channel)+";tmi-sent-ts="+strconv.FormatInt(time.Now().UnixMilli(), 10)+
		" :"+Host+" CLEARCHAT #"+channel)
}

func (s *Server) clearChat(channel string, u User, seconds int) int {
	channel = normChannel(channel)
	login := strings.ToLower(u.Login)
	id := u.ID
	if id == "" {
		id = UserID(login)
	}
	tags := "@"
	if seconds > 0 {
		tags += "ban-duration=" + strconv.Itoa(seconds) + ";"
	}
	tags += "room-id=" + RoomID(channel) + ";target-user-id=" + escapeTag(id) + ";tmi-sent-ts=" + strconv.FormatInt(time.Now().UnixMilli(), 10)
	return s.broadcast(channel, tags+" :"+Host+" CLEARCHAT #"+channel+" :"+login)
}

// RoomID returns the room-id the server gives channel: stable, numeric.
// A broadcaster's user id is their channel's room id.
func RoomID(channel string) string {
	return strconv.FormatUint(uint64(hash32(normChannel(channel))), 10)
}

// UserID returns the user id the server gives a login whose User has no ID.
func UserID(login string) string {
	return strconv.FormatUint(1_000_000_000+uint64(hash32("user:"+strings.ToLower(login))), 10)
}

func hash32(s string) uint32 {
	h := fnv.New32a()
	h.Write([]byte(s))
	return h.Sum32() & 0x7fffffff
}

func flag(b bool) string {
	if b {
		return "1"
	}
	return "0"
}

// escapeTag escapes an IRCv3 tag value.
func escapeTag(v string) string {
	if !strings.ContainsAny(v, "; \\\r\n") {
		return v
	}
	r := strings.NewReplacer(`\`, `\\`, ";", `\:`, " ", `\s`, "\r", `\r`, "\n", `\n`)
	return r.Replace(v)
}

// unescapeTag undoes escapeTag.
func unescapeTag(v string) string {
	if !strings.Contains(v, `\`) {
		return v
	}
	var b strings.Builder
	for i := 0; i < len(v); i++ {
		if v[i] != '\\' || i+1 == len(v) {
			b.WriteByte(v[i])
			continue
		}
		i++
		switch v[i] {
		case ':':
			b.WriteByte(';')
		case 's':
			b.WriteByte(' ')
		case 'r':
			b.WriteByte('\r')
		case 'n':
			b.WriteByte('\n')
		default:
			b.WriteByte(v[i])
		}
	}
	return b.String()
}

// oneLine keeps text on one IRC line.
func oneLine(text string) string {
	if !strings.ContainsAny(text, "\r\n\x00") {
		return text
	}
	return strings.NewReplacer("\r\n", " ", "\r", " ", "\n", " ", "\x00", "").Replace(text)
}

func normChannel(ch string) string { return strings.ToLower(strings.TrimPrefix(ch, "#")) }

// notifyLocked wakes every waiter. The caller holds s.mu.
func (s *Server) notifyLocked() {
	close(s.changed)
	s.changed = make(chan struct{})
}

func (s *Server) accept() {
	defer s.wg.Done()
	for {
		nc, err := s.ln.Accept()
		if err != nil {
			if errors.Is(err, net.ErrClosed) {
				return
			}
			time.Sleep(10 * time.Millisecond)
			continue
		}
		c := &conn{c: nc, w: bufio.NewWriterSize(nc, 64<<10), joined: map[string]bool{}}
		s.mu.Lock()
		if s.closed {
			s.mu.Unlock()
			nc.Close()
			return
		}
		s.conns[c] = struct{}{}
		s.mu.Unlock()
		s.wg.Add(1)
		go s.serve(c)
	}
}

// write sends lines and flushes. It returns the first error.
func (c *conn) write(lines ...string) error {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	for _, l := range lines {
		c.w.WriteString(l)
		c.w.WriteString("\r\n")
	}
	return c.w.Flush()
}

// maxLine bounds what a client may send in one line: Twitch's limit is 512
// bytes without tags; clients add tags of their own.
const maxLine = 8 << 10

func (s *Server) serve(c *conn) {
	defer s.wg.Done()
	defer func() {
		c.c.Close()
		s.mu.Lock()
		if _, ok := s.conns[c]; ok {
			delete(s.conns, c)
			s.notifyLocked()
		}
		s.mu.Unlock()
	}()
	sc := bufio.NewScanner(c.c)
	sc.Buffer(make([]byte, 4096), maxLine)
	for sc.Scan() {
		line := strings.TrimRight(sc.Text(), "\r")
		if !s.handle(c, line) {
			return
		}
	}
}

// handle answers one client line; it returns false to close the connection.
func (s *Server) handle(c *conn, line string) bool {
	s.mu.Lock()
	hold := s.hold
	s.mu.Unlock()
	if hold {
		return true
	}
	raw := line
	// Clients may prefix their own tags (@reply-parent-msg-id=… PRIVMSG).
	var clientTags string
	if strings.HasPrefix(line, "@") {
		if i := strings.IndexByte(line, ' '); i >= 0 {
			clientTags, line = line[:i], line[i+1:]
		} else {
			return true
		}
	}
	cmd, rest, _ := strings.Cut(line, " ")
	if !strings.EqualFold(cmd, "PASS") {
		s.mu.Lock()
		if len(s.received) == maxReceived {
			s.received = append(s.received[:0], s.received[maxReceived/2:]...)
		}
		s.received = append(s.received, raw)
		s.mu.Unlock()
	}
	switch strings.ToUpper(cmd) {
	case "CAP":
		// "CAP REQ :twitch.tv/tags twitch.tv/commands"
		if sub, caps, ok := strings.Cut(rest, " "); ok && strings.EqualFold(sub, "REQ") {
			caps = strings.TrimPrefix(caps, ":")
			s.mu.Lock()
			c.tags = strings.Contains(caps, "twitch.tv/tags")
			s.mu.Unlock()
			c.write(":" + Host + " CAP * ACK :" + caps)
		}
	case "PASS":
		// The token is accepted as is and never stored or logged.
	case "NICK":
		nick := strings.ToLower(strings.TrimSpace(strings.TrimPrefix(rest, ":")))
		s.mu.Lock()
		reject := s.rejectLogin
		c.nick = nick
		tags := c.tags
		s.mu.Unlock()
		if reject && !anonymous(nick) {
			c.write(":" + Host + " NOTICE * :Login authentication failed")
			return false
		}
		lines := []string{
			":" + Host + " 001 " + nick + " :Welcome, GLHF!",
			":" + Host + " 002 " + nick + " :Your host is " + Host,
			":" + Host + " 003 " + nick + " :This server is rather new",
			":" + Host + " 004 " + nick + " :-",
			":" + Host + " 375 " + nick + " :-",
			":" + Host + " 372 " + nick + " :You are in a maze of twisty passages, all alike.",
			":" + Host + " 376 " + nick + " :>",
		}
		if tags && !anonymous(nick) {
			lines = append(lines, "@badge-info=;badges=;color=;display-name="+nick+";emote-sets=0;user-id="+UserID(nick)+";user-type= :"+Host+" GLOBALUSERSTATE")
		}
		c.write(lines...)
		s.mu.Lock()
		c.welcome = true
		s.mu.Unlock()
	case "JOIN":
		s.join(c, rest)
	case "PART":
		s.part(c, rest)
	case "PING":
		c.write(":" + Host + " PONG " + Host + " " + ensureColon(rest))
	case "PONG":
	case "PRIVMSG":
		target, text, _ := strings.Cut(rest, " ")
		text = strings.TrimPrefix(text, ":")
		now := time.Now()
		s.mu.Lock()
		r := Reply{Channel: normChannel(target), Text: text, Nick: c.nick, Parent: Tag(clientTags, "reply-parent-msg-id"),
			Anonymous: anonymous(c.nick), Time: now}
		var answer string
		if c.joined[r.Channel] && !r.Anonymous {
			if r.Refused, answer = s.refuseLocked(c, r.Channel, now); r.Refused == "" {
				// Twitch answers each message the bot sends with its USERSTATE.
				answer = s.userStateLocked(c, r.Channel)
				s.lastSent[sentKey{c.nick, r.Channel}] = now
			}
		}
		s.replies = append(s.replies, r)
		s.notifyLocked()
		s.mu.Unlock()
		if answer != "" {
			c.write(answer)
		}
	case "QUIT":
		return false
	}
	return true
}

// refuseLocked decides whether the server refuses a PRIVMSG of c in
// channel sent at now: a refusal set with Refuse, or slow mode. It returns
// the NOTICE's msg-id and line, or "". The caller holds s.mu.
func (s *Server) refuseLocked(c *conn, channel string, now time.Time) (msgID, notice string) {
	if r := s.refuse[channel]; r != nil {
		if r.n--; r.n <= 0 {
			delete(s.refuse, channel)
		}
		text := "Your message was not sent because you are sending messages too quickly."
		if r.msgID == "msg_slowmode" {
			text = "This room is in slow mode and you are sending messages too quickly. You will be able to talk again in 1 seconds."
		}
		return r.msgID, "@msg-id=" + r.msgID + " :" + Host + " NOTICE #" + channel + " :" + text
	}
	slow := s.slow[channel]
	badges := s.badgesLocked(channel)
	if slow == 0 || strings.Contains(badges, "moderator/") || strings.Contains(badges, "broadcaster/") {
		return "", ""
	}
	last, ok := s.lastSent[sentKey{c.nick, channel}]
	if !ok || now.Sub(last) >= time.Duration(slow)*time.Second {
		return "", ""
	}
	wait := int((time.Duration(slow)*time.Second - now.Sub(last) + time.Second - 1) / time.Second)
	return "msg_slowmode", "@msg-id=msg_slowmode :" + Host + " NOTICE #" + channel +
		" :This room is in slow mode and you are sending messages too quickly. You will be able to talk again in " + strconv.Itoa(wait) + " seconds."
}

// badgesLocked returns the bot's badges in channel. The caller holds s.mu.
func (s *Server) badgesLocked(channel string) string {
	if b, ok := s.badgesIn[channel]; ok {
		return b
	}
	return s.botBadges
}

func (s *Server) join(c *conn, rest string) {
	s.mu.Lock()
	nick, welcome := c.nick, c.welcome
	s.mu.Unlock()
	if !welcome {
		return
	}
	for _, ch := range strings.Split(strings.TrimSpace(strings.TrimPrefix(rest, ":")), ",") {
		ch = normChannel(strings.TrimSpace(ch))
		if ch == "" {
			continue
		}
		src := ":" + nick + "!" + nick + "@" + nick + "." + Host
		lines := []string{
			src + " JOIN #" + ch,
			":" + nick + "." + Host + " 353 " + nick + " = #" + ch + " :" + nick,
			":" + nick + "." + Host + " 366 " + nick + " #" + ch + " :End of /NAMES list",
		}
		s.mu.Lock()
		if !anonymous(nick) {
			lines = append(lines, s.userStateLocked(c, ch))
		}
		lines = append(lines, "@emote-only=0;followers-only=-1;r9k=0;room-id="+RoomID(ch)+";slow="+strconv.Itoa(s.slow[ch])+";subs-only=0 :"+Host+" ROOMSTATE #"+ch)
		// The connection counts as joined before the echo leaves, so that
		// a client that has seen its JOIN echoed is sure to receive what
		// is said from then on.
		if _, open := s.conns[c]; open {
			c.joined[ch] = true
			s.notifyLocked()
		}
		s.mu.Unlock()
		c.write(lines...)
	}
}

func (s *Server) part(c *conn, rest string) {
	s.mu.Lock()
	nick := c.nick
	var parted []string
	for _, ch := range strings.Split(strings.TrimSpace(strings.TrimPrefix(rest, ":")), ",") {
		ch = normChannel(strings.TrimSpace(ch))
		if c.joined[ch] {
			delete(c.joined, ch)
			parted = append(parted, ch)
		}
	}
	s.notifyLocked()
	s.mu.Unlock()
	for _, ch := range parted {
		c.write(":" + nick + "!" + nick + "@" + nick + "." + Host + " PART #" + ch)
	}
}

// userStateLocked returns the USERSTATE line for c in channel. The caller
// holds s.mu.
func (s *Server) userStateLocked(c *conn, channel string) string {
	badges := s.badgesLocked(channel)
	mod := "0"
	userType := ""
	if strings.Contains(badges, "moderator/") {
		mod, userType = "1", "mod"
	}
	return "@badge-info=;badges=" + badges + ";color=;display-name=" + c.nick +
		";emote-sets=0;mod=" + mod + ";subscriber=0;user-type=" + userType +
		" :" + Host + " USERSTATE #" + channel
}

func anonymous(nick string) bool { return strings.HasPrefix(nick, "justinfan") }

func ensureColon(s string) string {
	if strings.HasPrefix(s, ":") {
		return s
	}
	return ":" + s
}
