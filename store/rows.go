package store

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"fmt"
	"io"

	tribune "github.com/tribune-live/tribune"
)

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

// questionsQuery reads a question's four strings (text, author, login,
// user id) as one value, with the lengths that split it. The Service joins
// them again in its own table; read as one value they are one allocation a
// question instead of four while the collector is off at start: 0.90
// against 1.50 million allocations and 66 against 71 MB allocated to open
// a Service on 100 000 questions, in a median 192 against 201 ms
// (BenchmarkLoadSession/ServiceOpen, 5 runs of each).
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
