// Package tribune is the domain of Tribune, a live-stream Q&A companion:
// viewers ask and vote in chat, moderators curate, an overlay shows the
// chosen question on stream.
//
// The package holds the nouns (Session, Question, Vote, Event), the
// interfaces the core needs (Store), the errors, and the Service: the only
// place that changes state. Adapters (bot, overlay, tui) turn their input
// into Service calls and the Service's Events into their output. This
// package imports no other package of this module; beside the standard
// library it uses golang.org/x/text and rivo/uniseg for the Unicode rules
// of clean text (normalisation, grapheme clusters), which the standard
// library lacks.
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
// viewers type, unique within its session. The author is the identity
// (Source, AuthorID); AuthorLogin and Author are what that platform calls
// them, never an identity.
type Question struct {
	ID          int       `json:"id"`
	SessionID   int64     `json:"session"`
	Text        string    `json:"text"`
	Author      string    `json:"author"` // display name
	AuthorLogin string    `json:"login"`
	AuthorID    string    `json:"user_id"`
	Source      string    `json:"source"`
	Channel     string    `json:"channel,omitempty"` // where it was asked: a Twitch channel, a YouTube video
	Created     time.Time `json:"created"`
	Status      Status    `json:"status"`
	Votes       int       `json:"votes"`
	Reports     int       `json:"reports"`
	MergedInto  int       `json:"merged_into,omitempty"`
	Label       string    `json:"label,omitempty"`
	// Anonymous hides the author everywhere public (the ask page's "ask
	// anonymously"); moderators, the API and exports still see it.
	Anonymous bool `json:"anonymous,omitempty"`
	// FirstMessage is Twitch's first-msg=1 on the message that asked it.
	FirstMessage bool `json:"first_message,omitempty"`
	// Aired is when the question last went on air; zero if it never did.
	Aired time.Time `json:"aired,omitzero"`
	// MessageID is the platform's id of the chat message that asked it,
	// so that a platform's deletion of that message can hide it. It is
	// written with the question and not kept in memory: Questions read
	// back from the Service have it empty.
	MessageID string `json:"message_id,omitempty"`
}

// AuthorIdentity returns the identity of the question's author.
func (q Question) AuthorIdentity() Identity { return Identity{Source: q.Source, ID: q.AuthorID} }

// Sources of questions and of viewers' identities.
const (
	SourceTwitch  = "twitch"
	SourceYouTube = "youtube"
	SourceWeb     = "web" // the ask page
	SourceConsole = "console"
)

// Identity is a viewer: a platform and that platform's stable user id
// (Twitch's user-id, YouTube's authorChannelId, the ask page's browser
// id). Logins and display names are never identities. The same person on
// two platforms is two identities: nothing links them.
type Identity struct {
	Source string `json:"source"`
	ID     string `json:"id"`
}

// String returns "source:id", the form bans take on the control API.
func (i Identity) String() string { return i.Source + ":" + i.ID }

// Vote is one viewer's vote for one question. Via is set when the vote was
// moved onto this question by a merge, so that undo can move it back.
type Vote struct {
	SessionID  int64     `json:"session"`
	QuestionID int       `json:"question"`
	Source     string    `json:"source"`
	VoterID    string    `json:"voter"`
	Via        int       `json:"via,omitempty"`
	Created    time.Time `json:"created"`
}

// Voter returns the identity of the voter.
func (v Vote) Voter() Identity { return Identity{Source: v.Source, ID: v.VoterID} }

// Report is one viewer's flag that a question is abusive.
type Report struct {
	SessionID  int64     `json:"session"`
	QuestionID int       `json:"question"`
	Source     string    `json:"source"`
	ReporterID string    `json:"reporter"`
	Created    time.Time `json:"created"`
}

// Ban keeps a viewer from submitting, voting and reporting in the
// meeting's channel. A ban holds an identity (Source, UserID), a Twitch
// login, or both: a moderator may ban a Twitch login that has not spoken
// yet, and a ban by login also holds that login's user id when a question
// of theirs is known.
type Ban struct {
	Channel string    `json:"channel"`
	Source  string    `json:"source"`
	UserID  string    `json:"user_id,omitempty"`
	Login   string    `json:"login,omitempty"` // lower case
	By      string    `json:"by"`
	Created time.Time `json:"created"`
}

// Target returns how the ban is named on the control API: the Twitch
// login when it has one, else "source:id".
func (b Ban) Target() string {
	if b.Login != "" && b.Source == SourceTwitch {
		return b.Login
	}
	return Identity{Source: b.Source, ID: b.UserID}.String()
}

// Actor is whoever issues a command: a viewer on a platform, or a
// moderator at a console or script. Privileged actors (moderators, the
// broadcaster, a YouTube channel's owner) bypass rate limits and
// pre-moderation.
type Actor struct {
	Login        string // lower-case login, for bans and logs
	DisplayName  string
	UserID       string // the platform's stable user id; with Source, the identity
	Moderator    bool
	Broadcaster  bool
	FirstMessage bool   // Twitch's first-msg=1: the user's first message in the channel
	Source       string // SourceTwitch, SourceYouTube, SourceWeb, SourceConsole
	Channel      string // where the command was typed (a Twitch channel, a YouTube video)
	// MessageID is the platform's id of the message that carried the
	// command: a question keeps it, so that the platform's deletion of
	// the message hides the question.
	MessageID string
	// Anonymous asks that the question's author be shown nowhere public.
	Anonymous bool
}

// Identity returns the viewer the actor is.
func (a Actor) Identity() Identity { return Identity{Source: a.source(), ID: a.UserID} }

func (a Actor) source() string {
	if a.Source == "" {
		return SourceTwitch
	}
	return a.Source
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
	ActionLabel   Action = "label"
	// Platform moderation, logged with the platform as the moderator.
	ActionDeleted Action = "deleted" // the platform deleted the message that asked it
	ActionTimeout Action = "timeout" // the platform timed the author out
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
	Reason     string     `json:"reason,omitempty"` // e.g. "deleted on twitch"
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
