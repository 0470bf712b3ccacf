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
	bans, err := queryAll(ctx, db.db, scanBan, `SELECT channel, source, user_id, login, "by", created FROM bans
		WHERE channel = ? ORDER BY created, source, user_id, login`, channel)
	if err != nil {
		return nil, fmt.Errorf("store: bans of %s: %w", channel, err)
	}
	return bans, nil
}

// QuestionByMessage returns the id of the question of session that the
// chat message messageID of source asked. ENOTFOUND if none.
func (db *DB) QuestionByMessage(ctx context.Context, session int64, source, messageID string) (int, error) {
	if err := db.isOpen(); err != nil {
		return 0, err
	}
	var id int
	err := db.db.QueryRowContext(ctx, `SELECT id FROM questions
		WHERE session_id = ? AND source = ? AND message_id = ?`, session, source, messageID).Scan(&id)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return 0, tribune.Errorf(tribune.ENOTFOUND, tribune.ReasonUnknown, "no question from %s message %s", source, messageID)
	case err != nil:
		return 0, fmt.Errorf("store: question of %s message %s: %w", source, messageID, err)
	}
	return id, nil
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
	if len(out) == 0 {
		out = nil
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

func scanReport(r scanner) (tribune.Report, error) {
	var (
		rep     tribune.Report
		created string
	)
	if err := r.Scan(&rep.SessionID, &rep.QuestionID, &rep.Source, &rep.ReporterID, &created); err != nil {
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
	if err := r.Scan(&b.Channel, &b.Source, &b.UserID, &b.Login, &b.By, &created); err != nil {
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
