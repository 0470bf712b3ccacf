package match_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"runtime"
	"strings"
	"testing"

	"github.com/tribune-live/tribune/match"
)

// Paraphrases a viewer would call "the same question".
var sameQuestions = [][2]string{
	{"What will you do about rising rents in the city?", "What are you going to do about rising rents in our city?"},
	{"When will the new tram line be finished?", "When is the new tram line going to be finished??"},
	{"Will public transport become free for students?", "will public transport be free for students"},
	{"Will local taxes go up next year?", "Are local taxes going up next year?"},
	{"What is your plan for the closed swimming pool?", "What's your plan for the closed swimming pool?"},
	{"How many social housing units will be built?", "How many social housing units are going to be built?"},
	{"Can you tell us about the plan for bike lanes?", "What is the plan for bike lanes"},
	{"Is the recycling centre going to stay open?", "Will the recycling centre stay open?"},
	{"Will the library open on Sundays?", "Is the library going to open on Sundays?"},
	{"Why was the youth centre budget cut?", "Why did you cut the youth centre budget?"},
	{"Will you run for a second term?", "Are you running for a second term?"},
	{"WHAT ABOUT THE POTHOLES ON MAIN STREET", "what about the potholes on main street?"},
	{"Are you going to plant more trees against the summer heat?", "Will the city plant more trees against summer heat?"},
	{"Que comptez-vous faire contre la hausse des loyers ?", "Qu'allez-vous faire contre la hausse des loyers ?"},
	{"Quand la nouvelle ligne de tram sera-t-elle terminée ?", "La nouvelle ligne de tram, elle sera terminée quand ?"},
	{"Les transports en commun seront-ils gratuits pour les étudiants ?", "Est-ce que les transports en commun seront gratuits pour les etudiants ?"},
	{"Comment allez-vous sécuriser les pistes cyclables ?", "Comment comptez-vous sécuriser les pistes cyclables ?"},
	{"Les impôts locaux vont-ils augmenter l'an prochain ?", "Est-ce que les impots locaux vont augmenter l'an prochain ?"},
	{"Combien de logements sociaux seront construits ?", "Combien de logements sociaux allez-vous construire ?"},
	{"La médiathèque ouvrira-t-elle le dimanche ?", "Est-ce que la MEDIATHEQUE va ouvrir le dimanche ?"},
	{"Allez-vous planter plus d'arbres contre les canicules ?", "Comptez-vous planter plus d'arbres contre les canicules ?"},
	{"Quand la piscine municipale va-t-elle rouvrir ?", "La piscine municipale va rouvrir quand ?"},
	{"Budget?", "budget !!"},
	{"Écoles ?", "ecoles"},
}

// Questions that look alike but ask different things: merging them would
// take a viewer's question away.
var differentQuestions = [][2]string{
	{"What about schools?", "What about hospitals?"},
	{"Will taxes go up in 2025?", "Will taxes go up in 2026?"},
	{"Will you raise taxes?", "Will you lower taxes?"},
	{"Will you raise taxes?", "Will you not raise taxes?"},
	{"Will you raise taxes?", "You won't raise taxes, will you?"},
	{"Why did the mayor cut the library budget?", "Why did the mayor cut the police budget?"},
	{"Will the mayor run again in the next election?", "Will the mayor run for president in the next election?"},
	{"When will the bridge be finished?", "When will the bridge be finished before winter?"},
	{"Quand la piscine ouvrira-t-elle ?", "Quand la piscine fermera-t-elle ?"},
	{"Allez-vous augmenter les impôts ?", "Allez-vous baisser les impôts ?"},
	{"Allez-vous augmenter les impôts ?", "N'allez-vous pas augmenter les impôts ?"},
	{"Le tram passera-t-il par la gare ?", "Le bus passera-t-il par la gare ?"},
	{"Pourquoi ?", "Comment ?"},
	{"Why?", "How?"},
	{"Line 1 or line 2?", "Line 2 or line 3?"},
	{"Bus 12 delays?", "Bus 21 delays?"},
	{"Housing?", "Housing for students?"},
	{"Parks", "Sharks"},
	{"What about the east side park?", "What about the west side park?"},
	{"Will the school canteen be organic?", "Will the school canteen be free?"},
	{"Les cantines seront-elles bio ?", "Les cantines seront-elles gratuites ?"},
	{"Will the pool be open in summer?", "Will the pool be closed in summer?"},
	{"Are you for the stadium project?", "Are you against the stadium project?"},
	{"When will the tram reach the north district?", "When will the tram reach the south district?"},
	{"Les policiers municipaux seront-ils armés ?", "Les policiers municipaux seront-ils plus nombreux ?"},
	{"Is the police budget going up?", "Is the policy budget going up?"},
}

