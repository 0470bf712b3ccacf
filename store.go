package tribune

import (
	"context"
	"time"
)

// ChangeKind names one kind of durable write.
type ChangeKind int

// The kinds of Change.
const (
	PutQuestion ChangeKind = iota + 1 // insert or replace Change.Question
	PutVote                           // insert Change.Vote
	DeleteVote                        // delete the vote keyed like Change.Vote
	PutReport                         // insert Change.Report
	PutBan                            // insert or replace Change.Ban
	DeleteBan                         // delete the ban keyed like Change.Ban
	PutLog                            // insert or replace Change.Log by its ID
)

// Change is one row-level write the Service asks the Store to make durable.
// Only the field that matches Kind is read.
type Change struct {
	Kind     ChangeKind
	Question Question
	Vote     Vote
	Report   Report
	Ban      Ban
	Log      LogEntry
}

// SessionState is everything of one session that the Service keeps in
// memory, loaded at start: LoadQueue fills all but Votes.
type SessionState struct {
	Session   Session
	Questions []Question // ordered by ID
	Votes     []Vote
	Reports   []Report
	Log       []LogEntry // ordered by ID
}

// Store makes the Service's state durable. Implementations must be safe for
// concurrent use. Errors are wrapped with context; the Service turns them
// into EUNAVAILABLE or EINTERNAL errors.
type Store interface {
	// OpenSession returns the open session of channel. If none is open, or
	// if title is not empty and differs from the open session's title, it
	// ends the open one at now and starts a new one with that title.
	OpenSession(ctx context.Context, channel, title string, now time.Time) (Session, error)
	// LoadQueue returns a session with its questions, reports and
	// moderation log, without its votes: the Service serves reads, which
	// need no votes, before it has them. ENOTFOUND if there is no such
	// session.
	LoadQueue(ctx context.Context, id int64) (SessionState, error)
	// LoadVotes returns the votes of a session.
	LoadVotes(ctx context.Context, id int64) ([]Vote, error)
	// Sessions returns every session, oldest first.
	Sessions(ctx context.Context) ([]Session, error)
	// QuestionByMessage returns the id of the question of session that
	// the chat message messageID of source asked. ENOTFOUND if none.
	QuestionByMessage(ctx context.Context, session int64, source, messageID string) (int, error)
	// Bans returns the bans of channel.
	Bans(ctx context.Context, channel string) ([]Ban, error)
	// Apply writes changes in one transaction, in order: all or nothing.
	// When it returns nil the changes are durable.
	Apply(ctx context.Context, changes []Change) error
	// Setting returns a stored setting; ok is false when it is not set.
	Setting(ctx context.Context, key string) (value string, ok bool, err error)
	// PutSetting stores a setting.
	PutSetting(ctx context.Context, key, value string) error
}
