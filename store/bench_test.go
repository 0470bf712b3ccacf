package store_test

import (
	"context"
	"log/slog"
	"runtime"
	"strconv"
	"syscall"
	"testing"
	"time"

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
				putV(tribune.Vote{SessionID: sess.ID, QuestionID: 1, Source: tribune.SourceTwitch, VoterID: strconv.Itoa(done), Created: t0}),
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

// BenchmarkLoadSession reads a session of 100 000 questions of Twitch
// viewers, each with its author's vote, as `tribune serve` does at start.
// Queue is what serve's ready time waits for (LoadQueue); Votes is what
// its writer reads next, before the first command (LoadVotes); Session is
// both in one call, as export reads them; ServiceOpen is the whole start
// of the Service on the file (the session opened, the queue loaded into
// the Service's table), with live-MB the heap it keeps once it has read
// the votes too. cpu-ms/op is the process's CPU time (every thread: both
// connections, the collector) per op: on a shared machine it moves less
// with the others' load than ns/op does.
func BenchmarkLoadSession(b *testing.B) {
	ctx := context.Background()
	db := store.NewDB(b.TempDir() + "/load.db")
	if err := db.Open(); err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	sess, err := db.OpenSession(ctx, "chan", "", t0)
	if err != nil {
		b.Fatal(err)
	}
	const n = 100_000
	changes := make([]tribune.Change, 0, 2*n)
	for id := 1; id <= n; id++ {
		q := question(sess.ID, id, "What will you do about the libraries and the trams in district "+strconv.Itoa(id)+"?")
		q.AuthorID = strconv.Itoa(90_000_000 + id) // Twitch user ids are numbers
		changes = append(changes, putQ(q), putV(tribune.Vote{SessionID: sess.ID, QuestionID: id, Source: tribune.SourceTwitch, VoterID: q.AuthorID, Created: q.Created}))
	}
	if err := db.Apply(ctx, changes); err != nil {
		b.Fatal(err)
	}
	changes = nil
	b.Run("Queue", func(b *testing.B) {
		b.ReportAllocs()
		start := cpuTime()
		for b.Loop() {
			st, err := db.LoadQueue(ctx, sess.ID)
			if err != nil {
				b.Fatal(err)
			}
			if len(st.Questions) != n {
				b.Fatalf("Questions=%d, want %d", len(st.Questions), n)
			}
		}
		reportCPU(b, cpuTime()-start)
	})
	b.Run("Votes", func(b *testing.B) {
		b.ReportAllocs()
		start := cpuTime()
		for b.Loop() {
			votes, err := db.LoadVotes(ctx, sess.ID)
			if err != nil {
				b.Fatal(err)
			}
			if len(votes) != n {
				b.Fatalf("Votes=%d, want %d", len(votes), n)
			}
		}
		reportCPU(b, cpuTime()-start)
	})
	b.Run("Session", func(b *testing.B) {
		b.ReportAllocs()
		start := cpuTime()
		for b.Loop() {
			st, err := db.LoadSession(ctx, sess.ID)
			if err != nil {
				b.Fatal(err)
			}
			if len(st.Questions) != n || len(st.Votes) != n {
				b.Fatalf("Questions=%d Votes=%d, want %d", len(st.Questions), len(st.Votes), n)
			}
		}
		reportCPU(b, cpuTime()-start)
	})
	b.Run("ServiceOpen", func(b *testing.B) {
		b.ReportAllocs()
		var (
			live uint64
			cpu  time.Duration
		)
		for i := 0; i < b.N; i++ {
			svc := tribune.NewService(db, "chan")
			svc.Logger = slog.New(slog.DiscardHandler)
			start := cpuTime()
			if err := svc.Open(ctx); err != nil {
				b.Fatal(err)
			}
			cpu += cpuTime() - start
			b.StopTimer()
			// Close waits for the writer, which reads the votes first.
			if err := svc.Close(); err != nil {
				b.Fatal(err)
			}
			if i == b.N-1 {
				var ms runtime.MemStats
				runtime.GC()
				runtime.ReadMemStats(&ms)
				live = ms.HeapAlloc
			}
			if got := len(svc.Counts()); got == 0 {
				b.Fatal("the Service holds no questions")
			}
			b.StartTimer()
		}
		b.ReportMetric(float64(live)/(1<<20), "live-MB")
		reportCPU(b, cpu)
	})
}

// cpuTime returns the CPU time the process has used, user and system.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		panic(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func reportCPU(b *testing.B, d time.Duration) {
	b.ReportMetric(float64(d)/float64(b.N)/1e6, "cpu-ms/op")
}