func TestMatcherSame(t *testing.T) {
	for _, p := range sameQuestions {
		t.Run(p[1], func(t *testing.T) {
			m := match.NewMatcher()
			m.Add(1, "Something else entirely about the harbour")
			m.Add(7, p[0])
			if id, ok := m.Match(p[1]); !ok || id != 7 {
				t.Errorf("Match(%q)=%d,%v, want 7 (%q)", p[1], id, ok, p[0])
			}
		})
	}
}

func TestMatcherDifferent(t *testing.T) {
	for _, p := range differentQuestions {
		t.Run(p[1], func(t *testing.T) {
			for _, order := range [][2]string{p, {p[1], p[0]}} {
				m := match.NewMatcher()
				m.Add(1, order[0])
				if id, ok := m.Match(order[1]); ok {
					t.Errorf("Match(%q)=%d, want no match with %q", order[1], id, order[0])
				}
			}
		})
	}
}

func TestMatcherIndex(t *testing.T) {
	m := match.NewMatcher()
	m.Add(1, "When will the new tram line be finished?")
	m.Add(2, "Will the library open on Sundays?")
	m.Add(3, "When is the new tram line going to be finished?")

	t.Run("OldestAmongEquals", func(t *testing.T) {
		if id, ok := m.Match("when will the tram line be finished"); !ok || id != 1 {
			t.Errorf("Match=%d,%v, want 1", id, ok)
		}
	})
	t.Run("Remove", func(t *testing.T) {
		m.Remove(1)
		if id, ok := m.Match("when will the tram line be finished"); !ok || id != 3 {
			t.Errorf("Match=%d,%v, want 3", id, ok)
		}
		m.Remove(3)
		if id, ok := m.Match("when will the tram line be finished"); ok {
			t.Errorf("Match=%d, want none", id)
		}
	})
	t.Run("Replace", func(t *testing.T) {
		m.Add(2, "Will the pool reopen in June?")
		if id, ok := m.Match("Will the library open on Sundays?"); ok {
			t.Errorf("Match=%d after replacing #2's text, want none", id)
		}
		if id, ok := m.Match("will the pool reopen in june"); !ok || id != 2 {
			t.Errorf("Match=%d,%v, want 2", id, ok)
		}
		if n := m.Len(); n != 1 {
			t.Errorf("Len=%d, want 1", n)
		}
	})
	t.Run("NoKeyWords", func(t *testing.T) {
		m.Add(9, "why?")
		if id, ok := m.Match("how?"); ok {
			t.Errorf("Match(how?)=%d, want none: no key words", id)
		}
	})
}

// BenchmarkMatcher measures Match with 100 000 open questions.
func BenchmarkMatcher(b *testing.B) {
	m := match.NewMatcher()
	rng := rand.New(rand.NewPCG(1, 2))
	topics := []string{"rent", "tram", "taxes", "pool", "library", "school", "park", "bridge", "police", "budget", "housing", "trees"}
	for i := 1; i <= 100_000; i++ {
		m.Add(i, fmt.Sprintf("What about the %s and the %s near street %d, question %d?",
			topics[rng.IntN(len(topics))], topics[rng.IntN(len(topics))], rng.IntN(500), i))
	}
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		m.Match(fmt.Sprintf("Will the %s near street %d be fixed?", topics[i%len(topics)], i%500))
	}
}

