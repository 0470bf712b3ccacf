// Package youtubewire holds the JSON wire types of the YouTube Data API v3
// that Tribune reads and writes: videos.list (liveStreamingDetails), the
// liveChatMessages list and streamList responses, the
// liveChatMessages.insert body, and Google's error body. The youtube
// source decodes them and the youtubefake server encodes them: one
// definition, so that the two cannot drift apart.
//
// The field names are the API's own (its discovery document, as
// google.golang.org/api/youtube/v3 v0.316.0 generates them; wire_test.go
// checks them against those generated types). Only the fields Tribune or
// its fake uses are here: encoding/json skips the others.
//
// Why not the generated package: importing google.golang.org/api/youtube/v3
// links gRPC and OpenTelemetry into the tribune binary (94 packages, 24 →
// 41 MB), and a program that only imports it is 12.6 MB resident against
// 1.8 MB for an empty one. See the youtube package's comment.
package youtubewire

import (
	"strconv"
	"strings"
)

// VideoListResponse is the answer of videos.list.
type VideoListResponse struct {
	Kind     string    `json:"kind,omitempty"`
	Etag     string    `json:"etag,omitempty"`
	PageInfo *PageInfo `json:"pageInfo,omitempty"`
	Items    []*Video  `json:"items,omitempty"`
}

// Video is a video resource, with only its liveStreamingDetails part.
type Video struct {
	Kind                 string                     `json:"kind,omitempty"`
	Etag                 string                     `json:"etag,omitempty"`
	ID                   string                     `json:"id,omitempty"`
	LiveStreamingDetails *VideoLiveStreamingDetails `json:"liveStreamingDetails,omitempty"`
}

// VideoLiveStreamingDetails is present on live broadcasts only.
type VideoLiveStreamingDetails struct {
	// ActiveLiveChatID is the broadcast's live chat while it is live.
	ActiveLiveChatID string `json:"activeLiveChatId,omitempty"`
	ActualStartTime  string `json:"actualStartTime,omitempty"` // RFC 3339
	ActualEndTime    string `json:"actualEndTime,omitempty"`   // RFC 3339, once it has ended
	// ConcurrentViewers travels as a JSON string (an int64 in the
	// discovery document).
	ConcurrentViewers uint64 `json:"concurrentViewers,omitempty,string"`
}

// PageInfo counts the items of a page.
type PageInfo struct {
	TotalResults   int64 `json:"totalResults,omitempty"`
	ResultsPerPage int64 `json:"resultsPerPage,omitempty"`
}

// LiveChatMessageListResponse is a page of liveChatMessages.list, and
// each item of the array that liveChat/messages/stream sends.
type LiveChatMessageListResponse struct {
	Kind          string `json:"kind,omitempty"`
	Etag          string `json:"etag,omitempty"`
	NextPageToken string `json:"nextPageToken,omitempty"`
	// PollingIntervalMillis is how long a poller waits before the next
	// list call.
	PollingIntervalMillis int64 `json:"pollingIntervalMillis,omitempty"`
	// OfflineAt is when the broadcast went offline (RFC 3339), if it did.
	OfflineAt string             `json:"offlineAt,omitempty"`
	PageInfo  *PageInfo          `json:"pageInfo,omitempty"`
	Items     []*LiveChatMessage `json:"items,omitempty"`
}

// LiveChatMessage is one chat message or event, and the body of
// liveChatMessages.insert (a Snippet with LiveChatID, Type and
// TextMessageDetails) and its answer.
type LiveChatMessage struct {
	Kind          string                        `json:"kind,omitempty"`
	Etag          string                        `json:"etag,omitempty"`
	ID            string                        `json:"id,omitempty"`
	Snippet       *LiveChatMessageSnippet       `json:"snippet,omitempty"`
	AuthorDetails *LiveChatMessageAuthorDetails `json:"authorDetails,omitempty"`
}

