package store

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"io"
	"math"
	"sync"
	"sync/atomic"

	tribune "github.com/tribune-live/tribune"
)

// querier is what reads need of a *sql.DB or a *sql.Tx.
type querier interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// LoadSession returns a session with its questions (by id), votes and
// reports (by question, then voter) and moderation log (by id), as export
// and report read it. ENOTFOUND if there is no such session.
//
// It reads on two connections at once, each in a read-only transaction:
// one reads the questions, the other the votes, reports and log, then
// helps with the questions that are left (questionChunks). Both
// transactions see one state of the file: they take their snapshots while
// this process's writers are held off (another process does not write a
// file a running tribune owns).
func (db *DB) LoadSession(ctx context.Context, id int64) (tribune.SessionState, error) {
	return db.load(ctx, id, true)
}

// LoadQueue returns what LoadSession does but the votes, which LoadVotes
// reads. It is what `tribune serve` waits for before it is ready: serve
// serves reads, which need no votes, before it has read them, and the two
// connections read only questions meanwhile.
func (db *DB) LoadQueue(ctx context.Context, id int64) (tribune.SessionState, error) {
	return db.load(ctx, id, false)
}

// LoadVotes returns the votes of session id, by question then voter.
func (db *DB) LoadVotes(ctx context.Context, id int64) ([]tribune.Vote, error) {
	if err := db.isOpen(); err != nil {
		return nil, err
	}
	rc, err := db.beginRead(ctx)
	if err != nil {
		return nil, fmt.Errorf("store: load votes of session %d: %w", id, err)
	}
	defer rc.close()
	votes, err := readVotes(ctx, rc.tx, id, 0)
	if err != nil {
		return nil, fmt.Errorf("store: load votes of session %d: %w", id, err)
	}
	return votes, nil
}

func (db *DB) load(ctx context.Context, id int64, votes bool) (tribune.SessionState, error) {
	if err := db.isOpen(); err != nil {
		return tribune.SessionState{}, err
	}
	st, err := db.loadSession(ctx, id, votes)
	if err != nil {
		if tribune.ErrorCode(err) == tribune.ENOTFOUND {
			return tribune.SessionState{}, err
		}
		return tribune.SessionState{}, fmt.Errorf("store: load session %d: %w", id, err)
	}
	return st, nil
}

func (db *DB) loadSession(ctx context.Context, id int64, votes bool) (tribune.SessionState, error) {
	var st tribune.SessionState
	db.wmu.Lock()
	qc, err := db.beginRead(ctx)
	if err != nil {
		db.wmu.Unlock()
		return st, err
	}
	defer qc.close()
	s, err := scanSession(qc.tx.QueryRowContext(ctx, `SELECT id, channel, title, started, ended FROM sessions WHERE id = ?`, id))
	if err != nil {
		db.wmu.Unlock()
		if errors.Is(err, sql.ErrNoRows) {
			return st, tribune.Errorf(tribune.ENOTFOUND, tribune.ReasonUnknown, "no session %d", id).With("session", id)
		}
		return st, err
	}
	st.Session = s
	// With a pool of one connection, everything is read on it, in turn.
	oc, parallel := qc, db.db.Stats().MaxOpenConnections != 1
	if parallel {
		if oc, err = db.beginRead(ctx); err != nil {
			db.wmu.Unlock()
			return st, err
		}
		defer oc.close()
	}
	// Question ids run from 1: the highest is the count, a capacity that
	// spares the slices their growth.
	var n int
	err = oc.tx.QueryRowContext(ctx, `SELECT coalesce(max(id), 0) FROM questions WHERE session_id = ?`, id).Scan(&n)
	db.wmu.Unlock()
	if err != nil {
		return st, fmt.Errorf("questions: count: %w", err)
	}

	// A failure on one connection stops the other: its error is the one
	// returned, not the other's cancellation.
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var (
		errOnce  sync.Once
		firstErr error
	)
	fail := func(err error) {
		errOnce.Do(func() { firstErr = err; cancel() })
	}
	qs := newQuestionChunks(id, n)
	others := func() {
		var err error
		if votes {
			if st.Votes, err = readVotes(ctx, oc.tx, id, n); err != nil {
				fail(fmt.Errorf("votes: %w", err))
				return
			}
		}
		if st.Reports, err = queryAll(ctx, oc.tx, scanReport, `SELECT session_id, question_id, source, reporter_id, created
			FROM reports WHERE session_id = ? ORDER BY question_id, source, reporter_id`, id); err != nil {
			fail(fmt.Errorf("reports: %w", err))
			return
		}
		if st.Log, err = queryAll(ctx, oc.tx, scanLog, `SELECT session_id, id, at, moderator, action, question_id, data
			FROM modlog WHERE session_id = ? ORDER BY id`, id); err != nil {
			fail(fmt.Errorf("moderation log: %w", err))
			return
		}
		if err := qs.read(ctx, oc.c); err != nil {
			fail(fmt.Errorf("questions: %w", err))
		}
	}
	if parallel {
		done := make(chan struct{})
		go func() {
			defer close(done)
			others()
		}()
		if err := qs.read(ctx, qc.c); err != nil {
			fail(fmt.Errorf("questions: %w", err))
		}
		<-done
	} else {
		others()
	}
	if firstErr != nil {
		return st, firstErr
	}
	st.Questions = qs.join()
	return st, nil
}