// BenchmarkMatcherBuild indexes 100 000 questions, as `tribune serve` does
// at start, and reports the index's live heap.
func BenchmarkMatcherBuild(b *testing.B) {
	rng := rand.New(rand.NewPCG(1, 2))
	topics := []string{"rent", "tram", "taxes", "pool", "library", "school", "park", "bridge", "police", "budget", "housing", "trees"}
	texts := make([]string, 100_000)
	for i := range texts {
		texts[i] = fmt.Sprintf("What about the %s and the %s near street %d, question %d?",
			topics[rng.IntN(len(topics))], topics[rng.IntN(len(topics))], rng.IntN(500), i)
	}
	b.ReportAllocs()
	var heap float64
	for b.Loop() {
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		m := match.NewMatcher()
		for i, text := range texts {
			m.Add(i+1, text)
		}
		if n := m.Len(); n != len(texts) {
			b.Fatalf("Len=%d, want %d", n, len(texts))
		}
		runtime.GC()
		runtime.ReadMemStats(&after)
		heap = float64(after.HeapAlloc-before.HeapAlloc) / (1 << 20)
		runtime.KeepAlive(m)
	}
	b.ReportMetric(heap, "MB-live")
}

// TestMatcherWhileBuilding asks right after a big load, while the index is
// still being built in the background: nothing queued before a Match may be
// missed by it, and Removes and replacements apply in the order they came.
func TestMatcherWhileBuilding(t *testing.T) {
	const n = 20_000
	load := func() *match.Matcher {
		m := match.NewMatcher()
		for i := 1; i <= n; i++ {
			m.Add(i, fmt.Sprintf("What about the street number %d and its trees?", i))
		}
		return m
	}
	t.Run("LastAddedFound", func(t *testing.T) {
		m := load()
		if id, ok := m.Match(fmt.Sprintf("what about street number %d and the trees", n)); !ok || id != n {
			t.Errorf("Match=%d,%v, want %d", id, ok, n)
		}
	})
	t.Run("RemoveAfterAdd", func(t *testing.T) {
		m := load()
		m.Remove(n)
		if id, ok := m.Match(fmt.Sprintf("what about street number %d and the trees", n)); ok {
			t.Errorf("Match=%d, want none: #%d was removed", id, n)
		}
		if got := m.Len(); got != n-1 {
			t.Errorf("Len=%d, want %d", got, n-1)
		}
	})
	t.Run("ReplaceAfterAdd", func(t *testing.T) {
		m := load()
		m.Add(n/2, "Will the harbour ferry run on Sundays?")
		if id, ok := m.Match(fmt.Sprintf("what about street number %d and the trees", n/2)); ok {
			t.Errorf("Match=%d, want none: #%d was replaced", id, n/2)
		}
		if id, ok := m.Match("will the harbour ferry run on sundays"); !ok || id != n/2 {
			t.Errorf("Match=%d,%v, want %d", id, ok, n/2)
		}
	})
	t.Run("Concurrent", func(t *testing.T) {
		// Adds, Removes and Matches from several goroutines while the
		// index builds: run with -race.
		m := load()
		done := make(chan struct{})
		for g := range 4 {
			go func() {
				defer func() { done <- struct{}{} }()
				for i := range 200 {
					id := n + 1 + g*1000 + i
					m.Add(id, fmt.Sprintf("Will the harbour ferry %d sail?", id))
					if got, ok := m.Match(fmt.Sprintf("will harbour ferry %d sail", id)); !ok || got != id {
						t.Errorf("Match=%d,%v, want %d", got, ok, id)
					}
					m.Remove(id)
				}
			}()
		}
		for range 4 {
			<-done
		}
		if got := m.Len(); got != n {
			t.Errorf("Len=%d, want %d", got, n)
		}
	})
}

