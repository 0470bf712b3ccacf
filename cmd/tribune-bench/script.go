package main

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/tribune-live/tribune/internal/twitchfake"
	"github.com/tribune-live/tribune/internal/youtubefake"
)

const (
	// benchChannel is the channel every Twitch scenario plays in; the
	// session is named after it.
	benchChannel = "bench"
	// partnerChannel is the co-stream's second channel (the party's).
	partnerChannel = "bench_party"
	// setupQuestions is how many questions the broadcaster asks before a
	// storm, a flood or the ask page's load test: what they vote for.
	setupQuestions = 10
)

// Kinds of script lines.
const (
	lineChat   byte = iota // ordinary chat: the bot must ignore it cheaply
	lineVote               // !vote N
	lineAsk                // !q TEXT
	lineMirror             // a Shared Chat copy of another line: it must change nothing
)

// Where a line is sent.
const (
	viaTwitch byte = iota
	viaYouTube
)

// script is one set of chat messages, prepared before the clock starts,
// with what each should do, so that clients can tell when every effect
// arrived and how long each took.
type script struct {
	name string
	// channels are the Twitch channels the lines are typed in; the first
	// is the session's.
	channels []string
	// lines are raw IRC lines for Twitch, message texts for YouTube.
	lines []string
	via   []byte
	// author is the viewer (see viewer and ytAuthor) of each YouTube
	// message; -1 the owner.
	author []int32
	kind   []byte
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
	// mirrors counts lineMirror lines; commandMirrors those that copy a
	// command.
	mirrors, commandMirrors int
	// others[id] is how many votes question id gets from outside the
	// script (the ask page's load), on top of base and the script's;
	// otherAsks are the texts of questions asked from outside. Both are
	// known in advance, timed by whoever casts them, and checked at the
	// end with the rest.
	others    []int
	otherAsks map[string]bool
	bytes     int64
}

func isCommand(kind byte) bool { return kind == lineVote || kind == lineAsk }