// questionChunks shares the reading of a session's questions between
// connections: each takes the next range of ids (a chunk) until none is
// left, so that both finish at about the same time whatever else they had
// to read; a fixed split could not suit both a session of one vote per
// question and one of fifty. Each chunk goes to its own window of one
// slice, in id order, so that when the ids run from 1 without gaps, as the
// Service makes them, the windows join without a copy.
type questionChunks struct {
	sid   int64
	n     int // the highest id
	size  int // ids per chunk
	next  atomic.Int64
	buf   []tribune.Question
	parts [][]tribune.Question // parts[k] holds chunk k's questions
}

// Chunks are large enough that starting a query (tens of µs) is
// negligible, small enough that when one connection runs out of chunks the
// other has at most one left to read: a few ms.
const (
	minChunk  = 2048
	maxChunks = 64
)

func newQuestionChunks(sid int64, n int) *questionChunks {
	size := max(minChunk, (n+maxChunks-1)/maxChunks)
	return &questionChunks{
		sid:   sid,
		n:     n,
		size:  size,
		buf:   make([]tribune.Question, 0, n),
		parts: make([][]tribune.Question, (n+size-1)/size),
	}
}

// window returns the ids of chunk k: (from, to].
func (qc *questionChunks) window(k int) (from, to int) {
	return k * qc.size, min((k+1)*qc.size, qc.n)
}

// read reads chunks on c until none is left. Each chunk is taken by one
// caller only, which alone writes its parts entry and window of buf. The
// query is prepared once for all the chunks a connection reads.
func (qc *questionChunks) read(ctx context.Context, c *sql.Conn) error {
	return withStmt(ctx, c, questionsQuery, func(stmt driver.Stmt) error {
		for {
			k := int(qc.next.Add(1) - 1)
			if k >= len(qc.parts) {
				return nil
			}
			from, to := qc.window(k)
			// The last chunk also takes any id above n, which the snapshot
			// has none of.
			upTo := int64(to)
			if k == len(qc.parts)-1 {
				upTo = math.MaxInt64
			}
			// The window's capacity ends where the next one begins: more
			// rows than ids (which cannot be) would grow into a new array
			// rather than over the next chunk.
			part, err := readQuestions(ctx, stmt, qc.sid, int64(from), upTo, qc.buf[from:from:to])
			if err != nil {
				return err
			}
			qc.parts[k] = part
		}
	})
}

// join returns the questions of every chunk, in order; nil if none.
func (qc *questionChunks) join() []tribune.Question {
	dense := true
	for k, p := range qc.parts {
		from, to := qc.window(k)
		if len(p) != to-from || (len(p) > 0 && &p[0] != &qc.buf[:to][from]) {
			dense = false
			break
		}
	}
	if dense && qc.n > 0 {
		return qc.buf[:qc.n]
	}
	// Gaps in the ids: move each chunk down to where the previous one
	// ended. A chunk never moves up, so no chunk is overwritten before it
	// has moved (append copies as memmove does).
	out := qc.buf[:0]
	for _, p := range qc.parts {
		out = append(out, p...)
	}
	if len(out) == 0 {
		return nil // as before: no questions, no slice
	}
	return out
}

