package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	tribune "github.com/tribune-live/tribune"
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// Statements of the write path, prepared once at Open and bound to each
// transaction with tx.StmtContext: database/sql reuses the statement already
// prepared on the transaction's connection, so a batch of hundreds of votes
// compiles no SQL.
const (
	stmtPutQuestion = iota
	stmtPutVote
	stmtDeleteVote
	stmtPutReport
	stmtPutBan
	stmtDeleteBan
	stmtPutLog
	numStmts
)

// stmtSQL holds the text of each statement. The Put statements are upserts:
// a change written twice leaves the same row, so that replaying a batch can
// never fail it.
var stmtSQL = [numStmts]string{
	// The message id is written once, when the question is created: the
	// Service does not keep it, and a later put of the question leaves it.
	stmtPutQuestion: `INSERT INTO questions
	(session_id, id, text, author, login, user_id, source, created, status, votes, reports, merged_into,
	 channel, label, flags, aired, message_id)
	VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
	ON CONFLICT (session_id, id) DO UPDATE SET
	text = excluded.text, author = excluded.author, login = excluded.login,
	user_id = excluded.user_id, source = excluded.source, created = excluded.created,
	status = excluded.status, votes = excluded.votes, reports = excluded.reports,
	merged_into = excluded.merged_into, channel = excluded.channel, label = excluded.label,
	flags = excluded.flags, aired = excluded.aired,
	message_id = coalesce(message_id, excluded.message_id)`,
	stmtPutVote: `INSERT INTO votes (session_id, question_id, source, voter_id, via, created)
	VALUES (?, ?, ?, ?, ?, ?)
	ON CONFLICT (session_id, question_id, source, voter_id) DO UPDATE SET
	via = excluded.via, created = excluded.created`,
	stmtDeleteVote: `DELETE FROM votes WHERE session_id = ? AND question_id = ? AND source = ? AND voter_id = ?`,
	stmtPutReport: `INSERT INTO reports (session_id, question_id, source, reporter_id, created)
	VALUES (?, ?, ?, ?, ?)
	ON CONFLICT (session_id, question_id, source, reporter_id) DO UPDATE SET created = excluded.created`,
	stmtPutBan: `INSERT INTO bans (channel, source, user_id, login, "by", created) VALUES (?, ?, ?, ?, ?, ?)
	ON CONFLICT (channel, source, user_id, login) DO UPDATE SET "by" = excluded."by", created = excluded.created`,
	stmtDeleteBan: `DELETE FROM bans WHERE channel = ? AND source = ? AND user_id = ? AND login = ?`,
	stmtPutLog: `INSERT INTO modlog (session_id, id, at, moderator, action, question_id, data)
	VALUES (?, ?, ?, ?, ?, ?, ?)
	ON CONFLICT (session_id, id) DO UPDATE SET
	at = excluded.at, moderator = excluded.moderator, action = excluded.action,
	question_id = excluded.question_id, data = excluded.data`,
}

// kindName names a change kind in errors.
func kindName(k tribune.ChangeKind) string {
	switch k {
	case tribune.PutQuestion:
		return "put question"
	case tribune.PutVote:
		return "put vote"
	case tribune.DeleteVote:
		return "delete vote"
	case tribune.PutReport:
		return "put report"
	case tribune.PutBan:
		return "put ban"
	case tribune.DeleteBan:
		return "delete ban"
	case tribune.PutLog:
		return "put log"
	}
	return fmt.Sprintf("change kind %d", int(k))
}

// Apply writes changes in one transaction, in order: all or nothing. When
// it returns nil the transaction is committed to the WAL: it survives the
// death of the process (and, with Sync "FULL", a power cut). A PutQuestion
// that a later one of the same question supersedes within the batch is not
// written (supersededQuestions): the committed state is the same.
//
// When storage cannot write (read-only, disk full, a corrupted page, an I/O
// error) the error holds a *tribune.Error with code EUNAVAILABLE, reason
// ReasonStorage and a Message of a word or two for /healthz (unavailable);
// OpenSession and PutSetting say so the same way.
func (db *DB) Apply(ctx context.Context, changes []tribune.Change) error {
	if len(changes) == 0 {
		return nil
	}
	if err := db.isOpen(); err != nil {
		return err
	}
	db.wmu.Lock()
	defer db.wmu.Unlock()
	tx, err := db.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("store: apply %d changes: begin: %w", len(changes), unavailable(err))
	}
	defer tx.Rollback() // after Commit a no-op
	a := applier{ctx: ctx, db: db, tx: tx}
	skip := supersededQuestions(changes)
	for i, c := range changes {
		if skip != nil && skip[i] {
			continue
		}
		if err := a.apply(c); err != nil {
			return fmt.Errorf("store: apply change %d of %d (%s): %w", i+1, len(changes), kindName(c.Kind), unavailable(err))
		}
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("store: apply %d changes: commit: %w", len(changes), unavailable(err))
	}
	return nil
}

