package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	tribune "github.com/tribune-live/tribune"
)

// querier is what reads need of a *sql.DB or a *sql.Tx.
type querier interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// LoadSession returns a session with its questions (by id), votes and
// reports (by question, then voter) and moderation log (by id), read in one
// transaction so that they are consistent. ENOTFOUND if there is no such
// session.
func (db *DB) LoadSession(ctx context.Context, id int64) (tribune.SessionState, error) {
	if err := db.isOpen(); err != nil {
		return tribune.SessionState{}, err
	}
	// A read-only transaction begins deferred: it takes no write lock and
	// reads one snapshot of the WAL while writers go on.
	tx, err := db.db.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return tribune.SessionState{}, fmt.Errorf("store: load session %d: begin: %w", id, err)
	}
	defer tx.Rollback()
	st, err := loadSession(ctx, tx, id)
	if err != nil {
		if tribune.ErrorCode(err) == tribune.ENOTFOUND {
			return tribune.SessionState{}, err
		}
		return tribune.SessionState{}, fmt.Errorf("store: load session %d: %w", id, err)
	}
	return st, nil
}

func loadSession(ctx context.Context, q querier, id int64) (tribune.SessionState, error) {
	var st tribune.SessionState
	s, err := scanSession(q.QueryRowContext(ctx, `SELECT id, channel, title, started, ended FROM sessions WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return st, tribune.Errorf(tribune.ENOTFOUND, tribune.ReasonUnknown, "no session %d", id).With("session", id)
	}
	if err != nil {
		return st, err
	}
	st.Session = s
	if st.Questions, err = queryAll(ctx, q, scanQuestion, `SELECT session_id, id, text, author, login, user_id,
		source, created, status, votes, reports, merged_into
		FROM questions WHERE session_id = ? ORDER BY id`, id); err != nil {
		return st, fmt.Errorf("questions: %w", err)
	}
	if st.Votes, err = queryAll(ctx, q, scanVote, `SELECT session_id, question_id, voter_id, via, created
		FROM votes WHERE session_id = ? ORDER BY question_id, voter_id`, id); err != nil {
		return st, fmt.Errorf("votes: %w", err)
	}
	if st.Reports, err = queryAll(ctx, q, scanReport, `SELECT session_id, question_id, reporter_id, created
		FROM reports WHERE session_id = ? ORDER BY question_id, reporter_id`, id); err != nil {
		return st, fmt.Errorf("reports: %w", err)
	}
	if st.Log, err = queryAll(ctx, q, scanLog, `SELECT session_id, id, at, moderator, action, question_id, data
		FROM modlog WHERE session_id = ? ORDER BY id`, id); err != nil {
		return st, fmt.Errorf("moderation log: %w", err)
	}
	return st, nil
}

// Sessions returns every session, oldest first.
func (db *DB) Sessions(ctx context.Context) ([]tribune.Session, error) {
	if err := db.isOpen(); err != nil {
		return nil, err
	}
	ss, err := queryAll(ctx, db.db, scanSession, `SELECT id, channel, title, started, ended FROM sessions ORDER BY id`)
	if err != nil {
		return nil, fmt.Errorf("store: sessions: %w", err)
	}
	return ss, nil
}

// Bans returns the bans of channel, oldest first.
func (db *DB) Bans(ctx context.Context, channel string) ([]tribune.Ban, error) {
	if err := db.isOpen(); err != nil {
		return nil, err
	}
	bans, err := queryAll(ctx, db.db, scanBan, `SELECT channel, login, "by", created FROM bans
		WHERE channel = ? ORDER BY created, login`, channel)
	if err != nil {
		return nil, fmt.Errorf("store: bans of %s: %w", channel, err)
	}
	return bans, nil
}

// Setting returns a stored setting; ok is false when it is not set.
func (db *DB) Setting(ctx context.Context, key string) (value string, ok bool, err error) {
	if err := db.isOpen(); err != nil {
		return "", false, err
	}
	err = db.db.QueryRowContext(ctx, `SELECT value FROM settings WHERE key = ?`, key).Scan(&value)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return "", false, nil
	case err != nil:
		return "", false, fmt.Errorf("store: setting %s: %w", key, err)
	}
	return value, true, nil
}

// scanner is a *sql.Row or *sql.Rows.
type scanner interface{ Scan(dest ...any) error }

// queryAll runs a query and scans every row with scan.
func queryAll[T any](ctx context.Context, q querier, scan func(scanner) (T, error), query string, args ...any) ([]T, error) {
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []T
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

func scanSession(r scanner) (tribune.Session, error) {
	var (
		s       tribune.Session
		started string
		ended   sql.NullString
	)
	if err := r.Scan(&s.ID, &s.Channel, &s.Title, &started, &ended); err != nil {
		return s, err
	}
	var err error
	if s.Started, err = parseTime(started); err != nil {
		return s, fmt.Errorf("session %d: %w", s.ID, err)
	}
	if ended.Valid {
		if s.Ended, err = parseTime(ended.String); err != nil {
			return s, fmt.Errorf("session %d: %w", s.ID, err)
		}
	}
	return s, nil
}

func scanQuestion(r scanner) (tribune.Question, error) {
	var (
		q       tribune.Question
		created string
		status  string
		merged  sql.NullInt64
	)
	if err := r.Scan(&q.SessionID, &q.ID, &q.Text, &q.Author, &q.AuthorLogin, &q.AuthorID,
		&q.Source, &created, &status, &q.Votes, &q.Reports, &merged); err != nil {
		return q, err
	}
	q.Status = tribune.Status(status)
	q.MergedInto = int(nullIntValue(merged))
	var err error
	if q.Created, err = parseTime(created); err != nil {
		return q, fmt.Errorf("question %d: %w", q.ID, err)
	}
	return q, nil
}

func scanVote(r scanner) (tribune.Vote, error) {
	var (
		v       tribune.Vote
		via     sql.NullInt64
		created string
	)
	if err := r.Scan(&v.SessionID, &v.QuestionID, &v.VoterID, &via, &created); err != nil {
		return v, err
	}
	v.Via = int(nullIntValue(via))
	var err error
	if v.Created, err = parseTime(created); err != nil {
		return v, fmt.Errorf("vote on %d: %w", v.QuestionID, err)
	}
	return v, nil
}

func scanReport(r scanner) (tribune.Report, error) {
	var (
		rep     tribune.Report
		created string
	)
	if err := r.Scan(&rep.SessionID, &rep.QuestionID, &rep.ReporterID, &created); err != nil {
		return rep, err
	}
	var err error
	if rep.Created, err = parseTime(created); err != nil {
		return rep, fmt.Errorf("report on %d: %w", rep.QuestionID, err)
	}
	return rep, nil
}

func scanBan(r scanner) (tribune.Ban, error) {
	var (
		b       tribune.Ban
		created string
	)
	if err := r.Scan(&b.Channel, &b.Login, &b.By, &created); err != nil {
		return b, err
	}
	var err error
	if b.Created, err = parseTime(created); err != nil {
		return b, fmt.Errorf("ban of %s: %w", b.Login, err)
	}
	return b, nil
}

func scanLog(r scanner) (tribune.LogEntry, error) {
	var (
		e      tribune.LogEntry
		at     string
		action string
		qid    sql.NullInt64
		data   string
	)
	if err := r.Scan(&e.SessionID, &e.ID, &at, &e.Moderator, &action, &qid, &data); err != nil {
		return e, err
	}
	e.Action = tribune.Action(action)
	e.QuestionID = int(nullIntValue(qid))
	var err error
	if e.At, err = parseTime(at); err != nil {
		return e, fmt.Errorf("log entry %d: %w", e.ID, err)
	}
	if err := decodeLogData([]byte(data), &e); err != nil {
		return e, fmt.Errorf("log entry %d: %w", e.ID, err)
	}
	return e, nil
}
