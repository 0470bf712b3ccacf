package tribune

import (
	"context"
	"fmt"
	"log/slog"
	"maps"
	"slices"
	"strings"
	"sync"
	"time"
)

// Defaults of the Service's rules.
const (
	DefaultReportThreshold = 3
	DefaultRateInterval    = 30 * time.Second
	DefaultSessionCap      = 5
	DefaultMaxBatch        = 512
)

// Matcher finds near-duplicates among open questions. The Service holds its
// own lock while it calls a Matcher, so implementations need no locking, but
// they run on the write path and must be fast.
type Matcher interface {
	// Add indexes question id; ids are the Service's question numbers,
	// 1 to n.
	Add(id int, text string)
	Remove(id int)
	// Match returns the id of a question that text repeats.
	Match(text string) (id int, ok bool)
	// Wait returns once Match would not have to wait for indexing, or
	// when ctx ends. A Matcher that indexes in the background (after a
	// restart, a whole session at once) makes Ask wait here, outside the
	// Service's lock, rather than hold up every command in Match.
	Wait(ctx context.Context) error
}

// WordFilter finds banned words in a text.
type WordFilter interface {
	// Find returns the first banned word of text, given as it was
	// received (before CleanText), so that it reads what a screen draws.
	Find(text string) (word string, found bool)
}

// Service applies every command. It is the only place that changes state:
// it validates against the state it keeps in memory, persists through the
// Store, and publishes Events only after the Store has committed.
//
// Commands are queued to one writer goroutine (writer.go) that applies as
// many as are waiting and commits them in one transaction (group commit),
// so a storm of votes costs one transaction per batch, not one per vote. A
// command returns only after its batch is durable. Reads take a read lock
// and never see a change that is not yet committed.
//
// The Service knows no platform: sources (Twitch, YouTube, the ask page)
// call it with an Actor whose identity is (Source, UserID), and the same
// rules hold for all of them.
type Service struct {
	Store Store
	// Channel names the meeting: its session is the open session of this
	// channel (the first Twitch channel of a co-stream, say).
	Channel string
	// SessionTitle starts a new session with that title unless the open
	// session already has it; empty continues the open session.
	SessionTitle    string
	Premoderate     bool
	ReportThreshold int
	RateInterval    time.Duration // minimum time between two questions of one viewer
	SessionCap      int           // questions per viewer per session
	MaxBatch        int           // commands per transaction at most
	Matcher         Matcher       // optional: near-duplicate detection
	Words           WordFilter    // optional: banned words
	Now             func() time.Time
	Logger          *slog.Logger

	hub  *Hub
	cmds chan *command
	quit chan struct{}
	done chan struct{}

	mu        sync.RWMutex // guards everything below; the writer holds it through each commit
	session   Session
	questions questionTable
	users     userTable
	votes     map[voteKey]struct{}
	// moved holds, for the few votes a merge moved, the question each came
	// from. Beside every vote it would make the vote map half as big again
	// (24 bytes a vote instead of 16; 100 000 questions bring as many votes
	// and more), and the memory budget has little headroom.
	moved   map[voteKey]int32
	reports map[voteKey]struct{}
	bans    map[string]Ban // by banKeys
	log     []LogEntry
	onAir   int
	health  map[string]string
	// votesPending is true until the writer has loaded the votes; only
	// the writer reads or changes it once Open has returned.
	votesPending bool
}

var _ Moderation = (*Service)(nil)

// NewService returns a Service with the design's defaults.
func NewService(store Store, channel string) *Service {
	return &Service{
		Store:           store,
		Channel:         strings.ToLower(strings.TrimPrefix(channel, "#")),
		Premoderate:     true,
		ReportThreshold: DefaultReportThreshold,
		RateInterval:    DefaultRateInterval,
		SessionCap:      DefaultSessionCap,
		MaxBatch:        DefaultMaxBatch,
		Now:             time.Now,
		Logger:          slog.Default(),
		hub:             NewHub(),
		health:          map[string]string{},
	}
}

// Open starts or continues the channel's session, loads it, and starts the
// writer.
func (s *Service) Open(ctx context.Context) error {
	if s.Channel == "" {
		return Errorf(EINVALID, ReasonInvalidRequest, "channel is required")
	}
	sess, err := s.Store.OpenSession(ctx, s.Channel, s.SessionTitle, s.Now())
	if err != nil {
		return fmt.Errorf("open session of %s: %w", s.Channel, err)
	}
	// The votes are read by the writer before its first command: reads,
	// which need no votes, are served meanwhile.
	if err := s.load(ctx, sess.ID); err != nil {
		return err
	}
	s.health[HealthStorage] = HealthOK
	s.cmds = make(chan *command, 4*s.MaxBatch)
	s.quit = make(chan struct{})
	s.done = make(chan struct{})
	go s.run()
	return nil
}

