package twitchfake

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strconv"
	"strings"
	"time"
)

// DemoBannedWords are the words the Crowd's trolls use: a demo loads them
// into its banned-word filter so that their questions are refused.
var DemoBannedWords = []string{"crétin", "idiot", "scumbag"}

// Crowd plays simulated viewers in one channel of a Server, at a pace a
// person watching a demo can follow: a question every few seconds, votes
// more often, ordinary chat in between, now and then a paraphrase of an
// earlier question (which the bot should fold into it), !top, !qhelp,
// !unvote, !withdraw and !report, and a troll or two (a banned word, HTML
// and script, spam, an over-long text). Questions are town-hall topics in
// French and English. The sequence of lines is fixed by Seed.
//
// A Crowd may play a co-stream (NewCoStream): its viewers then live in
// Channel and the channels of Also, one each, and a share of their lines
// is typed during a Twitch Shared Chat session, sent with a mirror into
// every other channel of the crowd.
//
// Set the fields before Run; a Crowd runs once at a time.
type Crowd struct {
	Server  *Server
	Channel string
	// Also lists the other channels of a co-stream (none by default).
	Also []string
	// Shared is the share of lines, from 0 to 1, sent as Shared Chat
	// messages with mirrors in the crowd's other channels (0 by default;
	// NewCoStream sets DefaultShared). It matters only with Also.
	Shared float64
	Seed   uint64
	// Viewers is how many distinct viewers speak (default 60).
	Viewers int
	// Mean intervals between questions, votes, chat lines and trolls
	// (defaults 4 s, 700 ms, 500 ms and 30 s). A negative interval
	// disables that activity.
	AskEvery, VoteEvery, ChatEvery, TrollEvery time.Duration
	// Tick is the pace of the simulation clock (default 100 ms).
	Tick time.Duration
	// BannedWords are used by trolls (default DemoBannedWords).
	BannedWords []string

	rng     *rand.Rand
	users   []User
	spoke   []bool
	asked   []askedQ // questions asked so far, in order
	groupAt int      // next question group
	votes   []vote   // votes cast, for !unvote
	homes   []string // the crowd's channels: viewer i lives in homes[i%len]
	// Sent counts the lines sent, by kind ("ask", "vote", "chat", …), for
	// tests and status lines. Read it after Run returns.
	Sent map[string]int
}

type vote struct{ voter, id int }

type askedQ struct {
	group  int
	author int
	weight float64
}

// NewCrowd returns a Crowd for channel of srv with the default pace.
func NewCrowd(srv *Server, channel string, seed uint64) *Crowd {
	return &Crowd{
		Server: srv, Channel: normChannel(channel), Seed: seed,
		Viewers:  60,
		AskEvery: 4 * time.Second, VoteEvery: 700 * time.Millisecond,
		ChatEvery: 500 * time.Millisecond, TrollEvery: 30 * time.Second,
		Tick:        100 * time.Millisecond,
		BannedWords: DemoBannedWords,
	}
}

// DefaultShared is the share of a co-stream crowd's lines that are
// mirrored by Shared Chat.
const DefaultShared = 0.3

// NewCoStream returns a Crowd whose viewers speak in every channel of
// channels (the first is Channel, the others Also), with DefaultShared of
// their lines mirrored into the other channels.
func NewCoStream(srv *Server, channels []string, seed uint64) *Crowd {
	c := NewCrowd(srv, "", seed)
	if len(channels) > 0 {
		c.Channel = normChannel(channels[0])
		for _, ch := range channels[1:] {
			c.Also = append(c.Also, normChannel(ch))
		}
	}
	c.Shared = DefaultShared
	return c
}

// channels returns every channel the crowd speaks in, Channel first.
func (c *Crowd) channels() []string {
	out := []string{normChannel(c.Channel)}
	for _, ch := range c.Also {
		if ch = normChannel(ch); ch != "" && ch != out[0] {
			out = append(out, ch)
		}
	}
	return out
}

