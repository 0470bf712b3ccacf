package youtubefake

import (
	"context"
	"fmt"
	"math/rand/v2"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// Crowd plays simulated viewers in a video's live chat on a Server, at a
// pace a person watching a demo can follow: questions in French and
// English (now and then a paraphrase of an earlier one), votes for
// question numbers that exist, ordinary chat, !top and !qhelp, the
// channel's owner, a chat moderator, and a spammer whose messages the
// moderator deletes (messageDeletedEvent) and whom they time out now and
// then (a temporary userBannedEvent). The sequence is fixed by Seed.
//
//	crowd := youtubefake.NewCrowd(srv, videoID, seed)
//	go crowd.Run(ctx)
//
// Set the fields before Run; a Crowd runs once at a time.
type Crowd struct {
	Server *Server
	Video  string
	Seed   uint64
	// Viewers is how many distinct channels speak (default 40).
	Viewers int
	// Mean intervals between questions, votes, chat lines and the
	// spammer's lines (defaults 6 s, 1.5 s, 1.2 s and 20 s). A negative
	// interval disables that activity.
	AskEvery, VoteEvery, ChatEvery, SpamEvery time.Duration
	// Tick is the pace of the simulation clock (default 100 ms).
	Tick time.Duration
	// Numbers, when set, returns the question numbers open for votes
	// (the demo hands it the Service's). Without it the crowd votes for
	// the numbers Tribune's replies in the chat gave, or else for the
	// numbers of its own questions so far.
	Numbers func() []int

	rng     *rand.Rand
	authors []Author
	asked   []int // question groups asked, in order
	groupAt int
	spam    []string // ids of the spammer's messages not yet deleted
	// Sent counts what the crowd did, by kind ("ask", "vote", "chat",
	// "delete", "timeout", …). Read it after Run returns.
	Sent map[string]int
}

// NewCrowd returns a Crowd for the chat of video on srv with the default
// pace.
func NewCrowd(srv *Server, video string, seed uint64) *Crowd {
	return &Crowd{
		Server: srv, Video: video, Seed: seed,
		Viewers:  40,
		AskEvery: 6 * time.Second, VoteEvery: 1500 * time.Millisecond,
		ChatEvery: 1200 * time.Millisecond, SpamEvery: 20 * time.Second,
		Tick: 100 * time.Millisecond,
	}
}

// Owner returns the channel that owns the broadcast in the crowd.
func (c *Crowd) Owner() Author { c.init(); return c.authors[0] }

// Moderator returns the crowd's chat moderator.
func (c *Crowd) Moderator() Author { c.init(); return c.authors[1] }

// Run waits until a client reads the chat, then plays the crowd until ctx
// is done. It returns nil when ctx ends.
func (c *Crowd) Run(ctx context.Context) error {
	if c.Server == nil || c.Video == "" {
		return fmt.Errorf("youtubefake: crowd needs a server and a video")
	}
	if err := c.Server.WaitReading(ctx, c.Video); err != nil {
		if ctx.Err() != nil {
			return nil
		}
		return err
	}
	c.init()
	tick := c.Tick
	if tick <= 0 {
		tick = 100 * time.Millisecond
	}
	t := time.NewTicker(tick)
	defer t.Stop()
	for {
		c.Step(tick)
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
	c.rng = rand.New(rand.NewPCG(c.Seed, c.Seed^0x5851f42d4c957f2d))
	n := max(c.Viewers, 4)
	c.authors = make([]Author, n)
	for i := range c.authors {
		first := names[i%len(names)]
		display := first
		if i >= len(names) {
			display += " " + strconv.Itoa(i/len(names)+1)
		}
		if i%3 == 1 {
			// Many YouTube viewers show as their @handle.
			display = "@" + strings.ToLower(strings.ReplaceAll(display, " ", "")) + strconv.Itoa(10+i)
		}
		c.authors[i] = Author{ChannelID: channelID(c.rng), DisplayName: display, Sponsor: i%7 == 3}
	}
	c.authors[0].DisplayName, c.authors[0].Owner = "Mairie de Lyon", true
	c.authors[1].DisplayName, c.authors[1].Moderator = "Modération", true
	c.authors[n-1].DisplayName = "FreeSubsNow"
	c.Sent = map[string]int{}
}

// channelID draws a channel id of YouTube's form: "UC" and 22 characters.
func channelID(rng *rand.Rand) string {
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
	b := []byte("UC")
	for range 22 {
		b = append(b, alphabet[rng.IntN(len(alphabet))])
	}
	return string(b)
}

// Step advances the crowd by d of simulated time and posts what happens
// in it. Run calls it every Tick; tests call it directly.
func (c *Crowd) Step(d time.Duration) {
	c.init()
	say := func(kind string, a Author, text string) string {
		id := c.Server.Say(c.Video, a, text)
		if id != "" {
			c.Sent[kind]++
		}
		return id
	}
	viewer := func() Author { return c.authors[2+c.rng.IntN(len(c.authors)-3)] }
	if c.happens(d, c.ChatEvery) {
		say("chat", viewer(), chatLines[c.rng.IntN(len(chatLines))])
	}
	if c.happens(d, c.AskEvery) {
		a := viewer()
		if c.rng.IntN(12) == 0 {
			a = c.authors[c.rng.IntN(2)] // the owner or the moderator asks too
		}
		say("ask", a, c.question())
	}
	if c.happens(d, c.VoteEvery) {
		if nums := c.numbers(); len(nums) > 0 {
			for k := 1 + c.rng.IntN(2); k > 0; k-- {
				n := nums[c.rng.IntN(len(nums))]
				form := []string{"!vote %d", "!vote #%d", "!+1 %d", "!up %d", "!Vote %d"}[c.rng.IntN(5)]
				say("vote", viewer(), fmt.Sprintf(form, n))
			}
		}
	}
	if c.happens(d, c.AskEvery*4) {
		say([]string{"top", "help"}[c.rng.IntN(2)], viewer(), []string{"!top", "!qhelp"}[c.rng.IntN(2)])
	}
	if c.happens(d, c.SpamEvery) {
		c.spamAndModerate(say)
	}
}

// spamAndModerate has the moderator delete the spammer's last lines, and
// the spammer post again; every third time the moderator also times them
// out for five minutes.
func (c *Crowd) spamAndModerate(say func(string, Author, string) string) {
	spammer, mod := c.authors[len(c.authors)-1], c.authors[1]
	for _, id := range c.spam {
		if c.Server.Delete(c.Video, mod, id) != "" {
			c.Sent["delete"]++
		}
	}
	c.spam = c.spam[:0]
	if c.Sent["delete"] > 0 && c.rng.IntN(3) == 0 {
		if c.Server.Ban(c.Video, mod, spammer, 5*time.Minute) != "" {
			c.Sent["timeout"]++
		}
	}
	line := spamLines[c.rng.IntN(len(spamLines))]
	if id := say("spam", spammer, line); id != "" {
		c.spam = append(c.spam, id)
	}
}

// question returns the next question line: a new topic, or now and then
// a paraphrase of one asked before (Tribune should fold it into that one).
func (c *Crowd) question() string {
	var g int
	if len(c.asked) > 2 && c.rng.IntN(5) == 0 {
		g = c.asked[c.rng.IntN(len(c.asked))]
	} else {
		g = c.groupAt % len(questionGroups)
		c.groupAt++
	}
	c.asked = append(c.asked, g)
	variants := questionGroups[g]
	prefix := []string{"!q ", "!question ", "!ask ", "!Q "}[c.rng.IntN(4)]
	return prefix + variants[c.rng.IntN(len(variants))]
}

// replyNumber finds question numbers in Tribune's replies, in English
// ("#12") and French ("n°12").
var replyNumber = regexp.MustCompile(`(?:#|n°)(\d{1,6})\b`)

// numbers returns the question numbers to vote for.
func (c *Crowd) numbers() []int {
	if c.Numbers != nil {
		return c.Numbers()
	}
	seen := map[int]bool{}
	var out []int
	for _, m := range c.Server.Inserted() {
		for _, sub := range replyNumber.FindAllStringSubmatch(m.Text, -1) {
			if n, err := strconv.Atoi(sub[1]); err == nil && !seen[n] {
				seen[n] = true
				out = append(out, n)
			}
		}
	}
	if len(out) == 0 {
		for i := 1; i <= len(c.asked); i++ {
			out = append(out, i)
		}
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

var names = []string{
	"Amandine", "Baptiste", "Camille", "Dylan", "Elodie", "Fatou", "Guillaume", "Hélène",
	"Ibrahim", "Julie", "Kevin", "Laura", "Mathis", "Nadia", "Olivier", "Pauline",
	"Rachid", "Sarah", "Thomas", "Valentin", "Yasmine", "Zoé", "Aurélien", "Brigitte",
}

// questionGroups are town-hall questions, French and English; each group
// holds paraphrases of one question.
var questionGroups = [][]string{
	{"Quand le périphérique sera-t-il limité à 50 km/h ?", "Le périphérique va passer à 50 km/h quand ?"},
	{"What is the plan for affordable childcare?", "What's your plan for affordable childcare?"},
	{"Pourquoi les cantines scolaires augmentent-elles leurs prix ?", "Pourquoi le prix des cantines augmente ?"},
	{"Will the night buses run on weekends?", "Are night buses going to run on weekends?"},
	{"Que prévoyez-vous pour les déserts médicaux ?", "Qu'allez-vous faire contre les déserts médicaux ?"},
	{"How will you fund the new sports centre?", "How is the new sports centre going to be funded?"},
	{"Les parcs resteront-ils ouverts la nuit en été ?", "Est-ce que les parcs resteront ouverts la nuit l'été ?"},
	{"Can you explain the new parking fees?", "Could you explain the new parking fees?"},
	{"Quelle place pour le vélo dans le nouveau plan de circulation ?"},
	{"What will happen to the old train station building?"},
	{"Comment lutter contre les logements vacants ?", "Comment comptez-vous lutter contre les logements vacants ?"},
	{"Will there be a referendum on the airport extension?", "Is there going to be a referendum on the airport extension?"},
	{"Les associations auront-elles plus de subventions ?"},
	{"How do you respond to the criticism about the budget deficit?"},
	{"Quand les travaux du pont seront-ils finis ?", "Les travaux du pont seront finis quand ?"},
	{"What are you doing to keep young people in the city?"},
	{"Y aura-t-il plus de composteurs dans les quartiers ?"},
	{"Will you publish the full audit of the water company?", "Are you going to publish the full audit of the water company?"},
	{"Comment améliorer l'accessibilité pour les personnes handicapées ?"},
	{"Why was the public consultation so short?"},
}

var chatLines = []string{
	"bonsoir de Villeurbanne", "hello from Manchester!", "merci pour le direct", "great stream",
	"le son coupe un peu", "audio is fine here", "👏👏", "bonne question", "+1", "d'accord avec ça",
	"first time here", "c'est en direct ?", "❤️", "vote 3", "!notacommand", "! q pas une question",
	"on peut voter pour plusieurs ?", "who's the moderator?", "trop bien ce format", "😂",
}

var spamLines = []string{
	"!q FREE SUBSCRIBERS at bit.ly/subs-subs-subs",
	"BUY VIEWS NOW bit.ly/views-views",
	"!q <script>alert('pwned')</script> gagnez un iPhone",
}
