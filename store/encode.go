package store

import (
	"database/sql"
	"encoding/json"
	"fmt"
	"time"

	tribune "github.com/tribune-live/tribune"
)

// timeFormat is how times are stored: UTC, nanoseconds, fixed width, so
// that they round-trip exactly and compare correctly as text. It is valid
// RFC 3339.
const timeFormat = "2006-01-02T15:04:05.000000000Z07:00"

// formatTime returns t as stored. Times come back in UTC: the instant is
// kept, the location and the monotonic clock reading are not.
func formatTime(t time.Time) string { return t.UTC().Format(timeFormat) }

// parseTime reads a time as formatTime writes it, or in any other RFC 3339
// form (a file edited by hand), in UTC. time.Parse is plain and fast
// enough: a hand-written parser of timeFormat took 39 ns a time against
// its 76 ns, 4 ms of CPU over the 100 000 questions serve reads before it
// is ready, about 2 % of that read's CPU.
func parseTime(s string) (time.Time, error) {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}, fmt.Errorf("parse time %q: %w", s, err)
	}
	return t.UTC(), nil
}

// nullTime returns nil (NULL) for the zero time.
func nullTime(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return formatTime(t)
}

// nullString returns nil (NULL) for "".
func nullString(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// sourceOf returns the source of a vote, ban or question held in a log
// entry: Twitch when none is said, as in every entry release 1 wrote.
func sourceOf(s string) string {
	if s == "" {
		return tribune.SourceTwitch
	}
	return s
}

// movedVoteSource returns the source of a vote that a merge of an older
// release moved, which the log does not hold: as migration 2 gives the
// vote itself, the source of the question it is on or came from (via)
// when the voter is that question's author, else Twitch. The merge's
// Before holds both questions.
func movedVoteSource(v voteJSON, before []tribune.Question) string {
	for _, id := range []int{v.QuestionID, v.Via} {
		for _, q := range before {
			if q.ID == id && q.AuthorID == v.VoterID {
				return sourceOf(q.Source)
			}
		}
	}
	return tribune.SourceTwitch
}

// Bits of questions.flags.
const (
	flagAnonymous = 1 << iota
	flagFirstMessage
)

func questionFlags(q *tribune.Question) int64 {
	var f int64
	if q.Anonymous {
		f |= flagAnonymous
	}
	if q.FirstMessage {
		f |= flagFirstMessage
	}
	return f
}

// nullInt returns nil (NULL) for 0: "no question".
func nullInt[T int | int64](v T) any {
	if v == 0 {
		return nil
	}
	return int64(v)
}

// logData is the JSON of modlog.data. It has its own field names and types,
// independent of the JSON of the root package's types, so that the file
// format does not change when an API does.
type logData struct {
	Before     []questionJSON `json:"before,omitempty"`
	After      []questionJSON `json:"after,omitempty"`
	MovedVotes []voteJSON     `json:"moved_votes,omitempty"`
	Ban        *banJSON       `json:"ban,omitempty"`
	Undone     bool           `json:"undone,omitempty"`
	UndoOf     int64          `json:"undo_of,omitempty"`
	Reason     string         `json:"reason,omitempty"`
}

type questionJSON struct {
	ID          int    `json:"id"`
	SessionID   int64  `json:"session_id"`
	Text        string `json:"text"`
	Author      string `json:"author"`
	AuthorLogin string `json:"login"`
	AuthorID    string `json:"user_id"`
	Source      string `json:"source"`
	Created     string `json:"created"`
	Status      string `json:"status"`
	Votes       int    `json:"votes"`
	Reports     int    `json:"reports"`
	MergedInto  int    `json:"merged_into,omitempty"`
	Channel     string `json:"channel,omitempty"`
	Label       string `json:"label,omitempty"`
	Anonymous   bool   `json:"anonymous,omitempty"`
	First       bool   `json:"first_message,omitempty"`
	Aired       string `json:"aired,omitempty"`
}

type voteJSON struct {
	SessionID  int64  `json:"session_id"`
	QuestionID int    `json:"question_id"`
	Source     string `json:"source,omitempty"`
	VoterID    string `json:"voter_id"`
	Via        int    `json:"via,omitempty"`
	Created    string `json:"created"`
}

type banJSON struct {
	Channel string `json:"channel"`
	Source  string `json:"source,omitempty"`
	UserID  string `json:"user_id,omitempty"`
	Login   string `json:"login"`
	By      string `json:"by"`
	Created string `json:"created"`
}

func encodeLogData(e tribune.LogEntry) ([]byte, error) {
	d := logData{Undone: e.Undone, UndoOf: e.UndoOf, Reason: e.Reason}
	for _, q := range e.Before {
		d.Before = append(d.Before, toQuestionJSON(q))
	}
	for _, q := range e.After {
		d.After = append(d.After, toQuestionJSON(q))
	}
	for _, v := range e.MovedVotes {
		d.MovedVotes = append(d.MovedVotes, voteJSON{
			SessionID: v.SessionID, QuestionID: v.QuestionID, Source: v.Source, VoterID: v.VoterID,
			Via: v.Via, Created: formatTime(v.Created),
		})
	}
	if b := e.Ban; b != nil {
		d.Ban = &banJSON{Channel: b.Channel, Source: b.Source, UserID: b.UserID, Login: b.Login, By: b.By, Created: formatTime(b.Created)}
	}
	return json.Marshal(d)
}

// decodeLogData fills e's fields held in data.
func decodeLogData(data []byte, e *tribune.LogEntry) error {
	var d logData
	if err := json.Unmarshal(data, &d); err != nil {
		return fmt.Errorf("decode log data: %w", err)
	}
	e.Undone, e.UndoOf, e.Reason = d.Undone, d.UndoOf, d.Reason
	var err error
	if e.Before, err = fromQuestionsJSON(d.Before); err != nil {
		return err
	}
	if e.After, err = fromQuestionsJSON(d.After); err != nil {
		return err
	}
	for _, v := range d.MovedVotes {
		t, err := parseTime(v.Created)
		if err != nil {
			return err
		}
		source := v.Source
		if source == "" {
			source = movedVoteSource(v, e.Before)
		}
		e.MovedVotes = append(e.MovedVotes, tribune.Vote{
			SessionID: v.SessionID, QuestionID: v.QuestionID, Source: source, VoterID: v.VoterID, Via: v.Via, Created: t,
		})
	}
	if b := d.Ban; b != nil {
		t, err := parseTime(b.Created)
		if err != nil {
			return err
		}
		e.Ban = &tribune.Ban{Channel: b.Channel, Source: sourceOf(b.Source), UserID: b.UserID, Login: b.Login, By: b.By, Created: t}
	}
	return nil
}

func toQuestionJSON(q tribune.Question) questionJSON {
	j := questionJSON{
		ID: q.ID, SessionID: q.SessionID, Text: q.Text, Author: q.Author,
		AuthorLogin: q.AuthorLogin, AuthorID: q.AuthorID, Source: q.Source,
		Created: formatTime(q.Created), Status: string(q.Status),
		Votes: q.Votes, Reports: q.Reports, MergedInto: q.MergedInto,
		Channel: q.Channel, Label: q.Label, Anonymous: q.Anonymous, First: q.FirstMessage,
	}
	if !q.Aired.IsZero() {
		j.Aired = formatTime(q.Aired)
	}
	return j
}

func fromQuestionsJSON(qs []questionJSON) ([]tribune.Question, error) {
	var out []tribune.Question
	for _, q := range qs {
		t, err := parseTime(q.Created)
		if err != nil {
			return nil, err
		}
		var aired time.Time
		if q.Aired != "" {
			if aired, err = parseTime(q.Aired); err != nil {
				return nil, err
			}
		}
		out = append(out, tribune.Question{
			ID: q.ID, SessionID: q.SessionID, Text: q.Text, Author: q.Author,
			AuthorLogin: q.AuthorLogin, AuthorID: q.AuthorID, Source: q.Source,
			Created: t, Status: tribune.Status(q.Status),
			Votes: q.Votes, Reports: q.Reports, MergedInto: q.MergedInto,
			Channel: q.Channel, Label: q.Label, Anonymous: q.Anonymous, FirstMessage: q.First, Aired: aired,
		})
	}
	return out, nil
}

// nullIntValue returns the value of a nullable integer column, 0 for NULL.
func nullIntValue(n sql.NullInt64) int64 {
	if !n.Valid {
		return 0
	}
	return n.Int64
}
