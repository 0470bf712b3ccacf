package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math"

	tribune "github.com/tribune-live/tribune"
)

// querier is what reads need of a *sql.DB or a *sql.Tx.
type querier interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// LoadSession returns a session with its questions (by id), votes and
// reports (by question, then voter) and moderation log (by id). ENOTFOUND if
// there is no such session.
//
// It is what `tribune serve` waits for before it is ready, so it reads the
// questions on one connection and the rest on another, at once, each in a
// read-only transaction. Both transactions see one state of the file: they
// take their snapshots while this process's writers are held off (other
// processes do not write a file a running tribune uses).
func (db *DB) LoadSession(ctx context.Context, id int64) (tribune.SessionState, error) {
	if err := db.isOpen(); err != nil {
		return tribune.SessionState{}, err
	}
	st, err := db.loadSession(ctx, id)
	if err != nil {
		if tribune.ErrorCode(err) == tribune.ENOTFOUND {
			return tribune.SessionState{}, err
		}
		return tribune.SessionState{}, fmt.Errorf("store: load session %d: %w", id, err)
	}
	return st, nil
}

func (db *DB) loadSession(ctx context.Context, id int64) (tribune.SessionState, error) {
	var st tribune.SessionState
	// A read-only transaction begins deferred: it takes no write lock, and
	// its snapshot of the WAL is fixed by its first read.
	begin := func() (*sql.Tx, error) {
		tx, err := db.db.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
		if err != nil {
			return nil, fmt.Errorf("begin: %w", err)
		}
		return tx, nil
	}
	db.wmu.Lock()
	qtx, err := begin()
	if err != nil {
		db.wmu.Unlock()
		return st, err
	}
	defer qtx.Rollback()
	s, err := scanSession(qtx.QueryRowContext(ctx, `SELECT id, channel, title, started, ended FROM sessions WHERE id = ?`, id))
	if err != nil {
		db.wmu.Unlock()
		if errors.Is(err, sql.ErrNoRows) {
			return st, tribune.Errorf(tribune.ENOTFOUND, tribune.ReasonUnknown, "no session %d", id).With("session", id)
		}
		return st, err
	}
	st.Session = s
	// With a pool of one connection, everything is read on it, in turn.
	otx, parallel := qtx, db.db.Stats().MaxOpenConnections != 1
	if parallel {
		if otx, err = begin(); err != nil {
			db.wmu.Unlock()
			return st, err
		}
		defer otx.Rollback()
	}
	// Question ids run from 1: the highest is the count, a capacity that
	// spares the slices their growth.
	var n int
	err = otx.QueryRowContext(ctx, `SELECT coalesce(max(id), 0) FROM questions WHERE session_id = ?`, id).Scan(&n)
	db.wmu.Unlock()
	if err != nil {
		return st, fmt.Errorf("questions: count: %w", err)
	}

	// Questions cost more than everything else together: the first
	// connection reads most of them while the second reads the votes, then
	// the rest of the questions, so that both finish at about the same time.
	split := n * 7 / 10
	if !parallel {
		split = n
	}
	buf := make([]tribune.Question, 0, n)
	qerr := make(chan error, 1)
	var head []tribune.Question
	questions := func() {
		var err error
		if head, err = readQuestions(ctx, qtx, id, 0, split, buf[:0:split]); err != nil {
			err = fmt.Errorf("questions: %w", err)
		}
		qerr <- err
	}
	if parallel {
		go questions()
	} else {
		questions()
	}
	var tail []tribune.Question
	err = func() error {
		var err error
		if st.Votes, err = readVotes(ctx, otx, id, n); err != nil {
			return fmt.Errorf("votes: %w", err)
		}
		if tail, err = readQuestions(ctx, otx, id, split, math.MaxInt64, buf[split:split]); err != nil {
			return fmt.Errorf("questions: %w", err)
		}
		if st.Reports, err = queryAll(ctx, otx, scanReport, `SELECT session_id, question_id, reporter_id, created
			FROM reports WHERE session_id = ? ORDER BY question_id, reporter_id`, id); err != nil {
			return fmt.Errorf("reports: %w", err)
		}
		if st.Log, err = queryAll(ctx, otx, scanLog, `SELECT session_id, id, at, moderator, action, question_id, data
			FROM modlog WHERE session_id = ? ORDER BY id`, id); err != nil {
			return fmt.Errorf("moderation log: %w", err)
		}
		return nil
	}()
	if qe := <-qerr; qe != nil {
		return st, qe
	}
	if err != nil {
		return st, err
	}
	// Both halves are in buf when the ids run from 1 without gaps, as the
	// Service makes them; otherwise they are joined.
	if len(head) == split && len(tail) > 0 && &buf[:split+1][split] == &tail[0] {
		st.Questions = buf[:split+len(tail)]
	} else {
		st.Questions = append(head, tail...)
	}
	if len(st.Questions) == 0 {
		st.Questions = nil // as before: no questions, no slice
	}
	return st, nil
}

