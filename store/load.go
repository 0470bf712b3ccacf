package store

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"math"
	"sync"
	"sync/atomic"

	tribune "github.com/tribune-live/tribune"
)

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
