package main

import (
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"strconv"
	"time"

	"github.com/tribune-live/tribune"
	"github.com/tribune-live/tribune/store"
)

// seedDB writes a database holding one open session of the bench channel
// with n approved questions from n distinct authors (none of them a viewer
// of the scripts), each with its author's vote, through store.Apply in big
// batches.
func seedDB(path string, n int) error {
	ctx := context.Background()
	db := store.NewDB(path)
	if err := db.Open(); err != nil {
		return err
	}
	defer db.Close()
	now := time.Now()
	sess, err := db.OpenSession(ctx, benchChannel, "", now)
	if err != nil {
		return err
	}
	tg := newTextGen(rand.New(rand.NewPCG(42, 43)))
	const batch = 5000
	changes := make([]tribune.Change, 0, 2*batch)
	for id := 1; id <= n; id++ {
		author := strconv.Itoa(90_000_000 + id)
		created := now.Add(-time.Duration(n-id) * time.Second)
		q := tribune.Question{
			ID: id, SessionID: sess.ID, Text: tg.question(), Author: "Seed" + author, AuthorLogin: "seed" + author,
			AuthorID: author, Source: tribune.SourceTwitch, Created: created, Status: tribune.StatusApproved, Votes: 1,
		}
		changes = append(changes,
			tribune.Change{Kind: tribune.PutQuestion, Question: q},
			tribune.Change{Kind: tribune.PutVote, Vote: tribune.Vote{SessionID: sess.ID, QuestionID: id, Source: tribune.SourceTwitch, VoterID: author, Created: created}})
		if len(changes) >= 2*batch || id == n {
			if err := db.Apply(ctx, changes); err != nil {
				return fmt.Errorf("seed %s: %w", path, err)
			}
			changes = changes[:0]
		}
	}
	return db.Close()
}

// copyDB copies a closed database file (and its WAL, if any) and flushes
// the copy to disk.
func copyDB(from, to string) error {
	for _, suffix := range []string{"", "-wal"} {
		src, err := os.Open(from + suffix)
		if err != nil {
			if suffix != "" && os.IsNotExist(err) {
				continue
			}
			return err
		}
		dst, err := os.Create(to + suffix)
		if err != nil {
			src.Close()
			return err
		}
		_, err = io.Copy(dst, src)
		src.Close()
		if err == nil {
			// Flushed now, or the run's first checkpoint (SQLite's fsync
			// of the file) would wait for the whole copy to reach the
			// disk: a stall of a few hundred ms that a restart on a real
			// database file never has.
			err = dst.Sync()
		}
		if cerr := dst.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return fmt.Errorf("copy %s: %w", from, err)
		}
	}
	return nil
}

// storeCeiling measures the store alone: n votes (each a PutVote and the
// PutQuestion of the new count, as the Service writes them) applied one per
// transaction, then per batches of 100. It returns votes per second.
func storeCeiling(dir string, n int) (single, batched float64, err error) {
	ctx := context.Background()
	measure := func(name string, perBatch, n int) (float64, error) {
		db := store.NewDB(dir + "/ceiling-" + name + ".db")
		if err := db.Open(); err != nil {
			return 0, err
		}
		defer db.Close()
		sess, err := db.OpenSession(ctx, benchChannel, "", time.Now())
		if err != nil {
			return 0, err
		}
		q := tribune.Question{ID: 1, SessionID: sess.ID, Text: "the question everyone votes for", Author: "a", AuthorLogin: "a",
			AuthorID: "a", Source: tribune.SourceTwitch, Created: time.Now(), Status: tribune.StatusApproved}
		if err := db.Apply(ctx, []tribune.Change{{Kind: tribune.PutQuestion, Question: q}}); err != nil {
			return 0, err
		}
		batch := make([]tribune.Change, 0, 2*perBatch)
		start := time.Now()
		for done := 0; done < n; {
			batch = batch[:0]
			for i := 0; i < perBatch && done < n; i++ {
				done++
				q.Votes++
				batch = append(batch,
					tribune.Change{Kind: tribune.PutVote, Vote: tribune.Vote{SessionID: sess.ID, QuestionID: 1, Source: tribune.SourceTwitch, VoterID: strconv.Itoa(done), Created: time.Now()}},
					tribune.Change{Kind: tribune.PutQuestion, Question: q})
			}
			if err := db.Apply(ctx, batch); err != nil {
				return 0, err
			}
		}
		return float64(n) / time.Since(start).Seconds(), nil
	}
	if single, err = measure("single", 1, n/10); err != nil {
		return 0, 0, err
	}
	if batched, err = measure("batch", 100, n); err != nil {
		return 0, 0, err
	}
	return single, batched, nil
}

// dbCheck is what a database holds after a run.
type dbCheck struct {
	Questions int `json:"questions"`
	VoteRows  int `json:"vote_rows"`
	// Mismatched counts questions whose vote count differs from their vote
	// rows, or from what the script expects.
	Mismatched int    `json:"mismatched"`
	OnAir      int    `json:"onair,omitempty"`
	Detail     string `json:"detail,omitempty"`
}

// checkDB opens a database that no process writes any more and compares it
// with what the script's delivered lines must have made: want(id) returns
// the expected vote count of question id, or -1 when the script expects
// nothing in particular.
func checkDB(path string, wantQuestions int, want func(id int) int) (dbCheck, error) {
	ctx := context.Background()
	db := store.NewDB(path)
	if err := db.Open(); err != nil {
		return dbCheck{}, err
	}
	defer db.Close()
	ss, err := db.Sessions(ctx)
	if err != nil || len(ss) == 0 {
		return dbCheck{}, fmt.Errorf("check %s: sessions: %v, %w", path, ss, err)
	}
	st, err := db.LoadSession(ctx, ss[len(ss)-1].ID)
	if err != nil {
		return dbCheck{}, err
	}
	rows := map[int]int{}
	for _, v := range st.Votes {
		rows[v.QuestionID]++
	}
	c := dbCheck{Questions: len(st.Questions), VoteRows: len(st.Votes)}
	if wantQuestions >= 0 && c.Questions != wantQuestions {
		c.Detail = fmt.Sprintf("questions=%d, want %d; ", c.Questions, wantQuestions)
	}
	for _, q := range st.Questions {
		w := want(q.ID)
		if q.Votes != rows[q.ID] || (w >= 0 && q.Votes != w) {
			if c.Mismatched < 5 {
				c.Detail += fmt.Sprintf("#%d votes=%d rows=%d want %d; ", q.ID, q.Votes, rows[q.ID], w)
			}
			c.Mismatched++
		}
		if q.Status == tribune.StatusOnAir {
			c.OnAir = q.ID
		}
	}
	return c, nil
}