// readQuestions appends to out the questions of session sid with ids in
// (after, upTo].
// The scan targets are reused from row to row, so that a row costs only the
// strings the driver returns; statuses and sources are interned.
func readQuestions(ctx context.Context, tx *sql.Tx, sid int64, after, upTo int, out []tribune.Question) ([]tribune.Question, error) {
	rows, err := tx.QueryContext(ctx, `SELECT id, text, author, login, user_id,
		source, created, status, votes, reports, merged_into
		FROM questions WHERE session_id = ? AND id > ? AND id <= ? ORDER BY id`, sid, after, upTo)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var (
		r       tribune.Question
		created string
		status  string
		merged  sql.NullInt64
	)
	dest := []any{&r.ID, &r.Text, &r.Author, &r.AuthorLogin, &r.AuthorID, &r.Source, &created, &status, &r.Votes, &r.Reports, &merged}
	for rows.Next() {
		if err := rows.Scan(dest...); err != nil {
			return nil, err
		}
		q := r
		q.SessionID = sid
		q.Source = internSource(q.Source)
		q.Status = internStatus(status)
		q.MergedInto = int(nullIntValue(merged))
		if q.Created, err = parseTime(created); err != nil {
			return nil, fmt.Errorf("question %d: %w", q.ID, err)
		}
		out = append(out, q)
	}
	return out, rows.Err()
}

// readVotes reads the votes of session sid, about n expected.
func readVotes(ctx context.Context, tx *sql.Tx, sid int64, n int) ([]tribune.Vote, error) {
	rows, err := tx.QueryContext(ctx, `SELECT question_id, voter_id, via, created
		FROM votes WHERE session_id = ? ORDER BY question_id, voter_id`, sid)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var (
		r       tribune.Vote
		via     sql.NullInt64
		created string
	)
	dest := []any{&r.QuestionID, &r.VoterID, &via, &created}
	out := make([]tribune.Vote, 0, n)
	for rows.Next() {
		if err := rows.Scan(dest...); err != nil {
			return nil, err
		}
		v := r
		v.SessionID = sid
		v.Via = int(nullIntValue(via))
		if v.Created, err = parseTime(created); err != nil {
			return nil, fmt.Errorf("vote on %d: %w", v.QuestionID, err)
		}
		out = append(out, v)
	}
	if len(out) == 0 {
		out = nil
	}
	return out, rows.Err()
}

// internStatus returns the package constant equal to s, so that 100 000
// questions share eight strings.
func internStatus(s string) tribune.Status {
	for _, st := range tribune.Statuses {
		if string(st) == s {
			return st
		}
	}
	return tribune.Status(s)
}

// internSource returns the package constant equal to s, if any.
func internSource(s string) string {
	switch s {
	case tribune.SourceTwitch:
		return tribune.SourceTwitch
	case tribune.SourceConsole:
		return tribune.SourceConsole
	}
	return s
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
