package store_test

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	tribune "github.com/tribune-live/tribune"
	"github.com/tribune-live/tribune/store"
)

// killChildEnv names the database file a re-executed test binary writes to
// until it is killed.
const killChildEnv = "TRIBUNE_STORE_KILL_CHILD"

// votesPerBatch is how many votes each of the child's batches adds.
const votesPerBatch = 10

// TestKillDurability re-executes the test binary as a child that applies
// batches (a question and its votes) and prints "acked N" after each Apply
// returns; the parent kills it with SIGKILL after some acks and reopens the
// file: every acknowledged batch must be there, whole.
func TestKillDurability(t *testing.T) {
	if path := os.Getenv(killChildEnv); path != "" {
		killChild(path)
		return
	}
	path := filepath.Join(t.TempDir(), "tribune.db")
	cmd := exec.Command(os.Args[0], "-test.run=^TestKillDurability$", "-test.count=1")
	cmd.Env = append(os.Environ(), killChildEnv+"="+path)
	cmd.Stderr = os.Stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	killed := false
	t.Cleanup(func() {
		if !killed {
			cmd.Process.Kill()
			cmd.Wait()
		}
	})

	const killAfter = 150
	acked := 0
	sc := bufio.NewScanner(out)
	for sc.Scan() {
		n, ok := strings.CutPrefix(sc.Text(), "acked ")
		if !ok {
			continue
		}
		i, err := strconv.Atoi(n)
		if err != nil || i != acked+1 {
			t.Fatalf("child printed %q after ack %d", sc.Text(), acked)
		}
		acked = i
		if acked == killAfter && !killed {
			// SIGKILL while the child is busy writing the next batches.
			if err := cmd.Process.Kill(); err != nil {
				t.Fatal(err)
			}
			killed = true
		}
	}
	// Lines the child wrote before it died are acks too: the scan above
	// read the pipe to its end.
	werr := cmd.Wait()
	if !killed {
		t.Fatalf("child exited after %d acks (%v), before it was killed", acked, werr)
	}
	if acked < killAfter {
		t.Fatalf("acked=%d, want at least %d", acked, killAfter)
	}

	db := MustOpenPath(t, path)
	sessions, err := db.Sessions(context.Background())
	if err != nil || len(sessions) != 1 {
		t.Fatalf("Sessions=%+v, %v; want one session", sessions, err)
	}
	st := MustLoad(t, db, sessions[0].ID)
	if len(st.Questions) < acked {
		t.Fatalf("after kill -9: %d questions stored, %d acknowledged", len(st.Questions), acked)
	}
	votes := map[int]int{}
	for _, v := range st.Votes {
		votes[v.QuestionID]++
	}
	// Every stored batch is whole, acknowledged or not: a kill mid-commit
	// leaves all of a batch or nothing.
	for _, q := range st.Questions {
		if q.Votes != votesPerBatch || votes[q.ID] != votesPerBatch {
			t.Errorf("question %d: Votes=%d, %d vote rows; want %d", q.ID, q.Votes, votes[q.ID], votesPerBatch)
		}
	}
	t.Logf("acked %d batches before SIGKILL, %d stored", acked, len(st.Questions))
}

// killChild writes batches until it is killed. It never returns normally
// before the parent kills it, unless something fails.
func killChild(path string) {
	ctx := context.Background()
	fail := func(err error) {
		fmt.Fprintln(os.Stderr, "child:", err)
		os.Exit(3)
	}
	db := store.NewDB(path)
	if err := db.Open(); err != nil {
		fail(err)
	}
	sess, err := db.OpenSession(ctx, "chan", "kill", time.Now())
	if err != nil {
		fail(err)
	}
	for i := 1; i <= 1_000_000; i++ {
		now := time.Now()
		q := tribune.Question{ID: i, SessionID: sess.ID, Text: fmt.Sprintf("question %d", i), Author: "a",
			AuthorLogin: "a", AuthorID: "a", Source: tribune.SourceTwitch, Created: now, Status: tribune.StatusApproved}
		changes := []tribune.Change{{Kind: tribune.PutQuestion, Question: q}}
		for v := range votesPerBatch {
			q.Votes++
			changes = append(changes,
				tribune.Change{Kind: tribune.PutVote, Vote: tribune.Vote{SessionID: sess.ID, QuestionID: i, Source: tribune.SourceTwitch, VoterID: fmt.Sprint("v", v), Created: now}},
				tribune.Change{Kind: tribune.PutQuestion, Question: q})
		}
		if err := db.Apply(ctx, changes); err != nil {
			fail(err)
		}
		// Unbuffered: the line is in the pipe when Printf returns.
		fmt.Fprintf(os.Stdout, "acked %d\n", i)
	}
	fail(fmt.Errorf("not killed"))
}
