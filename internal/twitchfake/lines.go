package twitchfake

import (
	"fmt"
	"hash/fnv"
	"strconv"
	"strings"
	"time"
)

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

// broadcast writes lines to every connection that joined channel, one
// flush each, and returns how many it reached.
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
