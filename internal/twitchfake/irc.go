package twitchfake

import (
	"bufio"
	"errors"
	"net"
	"strconv"
	"strings"
	"time"
)

// accept serves each new connection on a goroutine of its own until the
// listener closes.
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