// Run waits until a client has joined every channel of the crowd, then
// plays the crowd until ctx is done. It returns nil when ctx ends.
func (c *Crowd) Run(ctx context.Context) error {
	if c.Server == nil || c.Channel == "" {
		return fmt.Errorf("twitchfake: crowd needs a server and a channel")
	}
	channels := c.channels()
	for _, ch := range channels {
		if err := c.Server.WaitJoined(ctx, ch); err != nil {
			if ctx.Err() != nil {
				return nil
			}
			return err
		}
	}
	c.init()
	tick := c.Tick
	if tick <= 0 {
		tick = 100 * time.Millisecond
	}
	t := time.NewTicker(tick)
	defer t.Stop()
	for {
		for _, m := range c.Step(tick) {
			if !m.Shared {
				c.Server.Say(m.Channel, m.User, m.Text)
				continue
			}
			var mirrors []string
			for _, ch := range channels {
				if ch != m.Channel {
					mirrors = append(mirrors, ch)
				}
			}
			c.Server.SayShared(m.Channel, mirrors, m.User, m.Text)
		}
		select {
		case <-t.C:
		case <-ctx.Done():
			return nil
		}
	}
}

func (c *Crowd) init() {
	if c.rng != nil {
		return
	}
	c.rng = rand.New(rand.NewPCG(c.Seed, c.Seed^0x9e3779b97f4a7c15))
	n := c.Viewers
	if n <= 0 {
		n = 60
	}
	c.users = make([]User, n)
	c.spoke = make([]bool, n)
	for i := range c.users {
		first := firstNames[i%len(firstNames)]
		login := strings.ToLower(first)
		if i >= len(firstNames) {
			login += strconv.Itoa(i / len(firstNames))
		}
		display := strings.ToUpper(login[:1]) + login[1:]
		c.users[i] = User{
			ID: strconv.Itoa(700000000 + i), Login: login, DisplayName: display,
			Color:      colors[i%len(colors)],
			Subscriber: i%5 == 0,
			Moderator:  i == 1,
		}
	}
	c.votes = nil
	c.Sent = map[string]int{}
	c.homes = c.channels()
}

// Step advances the crowd by d of simulated time and returns the messages
// to send, in order. Run calls it every Tick; tests call it directly.
func (c *Crowd) Step(d time.Duration) []Message {
	c.init()
	var out []Message
	say := func(kind string, u int, text string) {
		user := c.users[u]
		// A viewer's first line in the channel carries first-msg=1, as on
		// Twitch, for a third of the viewers.
		user.FirstMessage = !c.spoke[u] && u%3 == 2
		c.spoke[u] = true
		m := Message{User: user, Text: text, Channel: c.homes[u%len(c.homes)]}
		if len(c.homes) > 1 && c.Shared > 0 {
			m.Shared = c.rng.Float64() < c.Shared
		}
		out = append(out, m)
		c.Sent[kind]++
	}
	if c.happens(d, c.ChatEvery) {
		u := c.rng.IntN(len(c.users))
		say("chat", u, chatLines[c.rng.IntN(len(chatLines))])
	}
	if c.happens(d, c.AskEvery) {
		c.ask(say)
	}
	if c.happens(d, c.VoteEvery) && len(c.asked) > 0 {
		// A few votes at once now and then, as when the host reads a
		// question aloud.
		for k := 1 + c.rng.IntN(3); k > 0; k-- {
			c.vote(say)
		}
	}
	if c.happens(d, c.AskEvery*3) {
		c.other(say)
	}
	if c.happens(d, c.TrollEvery) {
		c.troll(say)
	}
	return out
}

// happens draws whether an event with mean interval every occurs within d.
func (c *Crowd) happens(d, every time.Duration) bool {
	if every <= 0 {
		return false
	}
	return c.rng.Float64() < float64(d)/float64(every)
}

func (c *Crowd) ask(say func(string, int, string)) {
	u := c.rng.IntN(len(c.users))
	var g int
	if len(c.asked) > 2 && c.rng.IntN(5) == 0 {
		// A paraphrase of an earlier question: the bot should fold it
		// into that one as a vote.
		g = c.asked[c.rng.IntN(len(c.asked))].group
	} else {
		g = c.groupAt % len(questionGroups)
		c.groupAt++
	}
	variants := questionGroups[g]
	text := variants[c.rng.IntN(len(variants))]
	prefix := []string{"!q ", "!question ", "!ask ", "!Q ", "!q  "}[c.rng.IntN(5)]
	say("ask", u, prefix+text)
	c.asked = append(c.asked, askedQ{group: g, author: u, weight: c.rng.ExpFloat64()})
}