// commands returns how many lines are commands, each counted once
// (mirrors are copies).
func (s *script) commands() int {
	n := 0
	for _, k := range s.kind {
		if isCommand(k) {
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

// span returns the first and last line (exclusive) sent via v.
func (s *script) span(v byte) (from, to int) {
	from, to = -1, -1
	for i, x := range s.via {
		if x == v {
			if from < 0 {
				from = i
			}
			to = i + 1
		}
	}
	if from < 0 {
		return 0, 0
	}
	return from, to
}

// finalVotes returns the vote count each targeted question must reach.
func (s *script) finalVotes(id int) int { return s.base[id] + len(s.votes[id]) + s.other(id) }

// other returns the votes question id gets from outside the script.
func (s *script) other(id int) int {
	if id < len(s.others) {
		return s.others[id]
	}
	return 0
}

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

func newScript(name string, n int, w world) *script {
	s := &script{
		name:     name,
		channels: []string{benchChannel},
		lines:    make([]string, 0, n),
		via:      make([]byte, 0, n),
		author:   make([]int32, 0, n),
		kind:     make([]byte, 0, n),
		qid:      make([]int32, 0, n),
		asks:     map[string]int32{},
		votes:    make([][]int32, w.questions+1),
		base:     make([]int, w.questions+1),
	}
	s.visible = make([]bool, w.questions+1)
	for id := 1; id <= w.questions; id++ {
		s.base[id] = 1
		s.visible[id] = id <= w.visible
	}
	return s
}

func (s *script) add(line string, via byte, author int, kind byte, q int) {
	s.lines = append(s.lines, line)
	s.via = append(s.via, via)
	s.author = append(s.author, int32(author))
	s.kind = append(s.kind, kind)
	s.qid = append(s.qid, int32(q))
	s.bytes += int64(len(line))
	switch kind {
	case lineVote:
		s.votes[q] = append(s.votes[q], int32(len(s.lines)-1))
	case lineMirror:
		s.mirrors++
	}
}

// ask adds a question line for text.
func (s *script) ask(text string) {
	s.asks[text] = int32(len(s.lines) - 1)
	s.newQuestions++
}

// maker turns one chat message of viewer u (-1: the broadcaster) into the
// script's lines: on one Twitch channel, on two with Shared Chat mirrors,
// or on YouTube. The generators below say what is said; makers say where.
type maker interface {
	say(s *script, u int, text string, kind byte, q int)
}

// twitchMaker types every message in one channel.
type twitchMaker struct {
	channel string
	lm      *lineMaker
	crowd   crowd
}

func twitchOne() *twitchMaker {
	return &twitchMaker{channel: benchChannel, lm: &lineMaker{sent: time.Now()}}
}

func (m *twitchMaker) say(s *script, u int, text string, kind byte, q int) {
	s.add(m.lm.line(m.channel, m.crowd.user(u), text), viaTwitch, u, kind, q)
}

// coStreamMaker types each message in one of two channels, at random, and
// shares a share of them with the other through Twitch Shared Chat: the
// original in its channel, its mirror in the other. The lines come from
// a fake server's line builder, so that originals and mirrors carry the
// tags Twitch gives them (source-room-id, source-id); the server is used
// for nothing else.
type coStreamMaker struct {
	gen    *twitchfake.Server
	rng    *rand.Rand
	shared float64
	crowd  crowd
}

func (m *coStreamMaker) say(s *script, u int, text string, kind byte, q int) {
	origin, other := s.channels[0], s.channels[1]
	if m.rng.IntN(2) == 1 {
		origin, other = other, origin
	}
	user := m.crowd.user(u)
	if m.rng.Float64() >= m.shared {
		s.add(m.gen.Line(origin, user, text), viaTwitch, u, kind, q)
		return
	}
	original, mirrors := m.gen.SharedLines(origin, user, text, other)
	s.add(original, viaTwitch, u, kind, q)
	s.add(mirrors[0], viaTwitch, u, lineMirror, 0)
	if isCommand(kind) {
		s.commandMirrors++
	}
}

// youtubeMaker posts every message in the YouTube chat.
type youtubeMaker struct{}

func (youtubeMaker) say(s *script, u int, text string, kind byte, q int) {
	s.add(text, viaYouTube, u, kind, q)
}

// crowd caches the Twitch users of the scripts' viewers.
type crowd struct{ users []twitchfake.User }

func (c *crowd) user(i int) twitchfake.User {
	if i < 0 {
		return broadcaster()
	}
	for len(c.users) <= i {
		c.users = append(c.users, viewer(len(c.users)))
	}
	return c.users[i]
}

// lineMaker formats chat lines as the fake server sends them. The sent
// time is when the script is built, which is what tmi-sent-ts would be at
// that rate anyway.
type lineMaker struct {
	sent time.Time
}

// lineSeq numbers every line the bench makes, whatever its script: the
// bot skips a message id it has already seen (a Shared Chat copy), so two
// scripts of one meeting (the setup and the storm) must not share ids.
// It starts far above the sequence numbers of twitchfake's own line
// builder, which the co-stream uses.
var lineSeq atomic.Uint64

func init() { lineSeq.Store(1 << 40) }

func (m *lineMaker) line(channel string, u twitchfake.User, text string) string {
	return twitchfake.PrivmsgLine(channel, u, text, lineSeq.Add(1), m.sent)
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

// ytAuthor returns the i-th viewer on YouTube (-1: the channel's owner):
// a channel id of YouTube's length and a display name.
func ytAuthor(i int) youtubefake.Author {
	if i < 0 {
		return youtubefake.Author{ChannelID: "UCbenchOwner00000000000", DisplayName: "Bench", Owner: true}
	}
	return youtubefake.Author{ChannelID: fmt.Sprintf("UCbench%017d", i), DisplayName: "Citizen Viewer " + strconv.Itoa(100000+i)}
}

var badges = []string{"subscriber/12,premium/1", "premium/1", "glhf-pledge/1", "subscriber/3,sub-gifter/5", "no_audio/1"}

var colors = []string{"#1E90FF", "#FF4500", "#2E8B57", "#DAA520", "#9ACD32", "#FF69B4", "#8A2BE2", ""}

// broadcaster is the channel's owner: privileged, so that the questions it
// asks are approved at once and no rate limit applies.
func broadcaster() twitchfake.User {
	return twitchfake.User{Login: benchChannel, DisplayName: "Bench", ID: twitchfake.RoomID(benchChannel), Broadcaster: true}
}

// mixedScript is a meeting: of every 50 messages, 1 question (2 %), 4
// votes (8 %) and 45 chat lines (90 %), on the visible questions of w.
func mixedScript(name string, n, viewers int, w world, seed uint64, mk maker) *script {
	s := newScript(name, n, w)
	mixedInto(s, n, viewers, 1, w.visible, seed, mk, 0)
	return s
}

// mixedInto adds n messages of a meeting to s: of every 50, 1 question,
// 4 votes and 45 chat lines. Questions come from distinct viewers of a
// crowd of viewers (firstViewer onwards), each at most once, so that no
// rate limit refuses them; votes come from random viewers of the crowd
// for the questions firstQ to firstQ+nq-1, skewed towards a few popular
// ones, never twice the same (viewer, question), so that every command
// has an effect to wait for.
func mixedInto(s *script, n, viewers, firstQ, nq int, seed uint64, mk maker, firstViewer int) {
	rng := rand.New(rand.NewPCG(seed, seed^0x5eed))
	askers := rng.Perm(viewers)
	zipf := rand.NewZipf(rng, 1.1, 8, uint64(nq-1))
	voted := make(map[uint64]struct{}, n/10)
	tg := newTextGen(rng)
	nextAsk := 0
	for i := range n {
		switch k := i % 50; {
		case k == 0 && nextAsk < len(askers):
			u := askers[nextAsk]
			nextAsk++
			text := tg.question()
			mk.say(s, firstViewer+u, "!q "+text, lineAsk, 0)
			s.ask(text)
		case k >= 1 && k <= 4:
			var v, q int
			for {
				v = rng.IntN(viewers)
				q = firstQ + int(zipf.Uint64())
				key := uint64(v)<<32 | uint64(q)
				if _, dup := voted[key]; !dup {
					voted[key] = struct{}{}
					break
				}
			}
			mk.say(s, firstViewer+v, "!vote "+strconv.Itoa(q), lineVote, q)
		default:
			mk.say(s, firstViewer+rng.IntN(viewers), chatLine(rng), lineChat, 0)
		}
	}
}

// stormScript is a vote storm: n votes from n distinct viewers, spread in
// turn over the questions 1..w.visible.
func stormScript(name string, n int, w world, firstViewer int) *script {
	s := newScript(name, n, w)
	lm := &lineMaker{sent: time.Now()}
	for i := range n {
		q := 1 + i%w.visible
		s.add(lm.line(benchChannel, viewer(firstViewer+i), "!vote "+strconv.Itoa(q)), viaTwitch, firstViewer+i, lineVote, q)
	}
	return s
}

// setupScript has the broadcaster ask n questions, approved at once: the
// questions a storm votes for.
func setupScript(n int, seed uint64) *script {
	s := newScript("setup", n, world{})
	lm := &lineMaker{sent: time.Now()}
	tg := newTextGen(rand.New(rand.NewPCG(seed, 7)))
	for range n {
		text := tg.question()
		s.add(lm.line(benchChannel, broadcaster(), "!q "+text), viaTwitch, -1, lineAsk, 0)
		s.ask(text)
	}
	return s
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