// unavailable returns err wrapped in a *tribune.Error with code
// EUNAVAILABLE and reason ReasonStorage when it is SQLite saying that the
// storage cannot write: its Message says why in a word for people
// ("read-only", "disk full", "corrupted", "I/O error", "cannot open
// files"), which the Service shows in its health and /healthz. Err keeps
// the SQLite error for the log and for errors.As. Other errors (a broken
// constraint, a cancelled context) are returned as they are.
func unavailable(err error) error {
	var serr *sqlite.Error
	if !errors.As(err, &serr) {
		return err
	}
	var msg string
	switch serr.Code() & 0xff { // the primary code of an extended one
	case sqlite3.SQLITE_READONLY:
		msg = "read-only"
	case sqlite3.SQLITE_FULL:
		msg = "disk full"
	case sqlite3.SQLITE_CORRUPT, sqlite3.SQLITE_NOTADB:
		msg = "corrupted"
	case sqlite3.SQLITE_IOERR:
		msg = "I/O error"
	case sqlite3.SQLITE_CANTOPEN:
		msg = "cannot open files"
	default:
		return err
	}
	return &tribune.Error{Code: tribune.EUNAVAILABLE, Reason: tribune.ReasonStorage, Message: msg, Err: err}
}

// supersededQuestions marks the PutQuestion changes that need not be
// written: those followed by another PutQuestion of the same question in
// the batch, except the first one, which creates the row that the votes and
// reports after it refer to. Each PutQuestion replaces every column and
// nothing reads the questions table inside the transaction, so the committed
// state is the same; in a vote storm, where every vote comes with the new
// count of its question, this halves the statements of a batch. It returns
// nil when nothing is superseded.
func supersededQuestions(changes []tribune.Change) []bool {
	type key struct {
		session int64
		id      int
	}
	n := 0
	for _, c := range changes {
		if c.Kind == tribune.PutQuestion {
			n++
		}
	}
	if n < 3 {
		return nil // a first and a last: nothing between
	}
	var (
		first = make(map[key]int, n) // index of the first PutQuestion of each question
		last  = make(map[key]int, n) // index of the last
	)
	for i, c := range changes {
		if c.Kind != tribune.PutQuestion {
			continue
		}
		k := key{c.Question.SessionID, c.Question.ID}
		if _, ok := first[k]; !ok {
			first[k] = i
		}
		last[k] = i
	}
	var skip []bool
	for i, c := range changes {
		if c.Kind != tribune.PutQuestion {
			continue
		}
		k := key{c.Question.SessionID, c.Question.ID}
		if i != first[k] && i != last[k] {
			if skip == nil {
				skip = make([]bool, len(changes))
			}
			skip[i] = true
		}
	}
	return skip
}

// applier writes the changes of one transaction, binding each statement to
// it the first time it is needed.
type applier struct {
	ctx   context.Context
	db    *DB
	tx    *sql.Tx
	stmts [numStmts]*sql.Stmt // closed by the transaction's end
}

func (a *applier) exec(i int, args ...any) error {
	s := a.stmts[i]
	if s == nil {
		s = a.tx.StmtContext(a.ctx, a.db.stmt[i])
		a.stmts[i] = s
	}
	_, err := s.ExecContext(a.ctx, args...)
	return err
}

