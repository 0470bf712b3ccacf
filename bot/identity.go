package bot

import (
	"regexp"
	"strings"

	twitch "github.com/gempir/go-twitch-irc/v4"

	tribune "github.com/tribune-live/tribune"
)

// validID is what a Twitch message or user id may hold.
var validID = regexp.MustCompile(`^[A-Za-z0-9_-]{1,64}$`)

// actor reads a viewer's identity from the message's tags, and where to
// answer them: the channel they typed in, with the id of their message
// there.
//
// Privileges come from badges (and mod=1), never from names; go-twitch-irc's
// own IsBroadcaster is true for a message without tags, so it is not
// trusted. A message's badges are the author's standing in the channel it
// was delivered to, one of the meeting's. A Shared Chat mirror also
// carries source-badges, the author's standing in the channel they typed
// in: they count only when that channel is one of the meeting's too. A
// co-streamer's moderators are not the meeting's, and a mirror from a room
// the client did not join is answered, and recorded, in the channel it
// arrived in (Twitch mirrors that answer back to its author).
func (c *Client) actor(m *twitch.PrivateMessage) (a tribune.Actor, parent string) {
	u := m.User
	mod := u.Badges["moderator"] > 0 || m.Tags["mod"] == "1"
	broadcaster := u.Badges["broadcaster"] > 0 || (m.RoomID != "" && u.ID == m.RoomID)
	channel, parent := c.ownChannel(m.Channel), m.ID
	if src := m.Tags["source-room-id"]; src != "" && src != m.RoomID {
		if home, ok := c.roomChannel(src); ok {
			badges := m.Tags["source-badges"]
			mod = mod || hasBadge(badges, "moderator")
			broadcaster = broadcaster || hasBadge(badges, "broadcaster") || u.ID == src
			channel, parent = home, m.Tags["source-id"]
		}
	}
	// go-twitch-irc's names and tags are slices of the raw IRC line: kept
	// as they are, every queued job, and every vote and question the
	// Service keeps (its maps are keyed on the user id), would pin a whole
	// line of several hundred bytes. Copies keep only the few bytes needed.
	login := strings.Clone(strings.ToLower(u.Name))
	return tribune.Actor{
		Login:        login,
		DisplayName:  cloneUnless(u.DisplayName, login),
		UserID:       strings.Clone(u.ID),
		Moderator:    mod,
		Broadcaster:  broadcaster,
		FirstMessage: m.FirstMessage,
		Source:       tribune.SourceTwitch,
		Channel:      channel,
	}, strings.Clone(parent)
}

// hasBadge reports whether a badges tag ("moderator/1,subscriber/12")
// holds badge. It reads the tag itself: go-twitch-irc parses only badges,
// and panics on a badge without '/'.
func hasBadge(badges, badge string) bool {
	for badges != "" {
		var item string
		item, badges, _ = strings.Cut(badges, ",")
		if name, version, _ := strings.Cut(item, "/"); name == badge && version != "" && version != "0" {
			return true
		}
	}
	return false
}

// cloneUnless returns a copy of s, or same when it is equal to s: the
// display name is most often the login.
func cloneUnless(s, same string) string {
	if s == same {
		return same
	}
	return strings.Clone(s)
}

func (c *Client) learnRoom(room, channel string) {
	c.mu.Lock()
	if c.rooms[room] != channel {
		c.rooms[strings.Clone(room)] = c.ownChannel(channel)
	}
	c.mu.Unlock()
}

// ownChannel returns the client's own string for channel ch, one of the
// meeting's: go-twitch-irc's is a slice of the raw IRC line, and every
// queued job would pin its whole line (7 MB with the workers' queues full
// in tribune-bench -only mixed).
func (c *Client) ownChannel(ch string) string {
	for _, own := range c.channels {
		if own == ch {
			return own
		}
	}
	return strings.Clone(ch)
}

// roomChannel returns the channel of room id room, if it is one the
// client joined.
func (c *Client) roomChannel(room string) (string, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	ch, ok := c.rooms[room]
	return ch, ok
}