func (c *Crowd) vote(say func(string, int, string)) {
	// Questions have a popularity: some draw many votes, most few.
	total := 0.0
	for _, q := range c.asked {
		total += q.weight
	}
	x := c.rng.Float64() * total
	id := len(c.asked)
	for i, q := range c.asked {
		if x -= q.weight; x < 0 {
			id = i + 1
			break
		}
	}
	u := c.rng.IntN(len(c.users))
	form := []string{"!vote %d", "!vote #%d", "!up %d", "!+1 %d", "!VOTE %d", "!vote  %d \U000E0000"}[c.rng.IntN(6)]
	say("vote", u, fmt.Sprintf(form, id))
	c.votes = append(c.votes, vote{voter: u, id: id})
}

// other plays the rarer commands.
func (c *Crowd) other(say func(string, int, string)) {
	u := c.rng.IntN(len(c.users))
	switch c.rng.IntN(5) {
	case 0:
		say("top", u, "!top")
	case 1:
		say("help", u, "!qhelp")
	case 2:
		if len(c.votes) > 0 {
			i := c.rng.IntN(len(c.votes))
			v := c.votes[i]
			c.votes = append(c.votes[:i], c.votes[i+1:]...)
			say("unvote", v.voter, fmt.Sprintf("!unvote %d", v.id))
		}
	case 3:
		if len(c.asked) > 0 {
			i := c.rng.IntN(len(c.asked))
			say("withdraw", c.asked[i].author, fmt.Sprintf("!withdraw %d", i+1))
		}
	case 4:
		say("top", u, "!TOP")
	}
}

// troll plays one of the abusive viewers.
func (c *Crowd) troll(say func(string, int, string)) {
	u := len(c.users) - 1 - c.rng.IntN(3) // the same few trolls
	switch c.rng.IntN(4) {
	case 0:
		w := "idiot"
		if len(c.BannedWords) > 0 {
			w = c.BannedWords[c.rng.IntN(len(c.BannedWords))]
		}
		say("troll", u, "!q Why is the mayor such an "+strings.ToUpper(w)+"?")
	case 1:
		say("troll", u, `!q <img src=x onerror=alert(1)> <script>alert("pwned")</script>`)
	case 2:
		for k := 0; k < 3; k++ {
			say("troll", u, "!q FREE FOLLOWERS at bit.ly/spam-spam-spam")
		}
		for k := 0; k < 3; k++ {
			say("troll", u, "BUY FOLLOWERS bit.ly/spam-spam-spam")
		}
	case 3:
		say("troll", u, "!q "+strings.Repeat("blah ", 70))
	}
	if len(c.asked) > 0 && c.rng.IntN(2) == 0 {
		// Viewers report the latest question now and then, rightly or not.
		r := c.rng.IntN(len(c.users) - 3)
		say("report", r, fmt.Sprintf("!report %d", len(c.asked)))
	}
}

var firstNames = []string{
	"Alice", "Bruno", "Chloe", "Djamel", "Emma", "Farid", "Gaelle", "Hugo", "Ines", "Jules",
	"Karim", "Lea", "Mehdi", "Nora", "Oscar", "Paula", "Quentin", "Rose", "Sami", "Tess",
	"Ugo", "Vera", "William", "Xena", "Yanis", "Zoe", "Amir", "Bea", "Cyril", "Dana",
}

var colors = []string{"#FF4500", "#1E90FF", "#2E8B57", "#DAA520", "#9ACD32", "#FF69B4", "#8A2BE2", ""}