// load replaces the in-memory state with the stored one but the votes,
// which loadVotes reads before the next command. The caller holds s.mu or
// owns s exclusively.
func (s *Service) load(ctx context.Context, id int64) error {
	st, err := s.Store.LoadQueue(ctx, id)
	if err != nil {
		return fmt.Errorf("load session %d: %w", id, err)
	}
	bans, err := s.Store.Bans(ctx, s.Channel)
	if err != nil {
		return fmt.Errorf("load bans of %s: %w", s.Channel, err)
	}
	s.bans = make(map[string]Ban, len(bans))
	for _, b := range bans {
		for _, k := range banKeys(b) {
			s.bans[k] = b
		}
	}
	old := s.questions.len()
	s.session = st.Session
	s.questions = newQuestionTable(st.Session.ID, len(st.Questions))
	s.users = newUserTable(len(st.Questions))
	s.votes, s.moved = nil, map[voteKey]int32{}
	s.votesPending = true
	s.reports = make(map[voteKey]struct{}, len(st.Reports))
	s.onAir = 0
	if s.Matcher != nil {
		// A reload (after a failed commit) forgets what the lost batch
		// indexed; a first load has nothing to forget.
		for id := 1; id <= old; id++ {
			s.Matcher.Remove(id)
		}
	}
	joined := joinFields(st.Questions)
	for i := range st.Questions {
		q := &st.Questions[i]
		if q.ID != s.questions.len()+1 {
			return fmt.Errorf("load session %d: question %d out of sequence", id, q.ID)
		}
		s.questions.putJoined(q, joined[i])
		author := s.users.add(q.AuthorIdentity())
		a := s.users.asks[author]
		a.n++
		if a.latest == 0 || q.Created.UnixNano() >= s.questions.created(int(a.latest)) {
			a.latest = int32(q.ID)
		}
		s.users.asks[author] = a
		if q.Status == StatusOnAir {
			s.onAir = q.ID
		}
	}
	for _, r := range st.Reports {
		s.reports[pair(r.QuestionID, s.users.add(Identity{r.Source, r.ReporterID}))] = struct{}{}
	}
	s.log = st.Log
	if s.Matcher != nil {
		// Last, so that a Matcher that indexes in the background does not
		// compete with the load.
		for id := 1; id <= s.questions.len(); id++ {
			if q := s.questions.get(id); matchable(q.Status) {
				s.Matcher.Add(id, q.Text)
			}
		}
	}
	return nil
}