// readConn is a connection of the pool, held for a read-only transaction.
// The questions are read on its driver connection directly (withStmt);
// they are read inside the transaction all the same, which is the
// connection's state.
type readConn struct {
	c  *sql.Conn
	tx *sql.Tx
}

// beginRead takes a connection and begins a read-only transaction on it. A
// read-only transaction begins deferred: it takes no write lock, and its
// snapshot of the WAL is fixed by its first read.
func (db *DB) beginRead(ctx context.Context) (*readConn, error) {
	c, err := db.db.Conn(ctx)
	if err != nil {
		return nil, fmt.Errorf("begin: %w", err)
	}
	tx, err := c.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		c.Close()
		return nil, fmt.Errorf("begin: %w", err)
	}
	return &readConn{c: c, tx: tx}, nil
}

// close ends the transaction and returns the connection to the pool, in
// that order: the connection waits for its transaction to end.
func (r *readConn) close() {
	r.tx.Rollback()
	r.c.Close()
}

// withStmt prepares query on c's driver connection and calls f with it.
// Reading the questions through the driver (stmtQuery) skips database/sql's
// Scan, which converts each integer through reflection and asks each
// destination whether it is a Scanner: `tribune serve` with 100 000
// questions is ready in 0.83× the time of rows.Scan into reused
// destinations (a median 228 ms against 285 ms, 12 alternated rounds of
// `tribune-bench -only ready`, each the median of 5 starts, 2026-12-02).
// The driver connection and the statement are used only inside c.Raw,
// which holds the connection: nothing else, the transaction included, may
// use it meanwhile.
func withStmt(ctx context.Context, c *sql.Conn, query string, f func(driver.Stmt) error) error {
	return c.Raw(func(dc any) (err error) {
		pc, ok := dc.(driver.ConnPrepareContext)
		if !ok {
			return fmt.Errorf("driver connection %T cannot prepare with a context", dc)
		}
		stmt, err := pc.PrepareContext(ctx, query)
		if err != nil {
			return err
		}
		defer func() {
			if cerr := stmt.Close(); err == nil {
				err = cerr
			}
		}()
		return f(stmt)
	})
}

// stmtQuery runs a query prepared by withStmt and calls row with each row's
// values as the driver returns them (int64, float64, string, []byte or
// nil); the slice is reused from row to row.
func stmtQuery(ctx context.Context, stmt driver.Stmt, args []driver.NamedValue, row func([]driver.Value) error) (err error) {
	sq, ok := stmt.(driver.StmtQueryContext)
	if !ok {
		return fmt.Errorf("driver statement %T cannot query with a context", stmt)
	}
	rows, err := sq.QueryContext(ctx, args)
	if err != nil {
		return err
	}
	defer func() {
		if cerr := rows.Close(); err == nil {
			err = cerr
		}
	}()
	vals := make([]driver.Value, len(rows.Columns()))
	for i := 0; ; i++ {
		// The driver watches ctx while a query starts; database/sql would
		// also stop at the next row once ctx is done, and so does this.
		if i%1024 == 1023 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		if err := rows.Next(vals); err != nil {
			if err == io.EOF {
				return nil
			}
			return err
		}
		if err := row(vals); err != nil {
			return err
		}
	}
}

// args numbers a query's arguments from 1.
func args(vs ...any) []driver.NamedValue {
	nv := make([]driver.NamedValue, len(vs))
	for i, v := range vs {
		nv[i] = driver.NamedValue{Ordinal: i + 1, Value: v}
	}
	return nv
}

// questionsQuery reads a question's four strings that the Service keeps
// (text, author, login, user id) as one value, with the lengths that split
// it: the Service's table keeps them as slices of one allocation rather
// than four. The heap is 1.46 MiB (5.9 %) smaller once 100 000 questions
// are loaded (live-MB in BenchmarkLoadSession/ServiceOpen: 24.78 against
// 26.24 MiB), with 6 allocations fewer per question; the ready time does
// not change measurably.
const questionsQuery = `SELECT id, text || author || login || user_id,
	octet_length(text), octet_length(author), octet_length(login), source, created, status,
	votes, reports, merged_into, channel, label, flags, aired
	FROM questions WHERE session_id = ? AND id > ? AND id <= ? ORDER BY id`

