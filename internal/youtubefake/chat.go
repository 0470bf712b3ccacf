package youtubefake

import (
	"encoding/base64"
	"fmt"
	"time"

	"github.com/tribune-live/tribune/internal/youtubewire"
)

// DeleteChat removes a video's live chat while the video still names it,
// so that reading it answers 404 liveChatNotFound.
func (s *Server) DeleteChat(videoID string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if v := s.videos[videoID]; v != nil {
		delete(s.chats, v.chatID)
	}
}

// EndChat ends a video's broadcast: open streams get a chatEndedEvent and
// close; later reads answer 403 liveChatEnded, and videos.list shows no
// active chat any more.
func (s *Server) EndChat(videoID string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	v := s.videos[videoID]
	if v == nil {
		return
	}
	v.ended = time.Now().UTC()
	if c := s.chats[v.chatID]; c != nil && !c.ended {
		m := s.newMessageLocked(c, "chatEndedEvent", s.bot)
		m.Snippet.DisplayMessage = ""
		m.Snippet.HasDisplayContent = false
		c.ended = true
		s.notifyLocked()
	}
}

// Say posts a text message to a video's chat and returns its id, or ""
// when the video has no chat.
func (s *Server) Say(videoID string, a Author, text string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	c := s.chatOfLocked(videoID)
	if c == nil || c.ended {
		return ""
	}
	m := s.newMessageLocked(c, "textMessageEvent", a)
	m.Snippet.TextMessageDetails = &youtubewire.LiveChatTextMessageDetails{MessageText: text}
	m.Snippet.DisplayMessage = text
	s.notifyLocked()
	return m.ID
}

// Delete posts a messageDeletedEvent by moderator by for message id.
func (s *Server) Delete(videoID string, by Author, messageID string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	c := s.chatOfLocked(videoID)
	if c == nil || c.ended {
		return ""
	}
	m := s.newMessageLocked(c, "messageDeletedEvent", by)
	m.Snippet.MessageDeletedDetails = &youtubewire.LiveChatMessageDeletedDetails{DeletedMessageID: messageID}
	m.Snippet.DisplayMessage = "A message was deleted."
	s.notifyLocked()
	return m.ID
}

// Ban posts a userBannedEvent by moderator by against banned: permanent
// when d is 0, else a timeout of d.
func (s *Server) Ban(videoID string, by, banned Author, d time.Duration) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	c := s.chatOfLocked(videoID)
	if c == nil || c.ended {
		return ""
	}
	m := s.newMessageLocked(c, "userBannedEvent", by)
	det := &youtubewire.LiveChatUserBannedMessageDetails{
		BanType: "permanent",
		BannedUserDetails: &youtubewire.ChannelProfileDetails{
			ChannelID: banned.ChannelID, DisplayName: banned.DisplayName,
			ChannelURL: "http://www.youtube.com/channel/" + banned.ChannelID,
		},
	}
	if d > 0 {
		det.BanType = "temporary"
		det.BanDurationSeconds = uint64(d / time.Second)
	}
	m.Snippet.UserBannedDetails = det
	m.Snippet.DisplayMessage = banned.DisplayName + " has been banned."
	s.notifyLocked()
	return m.ID
}

// chatOfLocked returns the live chat of videoID, or nil. The caller
// holds s.mu.
func (s *Server) chatOfLocked(videoID string) *liveChat {
	if v := s.videos[videoID]; v != nil {
		return s.chats[v.chatID]
	}
	return nil
}

// newMessageLocked appends a message of type typ by a to c.
func (s *Server) newMessageLocked(c *liveChat, typ string, a Author) *youtubewire.LiveChatMessage {
	s.seq++
	id := "LCC." + base64.RawURLEncoding.EncodeToString([]byte(fmt.Sprintf("%s/%08d", c.id, s.seq)))
	m := &youtubewire.LiveChatMessage{
		Kind: "youtube#liveChatMessage",
		Etag: fmt.Sprintf("etag-%d", s.seq),
		ID:   id,
		Snippet: &youtubewire.LiveChatMessageSnippet{
			Type:              typ,
			LiveChatID:        c.id,
			AuthorChannelID:   a.ChannelID,
			PublishedAt:       time.Now().UTC().Format(time.RFC3339Nano),
			HasDisplayContent: true,
		},
		AuthorDetails: &youtubewire.LiveChatMessageAuthorDetails{
			ChannelID:       a.ChannelID,
			ChannelURL:      "http://www.youtube.com/channel/" + a.ChannelID,
			DisplayName:     a.DisplayName,
			IsChatModerator: a.Moderator,
			IsChatOwner:     a.Owner,
			IsChatSponsor:   a.Sponsor,
			ProfileImageURL: "https://yt3.ggpht.example/" + a.ChannelID,
		},
	}
	c.msgs = append(c.msgs, m)
	return m
}
