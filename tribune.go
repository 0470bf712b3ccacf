// Package tribune is the domain of Tribune, a live-stream Q&A companion:
// viewers ask and vote in chat, moderators curate, an overlay shows the
// chosen question on stream.
//
// The package holds the nouns (Session, Question, Vote, Event), the
// interfaces the core needs (Store), the errors, and the Service: the only
// place that changes state. Adapters (bot, overlay, tui) turn their input
// into Service calls and the Service's Events into their output. This
// package imports only the standard library.
package tribune

import (
	"time"
)

// Status is where a question stands in its life.
type Status string

// The statuses of a question. Only approved and onair questions are visible
// to viewers: votes, reports and the top list ignore the others.
const (
	StatusPending   Status = "pending"   // waiting for a moderator
	StatusApproved  Status = "approved"  // visible and votable
	StatusOnAir     Status = "onair"     // shown on stream; at most one per session
	StatusAnswered  Status = "answered"  // dealt with on stream
	StatusRejected  Status = "rejected"  // refused by a moderator
	StatusHidden    Status = "hidden"    // hidden by reports, waiting for review
	StatusMerged    Status = "merged"    // folded into another question
	StatusWithdrawn Status = "withdrawn" // removed by its author
)

// Statuses lists every status in the order a console cycles through them.
var Statuses = []Status{
	StatusPending, StatusApproved, StatusOnAir, StatusAnswered,
	StatusHidden, StatusRejected, StatusMerged, StatusWithdrawn,
}

// Valid reports whether s is one of the known statuses.
func (s Status) Valid() bool {
	for _, v := range Statuses {
		if s == v {
			return true
		}
	}
	return false
}

// Visible reports whether viewers can see, vote for and report a question
// of this status.
func (s Status) Visible() bool { return s == StatusApproved || s == StatusOnAir }

// Open reports whether a question of this status is still in play: waiting,
// visible or hidden for review. New questions are compared against open ones
// for duplicates.
func (s Status) Open() bool {
	switch s {
	case StatusPending, StatusApproved, StatusOnAir, StatusHidden:
		return true
	}
	return false
}

// Session is one streamed meeting. Questions belong to a session.
type Session struct {
	ID      int64     `json:"id"`
	Channel string    `json:"channel"`
	Title   string    `json:"title"`
	Started time.Time `json:"started"`
	Ended   time.Time `json:"ended,omitzero"` // zero while the session is open
}

// Question is one question asked by a viewer. ID is the small number
// viewers type, unique within its session.
type Question struct {
	ID          int       `json:"id"`
	SessionID   int64     `json:"session"`
	Text        string    `json:"text"`
	Author      string    `json:"author"` // display name
	AuthorLogin string    `json:"login"`
	AuthorID    string    `json:"user_id"`
	Source      string    `json:"source"`
	Created     time.Time `json:"created"`
	Status      Status    `json:"status"`
	Votes       int       `json:"votes"`
	Reports     int       `json:"reports"`
	MergedInto  int       `json:"merged_into,omitempty"`
}

// Sources of questions.
const (
	SourceTwitch  = "twitch"
	SourceConsole = "console"
)

// Vote is one viewer's vote for one question. Via is set when the vote was
// moved onto this question by a merge, so that undo can move it back.
type Vote struct {
	SessionID  int64     `json:"session"`
	QuestionID int       `json:"question"`
	VoterID    string    `json:"voter"`
	Via        int       `json:"via,omitempty"`
	Created    time.Time `json:"created"`
}

// Report is one viewer's flag that a question is abusive.
type Report struct {
	SessionID  int64     `json:"session"`
	QuestionID int       `json:"question"`
	ReporterID string    `json:"reporter"`
	Created    time.Time `json:"created"`
}

// Ban keeps a chat user from submitting, voting and reporting in a channel.
type Ban struct {
	Channel string    `json:"channel"`
	Login   string    `json:"login"` // lower case
	By      string    `json:"by"`
	Created time.Time `json:"created"`
}

// Actor is whoever issues a command: a chat user, or a moderator at a
// console or script. Privileged actors (moderators, the broadcaster)
// bypass rate limits and pre-moderation.
type Actor struct {
	Login        string // lower-case login, for bans and logs
	DisplayName  string
	UserID       string // stable Twitch user id; votes dedupe on it
	Moderator    bool
	Broadcaster  bool
	FirstMessage bool   // Twitch's first-msg=1: the user's first message in the channel
	Source       string // SourceTwitch, SourceConsole, …
}

// Privileged reports whether a bypasses limits and pre-moderation.
func (a Actor) Privileged() bool { return a.Moderator || a.Broadcaster }

// Name is how a is shown in logs and the console.
func (a Actor) Name() string {
	if a.DisplayName != "" {
		return a.DisplayName
	}
	if a.Login != "" {
		return a.Login
	}
	return a.UserID
}

// Action names a moderator's action in the moderation log.
type Action string

// Moderation actions.
const (
	ActionApprove Action = "approve"
	ActionReject  Action = "reject"
	ActionShow    Action = "show"
	ActionHide    Action = "hide"
	ActionAnswer  Action = "answer"
	ActionRestore Action = "restore"
	ActionMerge   Action = "merge"
	ActionEdit    Action = "edit"
	ActionBan     Action = "ban"
	ActionUndo    Action = "undo"
)

// LogEntry records one moderator action with what it changed, so that it
// can be undone and shown in an export. Before and After hold every question
// the action changed, as they were and as they became.
type LogEntry struct {
	ID         int64      `json:"id"`
	SessionID  int64      `json:"session"`
	At         time.Time  `json:"at"`
	Moderator  string     `json:"moderator"`
	Action     Action     `json:"action"`
	QuestionID int        `json:"question,omitempty"`
	Before     []Question `json:"before,omitempty"`
	After      []Question `json:"after,omitempty"`
	MovedVotes []Vote     `json:"moved_votes,omitempty"` // votes a merge added to its target
	Ban        *Ban       `json:"ban,omitempty"`
	Undone     bool       `json:"undone,omitempty"`
	UndoOf     int64      `json:"undo_of,omitempty"`
}

// EventType says what an Event reports.
type EventType string

// Event types. Feeds send onair, offair and top; the full event stream also
// created, updated and voted.
const (
	EventCreated  EventType = "created"  // a question was asked
	EventUpdated  EventType = "updated"  // status, text or reports changed
	EventVoted    EventType = "voted"    // vote count changed
	EventOnAir    EventType = "onair"    // a question went on air
	EventOffAir   EventType = "offair"   // nothing is on air any more
	EventTop      EventType = "top"      // the leaderboard changed
	EventBanned   EventType = "banned"   // a user was banned
	EventUnbanned EventType = "unbanned" // a ban was undone
	EventHealth   EventType = "health"   // a component's state changed (chat, overlay)
	// EventResync tells a subscriber that it fell behind and missed events:
	// it must reload the state it mirrors before applying further events.
	EventResync EventType = "resync"
)

// Event tells subscribers what changed, after it was stored.
type Event struct {
	Type      EventType  `json:"type"`
	Question  *Question  `json:"question,omitempty"`
	Questions []Question `json:"questions,omitempty"`
	Ban       *Ban       `json:"ban,omitempty"`
	// Health maps a component to its state, for EventHealth.
	Health map[string]string `json:"health,omitempty"`
}