// questionGroups are town-hall questions; each group holds paraphrases of
// one question, which a good near-duplicate detector merges.
var questionGroups = [][]string{
	{"What will you do about rising rents in the city?", "What are you going to do about rising rents in our city?"},
	{"Que comptez-vous faire contre la hausse des loyers ?", "Qu'allez-vous faire contre la hausse des loyers ?"},
	{"When will the new tram line be finished?", "When is the new tram line going to be finished?"},
	{"Quand la nouvelle ligne de tram sera-t-elle terminée ?", "La nouvelle ligne de tram, elle sera terminée quand ?"},
	{"Will public transport become free for students?", "will public transport be free for students??"},
	{"Les transports en commun seront-ils gratuits pour les étudiants ?", "Est-ce que les transports en commun seront gratuits pour les étudiants ?"},
	{"How will you make the streets safer for cyclists?", "How do you plan to make streets safer for cyclists?"},
	{"Comment allez-vous sécuriser les pistes cyclables ?", "Comment comptez-vous sécuriser les pistes cyclables ?"},
	{"Will local taxes go up next year?", "Are local taxes going up next year?"},
	{"Les impôts locaux vont-ils augmenter l'an prochain ?", "Est-ce que les impôts locaux vont augmenter l'an prochain ?"},
	{"What is your plan for the closed swimming pool?", "What's your plan for the closed swimming pool?"},
	{"Quand la piscine municipale va-t-elle rouvrir ?", "La piscine municipale va rouvrir quand ?"},
	{"How many new social housing units will be built?", "How many social housing units will you build?"},
	{"Combien de logements sociaux seront construits ?", "Combien de logements sociaux allez-vous construire ?"},
	{"What will you do for the homeless this winter?", "What are you doing for homeless people this winter?"},
	{"Que faites-vous pour les sans-abri cet hiver ?"},
	{"Will the library open on Sundays?", "Is the library going to open on Sundays?"},
	{"La médiathèque ouvrira-t-elle le dimanche ?", "Est-ce que la médiathèque va ouvrir le dimanche ?"},
	{"How will you reduce air pollution near schools?", "How are you going to reduce air pollution near schools?"},
	{"Comment réduire la pollution de l'air près des écoles ?"},
	{"Why was the youth centre budget cut?", "Why did you cut the youth centre budget?"},
	{"Pourquoi le budget de la maison des jeunes a-t-il baissé ?"},
	{"Will there be more police patrols at night downtown?"},
	{"Y aura-t-il plus de patrouilles de police la nuit au centre-ville ?"},
	{"What about the potholes on Main Street?", "When will you fix the potholes on Main Street?"},
	{"Quand allez-vous refaire la chaussée de la rue principale ?"},
	{"Will the city plant more trees in the summer heat?", "Are you going to plant more trees against the summer heat?"},
	{"Allez-vous planter plus d'arbres contre les canicules ?", "Comptez-vous planter plus d'arbres contre les canicules ?"},
	{"How can citizens take part in budget decisions?"},
	{"Comment les habitants peuvent-ils participer au budget ?"},
	{"Will the hospital emergency room stay open at night?"},
	{"Les urgences de l'hôpital resteront-elles ouvertes la nuit ?"},
	{"What is the timeline for the stadium renovation?"},
	{"Where will the new school be built?"},
	{"Où sera construite la nouvelle école ?"},
	{"Will you run for a second term?", "Are you running for a second term?"},
	{"Allez-vous vous représenter aux prochaines élections ?"},
	{"How will you support small shops downtown?"},
	{"Comment aider les petits commerces du centre-ville ?"},
	{"Is the recycling centre going to stay open?"},
}

var chatLines = []string{
	"hello from Lyon!", "bonsoir tout le monde", "first time watching, hi", "lol", "gg",
	"Kappa", "PogChamp", "the sound is a bit low", "le son est trop bas", "great question",
	"bonne question", "+1", "agree", "d'accord", "can you zoom on the slides?",
	"who is the guy on the left?", "c'est qui à gauche ?", "merci pour le live", "thanks for streaming",
	"FIRST", "is this live?", "c'est en direct ?", "interesting", "trop bien", "😂😂", "👏👏👏",
	"!nottacommand", "! vote 3", "vote 3", "!voting is fun", "@streamer hi",
}
