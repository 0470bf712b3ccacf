package main

import (
	"path/filepath"
	"regexp"
	"strconv"
	"testing"
	"time"

	"github.com/tribune-live/tribune"
	"github.com/tribune-live/tribune/internal/tribunetest"
	"github.com/tribune-live/tribune/internal/twitchfake"
)

// Questions chosen to share no words that matter, so that the bot's
// duplicate detection keeps each one separate.
var e2eQuestions = []string{
	"Will the library on Elm Street open on Sundays?",
	"Quand la piscine municipale rouvrira-t-elle ?",
	"How much did the new tram line cost in total?",
	"Pourquoi supprimer les bus de nuit le week-end ?",
	"What happens to the old hospital building?",
	"Comment seront financées les crèches l'an prochain ?",
	"Can cyclists get a protected lane on Harbour Road?",
	"Qui contrôle la qualité de l'eau du robinet ?",
	"When will the council publish its climate budget?",
	"Est-ce que le marché du samedi va déménager ?",
	"Are school meals going to become free for everyone?",
	"Combien d'arbres seront plantés dans le parc Nord ?",
}

var (
	askedReply = regexp.MustCompile(`@(\w+) #(\d+)`)
	votedReply = regexp.MustCompile(`@(\w+) voted #(\d+)`)
	// An item of a summary of acknowledgements: "votes counted: #12 +40, #7 +12".
	summaryReply = regexp.MustCompile(`#(\d+) \+(\d+)`)
)

// TestServeSurvivesKill9 is the promise "nothing acknowledged is lost": viewers
// ask and vote in chat, the bot acknowledges, a moderator puts a question
// on air, the server is killed with SIGKILL at once, and after a restart
// every acknowledged question and vote, and the on-air question, are there.
func TestServeSurvivesKill9(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end: builds and runs the binary")
	}
	chat := tribunetest.StartTwitch(t)
	opts := serveOpts{db: filepath.Join(t.TempDir(), "e2e.db"), chat: chat, auth: true, addr: tribunetest.FreeAddr(t),
		args: []string{"--premoderate=false"}}
	p := startServe(t, opts)
	ctx := tribunetest.Context(t, 60*time.Second)

	// Every viewer asks one question.
	for i, q := range e2eQuestions {
		chat.Say(testChannel, twitchfake.User{Login: "asker" + strconv.Itoa(i)}, "!question "+q)
	}
	ids := map[string]int{} // asker -> question number
	if _, err := chat.WaitReply(ctx, func(text string) bool {
		for _, m := range askedReply.FindAllStringSubmatch(text, -1) {
			n, _ := strconv.Atoi(m[2])
			ids[m[1]] = n
		}
		return len(ids) == len(e2eQuestions)
	}); err != nil {
		t.Fatalf("acknowledged %d of %d questions: %v", len(ids), len(e2eQuestions), err)
	}
	// Voters vote for a spread of questions; every vote is acknowledged.
	want := map[int]int{} // question -> votes
	for _, id := range ids {
		want[id] = 1 // the author's own vote
	}
	type ballot struct {
		voter string
		id    int
	}
	acked := map[ballot]bool{}
	var ballots []ballot
	for v := range 40 {
		for k := range 3 {
			b := ballot{"voter" + strconv.Itoa(v), ids["asker"+strconv.Itoa((v+k*5)%len(e2eQuestions))]}
			ballots = append(ballots, b)
			chat.Say(testChannel, twitchfake.User{Login: b.voter}, "!vote #"+strconv.Itoa(b.id))
		}
	}
	// Acknowledgements that cannot keep up are folded into a summary
	// ("votes counted: #12 +4"), which acknowledges votes by number.
	summed := 0
	if _, err := chat.WaitReply(ctx, func(text string) bool {
		for _, m := range votedReply.FindAllStringSubmatch(text, -1) {
			n, _ := strconv.Atoi(m[2])
			acked[ballot{m[1], n}] = true
		}
		for _, m := range summaryReply.FindAllStringSubmatch(text, -1) {
			n, _ := strconv.Atoi(m[1])
			k, _ := strconv.Atoi(m[2])
			want[n] += k
			summed += k
		}
		return len(acked)+summed == len(ballots)
	}); err != nil {
		t.Fatalf("acknowledged %d of %d votes: %v", len(acked)+summed, len(ballots), err)
	}
	for b := range acked {
		want[b.id]++
	}
	onAir := ids["asker4"]
	if _, err := p.api().Show(ctx, onAir); err != nil {
		t.Fatalf("show: %v", err)
	}
	p.kill() // SIGKILL, right after the acknowledgements

	p = startServe(t, opts)
	got, err := p.api().Questions(ctx, "")
	if err != nil {
		t.Fatalf("questions after restart: %v", err)
	}
	if len(got) != len(e2eQuestions) {
		t.Fatalf("%d questions after restart, want %d", len(got), len(e2eQuestions))
	}
	for _, q := range got {
		if q.Votes != want[q.ID] {
			t.Errorf("#%d Votes=%d after restart, want %d", q.ID, q.Votes, want[q.ID])
		}
		wantStatus := tribune.StatusApproved
		if q.ID == onAir {
			wantStatus = tribune.StatusOnAir
		}
		if q.Status != wantStatus {
			t.Errorf("#%d Status=%s after restart, want %s", q.ID, q.Status, wantStatus)
		}
	}
	// The overlay feed shows the restored on-air question first thing.
	if first := p.onAirAtConnect(t); first.Type != tribune.EventOnAir || first.Question == nil || first.Question.ID != onAir {
		t.Errorf("feed starts with %+v, want onair #%d", first, onAir)
	}
}