// TestMatcherIDs: ids are question numbers, 0 and up, kept in a table
// indexed by id; an id the Service never makes (negative, or from 2^24 on)
// is not indexed, and does not take the Matcher down (1<<40 would be a
// table of 13 TB).
func TestMatcherIDs(t *testing.T) {
	m := match.NewMatcher()
	ids := []int{0, 1, 2, 5000}
	for i, id := range ids {
		m.Add(id, fmt.Sprintf("When will bridge number %d reopen?", i))
	}
	for _, id := range []int{-5, 1 << 24, 1 << 40} {
		m.Add(id, "Will the pool reopen in June?")
		m.Remove(id)
	}
	for i, id := range ids {
		if got, ok := m.Match(fmt.Sprintf("when is bridge number %d reopening", i)); !ok || got != id {
			t.Errorf("Match(bridge %d)=%d,%v, want %d", i, got, ok, id)
		}
	}
	if got, ok := m.Match("will the pool reopen in june"); ok {
		t.Errorf("Match(pool)=%d, want none: its ids are not indexed", got)
	}
	m.Remove(5000)
	m.Add(5000, "Will the pool reopen in June?")
	if got, ok := m.Match("will the pool reopen in june"); !ok || got != 5000 {
		t.Errorf("Match(pool)=%d,%v, want 5000", got, ok)
	}
	if got := m.Len(); got != len(ids) {
		t.Errorf("Len=%d, want %d", got, len(ids))
	}
}

func TestMatcherWaitForBackgroundIndex(t *testing.T) {
	m := match.NewMatcher()
	if err := m.Wait(context.Background()); err != nil {
		t.Fatalf("Wait on an idle matcher: %v", err)
	}
	const n = 20000
	for i := 1; i <= n; i++ {
		m.Add(i, fmt.Sprintf("question %d about the harbour budget line %d", i, i*7))
	}
	m.Add(n+1, "Will the old bridge over the river be rebuilt?")
	if err := m.Wait(context.Background()); err != nil {
		t.Fatalf("Wait: %v", err)
	}
	if id, ok := m.Match("will the old bridge over the river be rebuilt"); !ok || id != n+1 {
		t.Errorf("Match after Wait = %d, %v; want %d", id, ok, n+1)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	for i := n + 2; i <= 2*n; i++ {
		m.Add(i, fmt.Sprintf("another question %d on topic %d", i, i*3))
	}
	// Either the build is still running (the cancelled context ends the
	// wait) or it has finished (nothing to wait for): never a hang.
	if err := m.Wait(ctx); err != nil && err != context.Canceled {
		t.Errorf("Wait with a cancelled context: %v", err)
	}
}

// A few questions queued while the chat is busy are not waited for: Match
// indexes them itself. Waiting for the builder to go idle made each
// question wait for the ones asked just before it, 100-300 ms at the start
// of a busy meeting.
func TestMatcherWaitSkipsSmallBacklog(t *testing.T) {
	m := match.NewMatcher()
	for i := 1; i <= 5000; i++ {
		m.Add(i, fmt.Sprintf("question %d about the harbour budget line %d", i, i*7))
	}
	if err := m.Wait(context.Background()); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	for i := 5001; i <= 5200; i++ {
		m.Add(i, fmt.Sprintf("a later question %d on the tram line %d", i, i*3))
		if err := m.Wait(ctx); err != nil {
			t.Fatalf("Wait with %d questions queued: %v, want nil at once", i-5000, err)
		}
	}
	if id, ok := m.Match("a later question 5200 on the tram line 15600"); !ok || id != 5200 {
		t.Errorf("Match=%d,%v, want 5200", id, ok)
	}
}

// BenchmarkMatcherManyWords measures Match with 100 000 open questions of
// eight words each from a vocabulary of 5 000 (tribune-bench's questions):
// every word is in about 160 questions, and a question shares one with
// hundreds of others but two with almost none.
func BenchmarkMatcherManyWords(b *testing.B) {
	rng := rand.New(rand.NewPCG(1, 2))
	vocab := make([]string, 5000)
	for i := range vocab {
		vocab[i] = fmt.Sprintf("w%c%c%c", 'a'+i%26, 'a'+i/26%26, 'a'+i/676)
	}
	question := func() string {
		w := make([]string, 8)
		for i := range w {
			w[i] = vocab[rng.IntN(len(vocab))]
		}
		return "What will you do about " + strings.Join(w, " ")
	}
	m := match.NewMatcher()
	for i := 1; i <= 100_000; i++ {
		m.Add(i, question())
	}
	queries := make([]string, 1000)
	for i := range queries {
		queries[i] = question()
	}
	m.Len() // indexed before the clock starts
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		m.Match(queries[i%len(queries)])
	}
}
