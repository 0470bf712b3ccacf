package store_test

import (
	"context"
	"strconv"
	"testing"

	tribune "github.com/tribune-live/tribune"
	"github.com/tribune-live/tribune/store"
)

// benchVotes applies b.N votes (each a PutVote and the PutQuestion of the
// new count, as the Service sends them), perBatch per Apply. ns/op is per
// vote in every variant, so the ratio between them is the group-commit gain.
func benchVotes(b *testing.B, perBatch int, sync string) {
	ctx := context.Background()
	db := store.NewDB(b.TempDir() + "/bench.db")
	db.Sync = sync
	if err := db.Open(); err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	sess, err := db.OpenSession(ctx, "chan", "", t0)
	if err != nil {
		b.Fatal(err)
	}
	q := question(sess.ID, 1, "the question everyone votes for")
	if err := db.Apply(ctx, []tribune.Change{putQ(q)}); err != nil {
		b.Fatal(err)
	}
	batch := make([]tribune.Change, 0, 2*perBatch)
	b.ReportAllocs()
	b.ResetTimer()
	for done := 0; done < b.N; {
		batch = batch[:0]
		for i := 0; i < perBatch && done < b.N; i++ {
			done++
			q.Votes++
			batch = append(batch,
				putV(tribune.Vote{SessionID: sess.ID, QuestionID: 1, VoterID: strconv.Itoa(done), Created: t0}),
				putQ(q))
		}
		if err := db.Apply(ctx, batch); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "votes/s")
}

// BenchmarkApplyOneVote commits every vote on its own.
func BenchmarkApplyOneVote(b *testing.B) { benchVotes(b, 1, store.DefaultSync) }

// BenchmarkApplyBatch100 commits 100 votes per transaction, as the Service
// does in a vote storm.
func BenchmarkApplyBatch100(b *testing.B) { benchVotes(b, 100, store.DefaultSync) }

// BenchmarkApplyOneVoteFull is BenchmarkApplyOneVote with Sync "FULL": the
// price of surviving a power cut.
func BenchmarkApplyOneVoteFull(b *testing.B) { benchVotes(b, 1, "FULL") }

// BenchmarkApplyBatch100Full is BenchmarkApplyBatch100 with Sync "FULL".
func BenchmarkApplyBatch100Full(b *testing.B) { benchVotes(b, 100, "FULL") }
