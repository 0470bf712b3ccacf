package tribune

import (
	"strconv"
	"testing"
	"time"
)

func TestQuestionTableRoundTrip(t *testing.T) {
	created := time.Date(2026, 11, 23, 18, 30, 1, 123456789, time.UTC)
	questions := []Question{
		{ID: 1, SessionID: 7, Text: "Will the trams run at night?", Author: "Alice", AuthorLogin: "alice", AuthorID: "1001",
			Source: SourceTwitch, Created: created, Status: StatusApproved, Votes: 12, Reports: 1},
		{ID: 2, SessionID: 7, Text: "Où sont les vélos ? 🚲", Author: "Zoé", AuthorLogin: "zoe", AuthorID: "1002",
			Source: SourceConsole, Created: created.Add(time.Hour), Status: StatusMerged, MergedInto: 1},
		// Empty strings, the zero time, and a status and source this
		// binary does not know (a newer one's file) all come back as they
		// went in.
		{ID: 3, SessionID: 7, Text: "", Author: "", AuthorLogin: "", AuthorID: "", Source: "mastodon", Status: "archived"},
		// A question of the ask page, anonymous, labelled, once on air.
		{ID: 4, SessionID: 7, Text: "Et les bus ?", Author: "Léa", AuthorID: "9f86d081884c7d659a2feaa0c55ad015", Source: SourceWeb,
			Channel: "web", Created: created, Status: StatusAnswered, Label: "transport", Anonymous: true, Aired: created.Add(time.Minute)},
		{ID: 5, SessionID: 7, Text: "first!", Author: "New", AuthorLogin: "new", AuthorID: "77", Source: SourceTwitch,
			Channel: "party", Created: created, Status: StatusPending, FirstMessage: true, Label: "transport"},
	}
	table := newQuestionTable(7, 0)
	for i := range questions {
		table.put(&questions[i])
	}
	if table.len() != len(questions) {
		t.Fatalf("len=%d, want %d", table.len(), len(questions))
	}
	for _, want := range questions {
		if got := table.get(want.ID); got != want {
			t.Errorf("get(%d)=%+v, want %+v", want.ID, got, want)
		}
		if got := table.status(want.ID); got != want.Status {
			t.Errorf("status(%d)=%q, want %q", want.ID, got, want.Status)
		}
		if got := table.votes(want.ID); got != want.Votes {
			t.Errorf("votes(%d)=%d, want %d", want.ID, got, want.Votes)
		}
	}
}

func TestQuestionTablePutReplaces(t *testing.T) {
	table := newQuestionTable(1, 0)
	q := Question{ID: 1, SessionID: 1, Text: "first text", Author: "Bob", AuthorLogin: "bob", AuthorID: "9", Source: SourceTwitch, Status: StatusPending, Votes: 1}
	table.put(&q)
	q.Text, q.Status, q.Votes = "edited text, longer than the first", StatusOnAir, 5
	table.put(&q)
	if got := table.get(1); got != q {
		t.Errorf("get(1)=%+v, want %+v", got, q)
	}
	if table.len() != 1 {
		t.Errorf("len=%d after a replace, want 1", table.len())
	}
}

// A vote rewrites its question: it must not copy the question's strings,
// or a vote storm would allocate a text per vote.
func TestQuestionTableVoteAllocatesNothing(t *testing.T) {
	table := newQuestionTable(1, 0)
	q := Question{ID: 1, SessionID: 1, Text: "a question with some words", Author: "Bob", AuthorLogin: "bob", AuthorID: "9", Source: SourceTwitch, Status: StatusApproved}
	table.put(&q)
	allocs := testing.AllocsPerRun(100, func() {
		q := table.get(1)
		q.Votes++
		table.put(&q)
	})
	if allocs != 0 {
		t.Errorf("a vote allocated %.0f times, want 0", allocs)
	}
	if got := table.votes(1); got != 101 {
		t.Errorf("votes=%d, want 101", got)
	}
}