// LiveChatMessageSnippet is what a message says. Type is
// "textMessageEvent", "messageDeletedEvent", "userBannedEvent",
// "chatEndedEvent", "tombstone", …; the details of its type are set.
type LiveChatMessageSnippet struct {
	Type                  string                            `json:"type,omitempty"`
	LiveChatID            string                            `json:"liveChatId,omitempty"`
	AuthorChannelID       string                            `json:"authorChannelId,omitempty"`
	PublishedAt           string                            `json:"publishedAt,omitempty"` // RFC 3339
	HasDisplayContent     bool                              `json:"hasDisplayContent,omitempty"`
	DisplayMessage        string                            `json:"displayMessage,omitempty"`
	TextMessageDetails    *LiveChatTextMessageDetails       `json:"textMessageDetails,omitempty"`
	MessageDeletedDetails *LiveChatMessageDeletedDetails    `json:"messageDeletedDetails,omitempty"`
	UserBannedDetails     *LiveChatUserBannedMessageDetails `json:"userBannedDetails,omitempty"`
}

// LiveChatTextMessageDetails is the text of a textMessageEvent.
type LiveChatTextMessageDetails struct {
	MessageText string `json:"messageText,omitempty"`
}

// LiveChatMessageDeletedDetails names the message a moderator deleted.
type LiveChatMessageDeletedDetails struct {
	DeletedMessageID string `json:"deletedMessageId,omitempty"`
}

// LiveChatUserBannedMessageDetails describes a ban: BanType "permanent"
// or "temporary" (then BanDurationSeconds).
type LiveChatUserBannedMessageDetails struct {
	BannedUserDetails *ChannelProfileDetails `json:"bannedUserDetails,omitempty"`
	BanType           string                 `json:"banType,omitempty"`
	// BanDurationSeconds travels as a JSON string (a uint64 in the
	// discovery document).
	BanDurationSeconds uint64 `json:"banDurationSeconds,omitempty,string"`
}

// ChannelProfileDetails identifies a channel (a banned user).
type ChannelProfileDetails struct {
	ChannelID       string `json:"channelId,omitempty"`
	ChannelURL      string `json:"channelUrl,omitempty"`
	DisplayName     string `json:"displayName,omitempty"`
	ProfileImageURL string `json:"profileImageUrl,omitempty"`
}

// LiveChatMessageAuthorDetails is who wrote a message, with their roles
// in the chat.
type LiveChatMessageAuthorDetails struct {
	ChannelID       string `json:"channelId,omitempty"` // "UC…": the stable identity
	ChannelURL      string `json:"channelUrl,omitempty"`
	DisplayName     string `json:"displayName,omitempty"`
	ProfileImageURL string `json:"profileImageUrl,omitempty"`
	IsChatModerator bool   `json:"isChatModerator,omitempty"`
	IsChatOwner     bool   `json:"isChatOwner,omitempty"`
	IsChatSponsor   bool   `json:"isChatSponsor,omitempty"`
	IsVerified      bool   `json:"isVerified,omitempty"`
}

// ErrorBody is the body of a Google API error answer, and an item of a
// stream that fails mid-way: {"error": {…}}.
type ErrorBody struct {
	Error *Error `json:"error"`
}

// Error is Google's error object, and the error a call returns when
// Google answered with one.
type Error struct {
	// Code is the HTTP status.
	Code    int    `json:"code"`
	Message string `json:"message,omitempty"`
	// Status is the canonical status name ("PERMISSION_DENIED").
	Status string      `json:"status,omitempty"`
	Errors []ErrorItem `json:"errors,omitempty"`
}

// ErrorItem is one of an error's causes; Reason is what a client sorts
// errors by ("quotaExceeded", "liveChatEnded", …).
type ErrorItem struct {
	Message string `json:"message,omitempty"`
	Domain  string `json:"domain,omitempty"`
	Reason  string `json:"reason,omitempty"`
}

// Reason returns the first cause's reason, or "".
func (e *Error) Reason() string {
	if len(e.Errors) == 0 {
		return ""
	}
	return e.Errors[0].Reason
}

// Error writes "google api: 403 quotaExceeded: message": the status, the
// first reason and the message, and nothing of the request.
func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString("google api: ")
	b.WriteString(strconv.Itoa(e.Code))
	if r := e.Reason(); r != "" {
		b.WriteString(" " + r)
	}
	if e.Message != "" {
		b.WriteString(": " + e.Message)
	}
	return b.String()
}