func (a *applier) apply(c tribune.Change) error {
	switch c.Kind {
	case tribune.PutQuestion:
		q := &c.Question
		return a.exec(stmtPutQuestion, q.SessionID, q.ID, q.Text, q.Author, q.AuthorLogin, q.AuthorID,
			q.Source, formatTime(q.Created), string(q.Status), q.Votes, q.Reports, nullInt(q.MergedInto),
			q.Channel, q.Label, questionFlags(q), nullTime(q.Aired), nullString(q.MessageID))
	case tribune.PutVote:
		v := &c.Vote
		return a.exec(stmtPutVote, v.SessionID, v.QuestionID, v.Source, v.VoterID, nullInt(v.Via), formatTime(v.Created))
	case tribune.DeleteVote:
		v := &c.Vote
		return a.exec(stmtDeleteVote, v.SessionID, v.QuestionID, v.Source, v.VoterID)
	case tribune.PutReport:
		r := &c.Report
		return a.exec(stmtPutReport, r.SessionID, r.QuestionID, r.Source, r.ReporterID, formatTime(r.Created))
	case tribune.PutBan:
		b := &c.Ban
		return a.exec(stmtPutBan, b.Channel, b.Source, b.UserID, b.Login, b.By, formatTime(b.Created))
	case tribune.DeleteBan:
		b := &c.Ban
		return a.exec(stmtDeleteBan, b.Channel, b.Source, b.UserID, b.Login)
	case tribune.PutLog:
		e := &c.Log
		data, err := encodeLogData(*e)
		if err != nil {
			return fmt.Errorf("log entry %d: %w", e.ID, err)
		}
		return a.exec(stmtPutLog, e.SessionID, e.ID, formatTime(e.At), e.Moderator, string(e.Action),
			nullInt(e.QuestionID), string(data))
	}
	return fmt.Errorf("unknown change kind %d", int(c.Kind))
}

// DefaultTitleFormat formats the start time into the title of a session
// started without one.
const DefaultTitleFormat = "2006-01-02 15:04"

// OpenSession returns the open session of channel. If none is open, or if
// title is not empty and differs from the open session's title, it ends the
// open one at now and starts a new one with that title (by default the
// start time, in now's location, formatted with DefaultTitleFormat).
func (db *DB) OpenSession(ctx context.Context, channel, title string, now time.Time) (tribune.Session, error) {
	if err := db.isOpen(); err != nil {
		return tribune.Session{}, err
	}
	db.wmu.Lock()
	defer db.wmu.Unlock()
	// A write transaction from the start (BEGIN IMMEDIATE): the check and
	// the insert cannot race with another process opening the same channel.
	tx, err := db.db.BeginTx(ctx, nil)
	if err != nil {
		return tribune.Session{}, fmt.Errorf("store: open session of %s: begin: %w", channel, unavailable(err))
	}
	defer tx.Rollback()
	var (
		open    tribune.Session
		started string
	)
	err = tx.QueryRowContext(ctx, `SELECT id, channel, title, started FROM sessions
		WHERE channel = ? AND ended IS NULL`, channel).Scan(&open.ID, &open.Channel, &open.Title, &started)
	switch {
	case err == nil:
		if open.Started, err = parseTime(started); err != nil {
			return tribune.Session{}, fmt.Errorf("store: open session of %s: session %d: %w", channel, open.ID, err)
		}
		if title == "" || title == open.Title {
			return open, nil // the deferred rollback ends a transaction that wrote nothing
		}
		if _, err := tx.ExecContext(ctx, `UPDATE sessions SET ended = ? WHERE id = ?`, formatTime(now), open.ID); err != nil {
			return tribune.Session{}, fmt.Errorf("store: end session %d: %w", open.ID, unavailable(err))
		}
	case errors.Is(err, sql.ErrNoRows):
	default:
		return tribune.Session{}, fmt.Errorf("store: open session of %s: %w", channel, err)
	}
	if title == "" {
		title = now.Format(DefaultTitleFormat)
	}
	s := tribune.Session{Channel: channel, Title: title, Started: now.UTC()}
	res, err := tx.ExecContext(ctx, `INSERT INTO sessions (channel, title, started) VALUES (?, ?, ?)`,
		channel, title, formatTime(now))
	if err != nil {
		return tribune.Session{}, fmt.Errorf("store: start session of %s: %w", channel, unavailable(err))
	}
	if s.ID, err = res.LastInsertId(); err != nil {
		return tribune.Session{}, fmt.Errorf("store: start session of %s: %w", channel, err)
	}
	if err := tx.Commit(); err != nil {
		return tribune.Session{}, fmt.Errorf("store: start session of %s: commit: %w", channel, unavailable(err))
	}
	return s, nil
}

// PutSetting stores a setting, replacing its previous value.
func (db *DB) PutSetting(ctx context.Context, key, value string) error {
	if err := db.isOpen(); err != nil {
		return err
	}
	db.wmu.Lock()
	defer db.wmu.Unlock()
	_, err := db.db.ExecContext(ctx, `INSERT INTO settings (key, value) VALUES (?, ?)
		ON CONFLICT (key) DO UPDATE SET value = excluded.value`, key, value)
	if err != nil {
		return fmt.Errorf("store: put setting %s: %w", key, unavailable(err))
	}
	return nil
}