// readQuestions appends to out the questions of session sid with ids in
// (after, upTo], read with questionsQuery.
func readQuestions(ctx context.Context, stmt driver.Stmt, sid, after, upTo int64, out []tribune.Question) ([]tribune.Question, error) {
	err := stmtQuery(ctx, stmt, args(sid, after, upTo), func(v []driver.Value) error {
		q, err := parseQuestionRow(v)
		if err != nil {
			return err
		}
		q.SessionID = sid
		out = append(out, q)
		return nil
	})
	return out, err
}

// parseQuestionRow makes a Question of a questionsQuery row.
func parseQuestionRow(v []driver.Value) (tribune.Question, error) {
	var q tribune.Question
	r := rowReader{bad: -1}
	q.ID = int(r.int(v[0]))
	strs, textLen, authorLen, loginLen := r.text(v[1]), r.int(v[2]), r.int(v[3]), r.int(v[4])
	q.Source = r.text(v[5])
	if textLen < 0 || authorLen < 0 || loginLen < 0 || textLen+authorLen+loginLen > int64(len(strs)) {
		return q, fmt.Errorf("question %d: string lengths do not add up", q.ID)
	}
	q.Text, strs = strs[:textLen], strs[textLen:]
	q.Author, strs = strs[:authorLen], strs[authorLen:]
	q.AuthorLogin, q.AuthorID = strs[:loginLen], strs[loginLen:]
	created, status := r.text(v[6]), r.text(v[7])
	q.Votes, q.Reports, q.MergedInto = int(r.int(v[8])), int(r.int(v[9])), int(r.int(v[10]))
	q.Channel, q.Label = r.text(v[11]), r.text(v[12])
	flags, aired := r.int(v[13]), v[14]
	q.Anonymous, q.FirstMessage = flags&flagAnonymous != 0, flags&flagFirstMessage != 0
	q.Status = tribune.Status(status)
	if r.bad >= 0 {
		return q, fmt.Errorf("question %d: value %d is a %T", q.ID, r.bad, v[r.bad])
	}
	var err error
	if aired != nil {
		if q.Aired, err = parseTime(r.text(aired)); err != nil {
			return q, fmt.Errorf("question %d: %w", q.ID, err)
		}
	}
	if q.Created, err = parseTime(created); err != nil {
		return q, fmt.Errorf("question %d: %w", q.ID, err)
	}
	return q, nil
}

// rowReader reads the values of a row as the types the schema gives them
// (STRICT tables hold no others), noting the first that is not. Start it
// with bad -1.
type rowReader struct {
	i   int // values read
	bad int // the first value of another type, -1 if none
}

// int returns an INTEGER value; NULL is 0 (a zero id is stored as NULL).
func (r *rowReader) int(v driver.Value) int64 {
	r.i++
	n, ok := v.(int64)
	if !ok && v != nil && r.bad < 0 {
		r.bad = r.i - 1
	}
	return n
}

// text returns a TEXT value.
func (r *rowReader) text(v driver.Value) string {
	r.i++
	s, ok := v.(string)
	if !ok && r.bad < 0 {
		r.bad = r.i - 1
	}
	return s
}

// readVotes reads the votes of session sid, about n expected, with
// rows.Scan into destinations made once rather than once a row (each would
// be an allocation). They are read after `tribune serve` is ready, and the
// driver's way reads them no faster (BenchmarkLoadSession/Votes: the same
// CPU time, allocations and bytes).
func readVotes(ctx context.Context, q querier, sid int64, n int) ([]tribune.Vote, error) {
	rows, err := q.QueryContext(ctx, `SELECT question_id, source, voter_id, via, created
		FROM votes WHERE session_id = ? ORDER BY question_id, source, voter_id`, sid)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := make([]tribune.Vote, 0, n)
	var (
		qid                    int64
		source, voter, created string
		via                    sql.NullInt64
	)
	dest := []any{&qid, &source, &voter, &via, &created}
	for rows.Next() {
		if err := rows.Scan(dest...); err != nil {
			return nil, err
		}
		t, err := parseTime(created)
		if err != nil {
			return nil, fmt.Errorf("vote on %d: %w", qid, err)
		}
		out = append(out, tribune.Vote{SessionID: sid, QuestionID: int(qid), Source: source, VoterID: voter, Via: int(via.Int64), Created: t})
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	if len(out) == 0 {
		out = nil
	}
	return out, nil
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
