package main

import (
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/tribune-live/tribune/internal/twitchfake"
)

// benchChannel is the channel every scenario plays in.
const benchChannel = "bench"

// Kinds of script lines.
const (
	lineChat byte = iota // ordinary chat: the bot must ignore it cheaply
	lineVote             // !vote N
	lineAsk              // !q TEXT
)

// script is one set of chat lines, prepared before the clock starts, with
// what each line should do, so that clients can tell when every effect
// arrived and how long each took.
type script struct {
	name  string
	lines []string
	kind  []byte
	// qid is the question a vote line targets; 0 for other lines.
	qid []int32
	// asks maps the text of each question asked to its line.
	asks map[string]int32
	// votes[id] lists the vote lines for question id in the order they are
	// written: after the k-th (0-based) of them, the question has
	// base[id]+k+1 votes.
	votes [][]int32
	base  []int
	// visible marks the questions that can appear in the leaderboard.
	visible []bool
	// newQuestions is how many questions the script asks.
	newQuestions int
	bytes        int64
}

// commands returns how many lines are commands.
func (s *script) commands() int {
	n := 0
	for _, k := range s.kind {
		if k != lineChat {
			n++
		}
	}
	return n
}

// avgLine returns the mean line length in bytes, line end included.
func (s *script) avgLine() int {
	if len(s.lines) == 0 {
		return 0
	}
	return int(s.bytes/int64(len(s.lines))) + 2
}

// finalVotes returns the vote count each targeted question must reach.
func (s *script) finalVotes(id int) int { return s.base[id] + len(s.votes[id]) }

// expectedTop returns the leaderboard the overlay must end on: the n
// most-voted visible questions, older first among equals, as the Service
// orders them.
func (s *script) expectedTop(n int) []idVotes {
	var all []idVotes
	for id := 1; id < len(s.base); id++ {
		if s.visible[id] {
			all = append(all, idVotes{id, s.finalVotes(id)})
		}
	}
	slices.SortStableFunc(all, func(a, b idVotes) int { return b.Votes - a.Votes })
	if len(all) > n {
		all = all[:n]
	}
	return all
}

// idVotes is one leaderboard entry.
type idVotes struct {
	ID    int `json:"id"`
	Votes int `json:"votes"`
}

// world is the state a script starts from: how many questions exist and
// which of them viewers can vote for.
type world struct {
	questions int // ids 1..questions exist, each with 1 vote (its author's)
	visible   int // ids 1..visible are approved
}

// lineMaker formats chat lines as the fake server sends them. Sequence
// numbers make each message id unique; the sent time is when the script is
// built, which is what tmi-sent-ts would be at that rate anyway.
type lineMaker struct {
	seq  uint64
	sent time.Time
}

func (m *lineMaker) line(u twitchfake.User, text string) string {
	m.seq++
	return twitchfake.PrivmsgLine(benchChannel, u, text, m.seq, m.sent)
}

// viewer returns the i-th viewer of a crowd: stable ids and logins of
// common length, a colour, and badges as most viewers have some, so that
// lines carry the tags of a real channel (about 420 bytes in a meeting).
func viewer(i int) twitchfake.User {
	n := strconv.Itoa(100000 + i)
	return twitchfake.User{
		ID:          strconv.Itoa(70_000_000 + i),
		Login:       "citizen_viewer_" + n,
		DisplayName: "Citizen_Viewer_" + n,
		Color:       colors[i%len(colors)],
		Subscriber:  i%5 == 0,
		Badges:      badges[i%len(badges)],
	}
}

var badges = []string{"subscriber/12,premium/1", "premium/1", "glhf-pledge/1", "subscriber/3,sub-gifter/5", "no_audio/1"}

var colors = []string{"#1E90FF", "#FF4500", "#2E8B57", "#DAA520", "#9ACD32", "#FF69B4", "#8A2BE2", ""}

// broadcaster is the channel's owner: privileged, so that the questions it
// asks are approved at once and no rate limit applies.
func broadcaster() twitchfake.User {
	return twitchfake.User{Login: benchChannel, DisplayName: "Bench", ID: twitchfake.RoomID(benchChannel), Broadcaster: true}
}

// mixedScript is a meeting: of every 50 lines, 1 question (2 %), 4 votes
// (8 %) and 45 chat lines (90 %). Questions come from distinct viewers of a
// crowd of viewers, each at most once, so that no rate limit refuses them;
// votes come from random viewers of the crowd for existing visible
// questions, skewed towards a few popular ones, never twice the same
// (viewer, question), so that every command has an effect to wait for.
func mixedScript(name string, n, viewers int, w world, seed uint64) *script {
	rng := rand.New(rand.NewPCG(seed, seed^0x5eed))
	s := newScript(name, n, w)
	mk := &lineMaker{sent: time.Now()}
	users := make([]twitchfake.User, viewers)
	for i := range users {
		users[i] = viewer(i)
	}
	askers := rng.Perm(viewers)
	zipf := rand.NewZipf(rng, 1.1, 8, uint64(w.visible-1))
	voted := make(map[uint64]struct{}, n/10)
	tg := newTextGen(rng)
	nextAsk := 0
	for i := range n {
		switch k := i % 50; {
		case k == 0 && nextAsk < len(askers):
			u := users[askers[nextAsk]]
			nextAsk++
			text := tg.question()
			s.add(mk.line(u, "!q "+text), lineAsk, 0)
			s.asks[text] = int32(len(s.lines) - 1)
			s.newQuestions++
		case k >= 1 && k <= 4:
			var v, q int
			for {
				v = rng.IntN(viewers)
				q = 1 + int(zipf.Uint64())
				key := uint64(v)<<32 | uint64(q)
				if _, dup := voted[key]; !dup {
					voted[key] = struct{}{}
					break
				}
			}
			s.add(mk.line(users[v], "!vote "+strconv.Itoa(q)), lineVote, q)
		default:
			s.add(mk.line(users[rng.IntN(viewers)], chatLine(rng)), lineChat, 0)
		}
	}
	return s
}