// Rows live in chunks: a question on either side of a chunk's edge, and
// every question after the table grew, reads back as it was put, and
// growing moves no row that a reader may hold.
func TestQuestionTableAcrossChunks(t *testing.T) {
	table := newQuestionTable(1, chunkRows)
	n := 2*chunkRows + 3
	var first *questionRow
	for id := 1; id <= n; id++ {
		table.put(&Question{ID: id, SessionID: 1, Text: strconv.Itoa(id), Votes: id, Source: SourceTwitch, Status: StatusPending})
		if id == 1 {
			first = table.row(1)
		}
	}
	if table.len() != n {
		t.Fatalf("len=%d, want %d", table.len(), n)
	}
	for id := 1; id <= n; id++ {
		if q := table.get(id); q.Text != strconv.Itoa(id) || q.Votes != id {
			t.Fatalf("get(%d) = text %q, votes %d", id, q.Text, q.Votes)
		}
	}
	if table.row(1) != first {
		t.Error("row 1 moved when the table grew")
	}
	if table.has(n+1) || table.has(0) {
		t.Errorf("has(%d)=%v, has(0)=%v, want false", n+1, table.has(n+1), table.has(0))
	}
}

// TestQuestionTableLoadJoined loads questions across chunks with their
// strings joined by joinFields, some empty, and checks each comes back
// whole; then that an edit replaces one question's strings alone.
func TestQuestionTableLoadJoined(t *testing.T) {
	n := 2*chunkRows + 7
	qs := make([]Question, n)
	for i := range qs {
		id := strconv.Itoa(i + 1)
		qs[i] = Question{ID: i + 1, SessionID: 1, Text: "question " + id, Author: "Viewer" + id, AuthorLogin: "viewer" + id,
			AuthorID: id, Source: SourceTwitch, Status: StatusApproved}
		if i%5 == 0 {
			qs[i].Author, qs[i].AuthorLogin = "", "" // the web has neither
		}
	}
	table := newQuestionTable(1, n)
	joined := joinFields(qs)
	for i := range qs {
		table.putJoined(&qs[i], joined[i])
	}
	for i := range qs {
		if got := table.get(i + 1); got != qs[i] {
			t.Fatalf("get(%d) = %+v, want %+v", i+1, got, qs[i])
		}
	}
	q := table.get(chunkRows + 1)
	q.Text, q.AuthorID = "edited", "77"
	table.put(&q)
	if got := table.get(chunkRows + 1); got != q {
		t.Errorf("after an edit get = %+v, want %+v", got, q)
	}
	for _, id := range []int{chunkRows, chunkRows + 2} {
		if got := table.get(id); got != qs[id-1] {
			t.Errorf("a neighbour's edit changed get(%d) = %+v", id, got)
		}
	}
}

func TestQuestionTableRefusesGaps(t *testing.T) {
	table := newQuestionTable(1, 0)
	defer func() {
		if recover() == nil {
			t.Error("put of question 2 into an empty table did not panic")
		}
	}()
	table.put(&Question{ID: 2})
}

func TestUserTable(t *testing.T) {
	users := newUserTable(0)
	var ids []Identity
	for _, id := range []string{"1001", "0", "999999999999999999", "u1", "01001", "+1001", "1001 ", "", "1234567890123456789", "ünï"} {
		ids = append(ids, Identity{SourceTwitch, id}, Identity{SourceYouTube, id}, Identity{SourceWeb, id})
	}
	for _, id := range ids {
		k := users.add(id)
		if again := users.add(id); again != k {
			t.Errorf("add(%q) again=%#x, want %#x", id, again, k)
		}
		if found, ok := users.find(id); !ok || found != k {
			t.Errorf("find(%q)=%#x,%v, want %#x,true", id, found, ok, k)
		}
		if back := users.identity(k); back != id {
			t.Errorf("identity(add(%v))=%v", id, back)
		}
	}
	tw := func(id string) Identity { return Identity{SourceTwitch, id} }
	// Ids that look alike but are not the same id never share a key, nor
	// does the same id on two platforms.
	if users.add(tw("1001")) == users.add(tw("01001")) || users.add(tw("u1")) == users.add(tw("1")) ||
		users.add(tw("1001")) == users.add(Identity{SourceYouTube, "1001"}) {
		t.Error("two identities share a key")
	}
	if _, ok := users.find(tw("never seen")); ok {
		t.Error("find(never seen) found a key")
	}
	if _, ok := users.find(tw("4242")); !ok {
		t.Error("find(4242): a Twitch number is its own key, without add")
	}
	if _, ok := users.find(Identity{SourceYouTube, "4242"}); ok {
		t.Error("find(youtube 4242) found a key: only Twitch numbers are their own keys")
	}
	if pair(1, 2) == pair(2, 1) {
		t.Error("pair(1, 2) == pair(2, 1)")
	}
}