// loadVotes reads the votes of the session, which load leaves to the
// writer. It runs on the writer goroutine, and holds s.mu only while it
// fills the map.
func (s *Service) loadVotes() error {
	votes, err := s.Store.LoadVotes(context.Background(), s.session.ID)
	if err != nil {
		return fmt.Errorf("load votes of session %d: %w", s.session.ID, err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.votes = make(map[voteKey]struct{}, len(votes))
	for _, v := range votes {
		s.putVote(pair(v.QuestionID, s.users.add(v.Voter())), v.Via)
	}
	s.votesPending = false
	return nil
}

// matchable reports whether new questions are compared with a question of
// this status: hidden ones are excluded so that a reported question cannot
// swallow new ones.
func matchable(st Status) bool {
	return st == StatusPending || st == StatusApproved || st == StatusOnAir
}

// Close stops the writer after the queued commands are applied.
func (s *Service) Close() error {
	if s.quit == nil {
		return nil
	}
	select {
	case <-s.quit:
	default:
		close(s.quit)
	}
	<-s.done
	return nil
}

// Subscribe returns a subscription to every event, with the default buffer.
func (s *Service) Subscribe(context.Context) (*Subscription, error) {
	return s.hub.Subscribe(DefaultSubscriptionBuffer), nil
}

// question returns a copy of question id for a command to change and put
// back (txn.put).
func (s *Service) question(id int) (*Question, error) {
	if !s.questions.has(id) {
		return nil, Errorf(ENOTFOUND, ReasonUnknown, "no question #%d", id).With("id", id)
	}
	q := s.questions.get(id)
	return &q, nil
}

// Get returns question id of the current session. ENOTFOUND if unknown.
func (s *Service) Get(id int) (Question, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	q, err := s.question(id)
	if err != nil {
		return Question{}, err
	}
	return *q, nil
}

// Session returns the current session.
func (s *Service) Session(context.Context) (Session, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.session, nil
}

// Questions returns the questions of the current session with status st, or
// all of them when st is empty, in id order.
func (s *Service) Questions(_ context.Context, st Status) ([]Question, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	n := s.questions.len()
	out := make([]Question, 0, n)
	for id := 1; id <= n; id++ {
		if st == "" || s.questions.status(id) == st {
			out = append(out, s.questions.get(id))
		}
	}
	return out, nil
}

// Counts returns how many questions of the current session have each
// status.
func (s *Service) Counts() map[Status]int {
	s.mu.RLock()
	defer s.mu.RUnlock()
	out := make(map[Status]int, len(Statuses))
	for id := 1; id <= s.questions.len(); id++ {
		out[s.questions.status(id)]++
	}
	return out
}

// OnAir returns the question on air, if any.
func (s *Service) OnAir() (Question, bool) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if s.onAir == 0 {
		return Question{}, false
	}
	return s.questions.get(s.onAir), true
}

// Top returns the n most-voted visible questions, most votes first, older
// first among equals.
func (s *Service) Top(n int) []Question {
	s.mu.RLock()
	defer s.mu.RUnlock()
	ids := s.top(n, func(st Status) bool { return st.Visible() })
	out := make([]Question, len(ids))
	for i, id := range ids {
		out[i] = s.questions.get(id)
	}
	return out
}

// top returns the ids of the n most-voted questions whose status keep
// accepts, most votes first, older first among equals. A bounded insertion
// keeps this O(questions × n): the overlay asks for the top five of a
// queue that may hold 100 000 questions. The caller holds s.mu.
func (s *Service) top(n int, keep func(Status) bool) []int {
	if n <= 0 {
		return nil
	}
	qs := &s.questions
	top := make([]int, 0, n+1)
	for id := 1; id <= qs.len(); id++ {
		votes := qs.votes(id)
		if (len(top) == n && votes <= qs.votes(top[n-1])) || !keep(qs.status(id)) {
			continue
		}
		i, _ := slices.BinarySearchFunc(top, votes, func(t, votes int) int {
			if qs.votes(t) >= votes {
				return -1 // equal votes: the older question stays ahead
			}
			return 1
		})
		top = slices.Insert(top, i, id)
		if len(top) > n {
			top = top[:n]
		}
	}
	return top
}

// Banned reports whether a is banned in the meeting.
func (s *Service) Banned(a Actor) bool {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.isBanned(a)
}

// Log returns the moderation log of the current session, oldest first.
func (s *Service) Log() []LogEntry {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return slices.Clone(s.log)
}

// Health components. Sources add their own ("twitch #channel", "youtube",
// "ask", "obs").
const (
	HealthChat    = "chat"
	HealthOverlay = "overlay"
	// HealthStorage is HealthOK while the store commits, else what is
	// wrong with it ("read-only", "disk full", …).
	HealthStorage = "storage"
)

// HealthOK is the state of a component that works.
const HealthOK = "ok"

// CannotRecord returns, as "part: state", the parts of health without
// which the meeting cannot record: storage, when it is not HealthOK (a
// meeting whose storage reports nothing is not open). With chat down the
// ask page and the console still take questions; once storage refuses
// writes, nothing is kept. /healthz answers 503 with these lines.
func CannotRecord(health map[string]string) []string {
	st, ok := health[HealthStorage]
	switch {
	case !ok:
		return []string{HealthStorage + ": not open"}
	case st != HealthOK:
		return []string{HealthStorage + ": " + st}
	}
	return nil
}

// SetHealth records the state of a component (chat: "connected",
// "reconnecting", …; overlay: the number of clients) for consoles, and
// publishes it when it changed. It is presence, not meeting state: it is
// not stored.
func (s *Service) SetHealth(component, state string) {
	s.mu.Lock()
	changed := s.health[component] != state
	s.health[component] = state
	s.mu.Unlock()
	if changed {
		s.hub.Publish(Event{Type: EventHealth, Health: map[string]string{component: state}})
	}
}

// Health returns the last state of every component.
func (s *Service) Health(context.Context) (map[string]string, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return maps.Clone(s.health), nil
}