// stormScript is a vote storm: n votes from n distinct viewers, spread in
// turn over the questions 1..w.visible.
func stormScript(name string, n int, w world, firstViewer int) *script {
	s := newScript(name, n, w)
	mk := &lineMaker{sent: time.Now()}
	for i := range n {
		q := 1 + i%w.visible
		s.add(mk.line(viewer(firstViewer+i), "!vote "+strconv.Itoa(q)), lineVote, q)
	}
	return s
}

// setupScript has the broadcaster ask n questions, approved at once: the
// questions a storm votes for.
func setupScript(n int, seed uint64) *script {
	s := newScript("setup", n, world{})
	mk := &lineMaker{sent: time.Now()}
	tg := newTextGen(rand.New(rand.NewPCG(seed, 7)))
	for range n {
		text := tg.question()
		s.add(mk.line(broadcaster(), "!q "+text), lineAsk, 0)
		s.asks[text] = int32(len(s.lines) - 1)
		s.newQuestions++
	}
	return s
}

func newScript(name string, n int, w world) *script {
	s := &script{
		name:  name,
		lines: make([]string, 0, n),
		kind:  make([]byte, 0, n),
		qid:   make([]int32, 0, n),
		asks:  map[string]int32{},
		votes: make([][]int32, w.questions+1),
		base:  make([]int, w.questions+1),
	}
	s.visible = make([]bool, w.questions+1)
	for id := 1; id <= w.questions; id++ {
		s.base[id] = 1
		s.visible[id] = id <= w.visible
	}
	return s
}

func (s *script) add(line string, kind byte, q int) {
	s.lines = append(s.lines, line)
	s.kind = append(s.kind, kind)
	s.qid = append(s.qid, int32(q))
	s.bytes += int64(len(line))
	if kind == lineVote {
		s.votes[q] = append(s.votes[q], int32(len(s.lines)-1))
	}
}

// chatLine returns an ordinary chat message.
func chatLine(rng *rand.Rand) string {
	return chatter[rng.IntN(len(chatter))] + " " + emotes[rng.IntN(len(emotes))]
}

var chatter = []string{
	"this is a great point honestly", "can you repeat the last part please, my stream froze", "lol", "finally someone asks about housing",
	"audio is a bit low on my side, anyone else?", "hello from Lyon!", "bonsoir tout le monde", "the mayor looks tired tonight",
	"what about the bus lines in the north though", "I agree with the previous speaker", "first time watching, nice format",
	"can we get the slides link", "pas d'accord du tout avec ce qui vient d'être dit", "merci pour le direct", "the chat is moving fast today",
	"who is moderating the questions?", "good question earlier about schools", "is this being recorded?",
	"greetings from the east side", "the budget numbers don't add up to me", "100% agree", "ça commence quand ?",
}

var emotes = []string{"Kappa", "PogChamp", "LUL", "SeemsGood", "<3", "VoteYea", "VoteNay", "", "4Head", "HeyGuys"}

// textGen writes question texts that the near-duplicate matcher never
// takes for one another: eight key words drawn from a vocabulary of
// made-up six-letter words with distinct stems, so that two questions share
// at most a few of them.
type textGen struct {
	rng   *rand.Rand
	vocab []string
}

func newTextGen(rng *rand.Rand) *textGen { return &textGen{rng: rng, vocab: vocabulary()} }

var vocabCache []string

// vocabulary returns made-up words of three consonant-vowel syllables.
// They end in a vowel other than "e", so the matcher's stemming leaves them
// whole, and no stop word has six letters of that shape.
func vocabulary() []string {
	if vocabCache != nil {
		return vocabCache
	}
	const cons, vows = "bdfgklmnprtvz", "aiou"
	var syl []string
	for _, c := range cons {
		for _, v := range vows {
			syl = append(syl, string(c)+string(v))
		}
	}
	rng := rand.New(rand.NewPCG(1, 2))
	seen := map[string]bool{}
	for len(vocabCache) < 5000 {
		w := syl[rng.IntN(len(syl))] + syl[rng.IntN(len(syl))] + syl[rng.IntN(len(syl))]
		if !seen[w] {
			seen[w] = true
			vocabCache = append(vocabCache, w)
		}
	}
	return vocabCache
}

var openers = []string{"What will you do about", "How do you see", "Can you explain", "Quelle est votre position sur", "Why not fund", "Comment financer"}

func (g *textGen) question() string {
	var b strings.Builder
	b.WriteString(openers[g.rng.IntN(len(openers))])
	picked := make([]int, 0, 8)
	for len(picked) < 8 {
		i := g.rng.IntN(len(g.vocab))
		if !slices.Contains(picked, i) {
			picked = append(picked, i)
		}
	}
	for j, i := range picked {
		if j == 4 {
			b.WriteString(" and")
		}
		b.WriteByte(' ')
		b.WriteString(g.vocab[i])
	}
	b.WriteByte('?')
	return b.String()
}
