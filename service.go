package tribune

import (
	"cmp"
	"context"
	"fmt"
	"log/slog"
	"runtime"
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
	// Find returns the first banned word of text.
	Find(text string) (word string, found bool)
}

// Service applies every command. It is the only place that changes state:
// it validates against the state it keeps in memory, persists through the
// Store, and publishes Events only after the Store has committed.
//
// Commands are queued to one writer goroutine that applies as many as are
// waiting and commits them in one transaction (group commit), so a storm of
// votes costs one transaction per batch, not one per vote. A command returns
// only after its batch is durable. Reads take a read lock and never see a
// change that is not yet committed.
type Service struct {
	Store   Store
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
	votes     map[voteKey]int32 // the question a merge moved it from, or 0
	reports   map[voteKey]struct{}
	bans      map[string]Ban
	log       []LogEntry
	onAir     int
	health    map[string]string
	// votesPending is true until the writer has loaded the votes; only
	// the writer reads or changes it once Open has returned.
	votesPending bool
}

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
		s.bans[b.Login] = b
	}
	old := s.questions.len()
	s.session = st.Session
	s.questions = newQuestionTable(st.Session.ID, len(st.Questions))
	s.users = newUserTable(len(st.Questions))
	s.votes = nil
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
	for i := range st.Questions {
		q := &st.Questions[i]
		if q.ID != s.questions.len()+1 {
			return fmt.Errorf("load session %d: question %d out of sequence", id, q.ID)
		}
		s.questions.put(q)
		author := s.users.add(q.AuthorID)
		a := s.users.asks[author]
		a.n++
		a.last = max(a.last, q.Created.UnixNano())
		s.users.asks[author] = a
		if q.Status == StatusOnAir {
			s.onAir = q.ID
		}
	}
	for _, r := range st.Reports {
		s.reports[pair(r.QuestionID, s.users.add(r.ReporterID))] = struct{}{}
	}
	s.log = st.Log
	if s.Matcher != nil {
		// Last, so that a Matcher that indexes in the background (bot.Matcher
		// does, and finishes before its next Match) does not compete with
		// the load.
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
	s.votes = make(map[voteKey]int32, len(votes))
	for _, v := range votes {
		s.votes[pair(v.QuestionID, s.users.add(v.VoterID))] = int32(v.Via)
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
func (s *Service) Subscribe() *Subscription { return s.hub.Subscribe(DefaultSubscriptionBuffer) }

// command is one queued state change. fn runs on the writer goroutine with
// s.mu held; it must validate fully before it changes anything, so that a
// refused command leaves no trace.
type command struct {
	fn    func(tx *txn) (Question, error)
	q     Question
	err   error
	ready chan struct{}
}

// txn collects the durable changes and the events of one batch.
type txn struct {
	s       *Service
	changes []Change
	events  []Event
	// track, when not nil, keeps the state of each question before a
	// moderator's command first changed it: the "before" of its log entry.
	track map[int]Question
}

// save remembers q as it is, before a change, when the command is tracked.
func (tx *txn) save(q *Question) {
	if tx.track == nil {
		return
	}
	if _, ok := tx.track[q.ID]; !ok {
		tx.track[q.ID] = *q
	}
}

// put writes q back to the Service's table and records its change and
// event: every change to a question ends here.
func (tx *txn) put(q *Question, ev EventType) {
	tx.s.questions.put(q)
	tx.changes = append(tx.changes, Change{Kind: PutQuestion, Question: *q})
	c := *q
	tx.events = append(tx.events, Event{Type: ev, Question: &c})
}

// do queues fn and waits until its batch is committed.
func (s *Service) do(ctx context.Context, fn func(tx *txn) (Question, error)) (Question, error) {
	if s.cmds == nil {
		return Question{}, Errorf(EUNAVAILABLE, ReasonStorage, "service is not open")
	}
	c := &command{fn: fn, ready: make(chan struct{})}
	select {
	case s.cmds <- c:
	case <-s.quit:
		return Question{}, Errorf(EUNAVAILABLE, ReasonStorage, "service is shutting down")
	case <-ctx.Done():
		return Question{}, ctx.Err()
	}
	select {
	case <-c.ready:
		return c.q, c.err
	case <-ctx.Done():
		// The command may still commit; it was not acknowledged, which is
		// what matters to the caller.
		return Question{}, ctx.Err()
	}
}

func (s *Service) run() {
	defer close(s.done)
	if s.votesPending {
		// Now rather than at the first command, which would wait for it;
		// on failure commit tries again, batch by batch.
		if err := s.loadVotes(); err != nil {
			s.Logger.Error("cannot read the votes; commands wait for them", "err", err)
		}
	}
	batch := make([]*command, 0, s.MaxBatch)
	for {
		batch = batch[:0]
		select {
		case c := <-s.cmds:
			batch = append(batch, c)
		case <-s.quit:
			// Finish what was queued before the quit.
			for {
				select {
				case c := <-s.cmds:
					s.commit([]*command{c})
				default:
					return
				}
			}
		}
	fill:
		for yields := 0; len(batch) < s.MaxBatch; {
			select {
			case c := <-s.cmds:
				batch = append(batch, c)
			default:
				// The callers the last commit released have not run yet:
				// let them queue their next commands, so that a storm
				// commits tens of votes per transaction, not three. A
				// yield costs microseconds, a transaction hundreds.
				if yields < 3 {
					yields++
					runtime.Gosched()
					continue
				}
				break fill
			}
		}
		s.commit(batch)
	}
}

// commit applies a batch, makes it durable, then wakes its callers and
// publishes its events.
func (s *Service) commit(batch []*command) {
	if s.votesPending {
		if err := s.loadVotes(); err != nil {
			s.Logger.Error("cannot read the votes; nothing in the batch is applied", "commands", len(batch), "err", err)
			for _, c := range batch {
				c.q, c.err = Question{}, &Error{Code: EUNAVAILABLE, Reason: ReasonStorage,
					Message: "storage cannot be read; nothing was saved", Err: err}
				close(c.ready)
			}
			return
		}
	}
	tx := &txn{s: s}
	s.mu.Lock()
	for _, c := range batch {
		nc, ne := len(tx.changes), len(tx.events)
		before := s.onAir
		c.q, c.err = c.fn(tx)
		if c.err != nil {
			tx.changes, tx.events = tx.changes[:nc], tx.events[:ne]
			continue
		}
		s.onAirEvents(tx, before, ne)
	}
	var err error
	if len(tx.changes) > 0 {
		err = s.Store.Apply(context.Background(), tx.changes)
	}
	if err != nil {
		s.Logger.Error("store refused a batch; nothing in it is acknowledged", "commands", len(batch), "err", err)
		// The votes are read again before the next batch.
		if lerr := s.load(context.Background(), s.session.ID); lerr != nil {
			s.Logger.Error("reload after a failed commit", "err", lerr)
		}
	}
	s.mu.Unlock()
	if err == nil {
		s.hub.Publish(tx.events...)
	}
	for _, c := range batch {
		if err != nil && c.err == nil {
			c.q, c.err = Question{}, &Error{Code: EUNAVAILABLE, Reason: ReasonStorage,
				Message: "storage refused the change; nothing was saved", Err: err}
		}
		close(c.ready)
	}
}

// onAirEvents adds onair/offair events for the command whose events start
// at index from: when the on-air question changed, or was itself changed.
func (s *Service) onAirEvents(tx *txn, before, from int) {
	if s.onAir != before {
		if s.onAir == 0 {
			tx.events = append(tx.events, Event{Type: EventOffAir})
			return
		}
	} else if s.onAir == 0 {
		return
	} else {
		touched := false
		for _, e := range tx.events[from:] {
			if e.Question != nil && e.Question.ID == s.onAir {
				touched = true
			}
		}
		if !touched {
			return
		}
	}
	q := s.questions.get(s.onAir)
	tx.events = append(tx.events, Event{Type: EventOnAir, Question: &q})
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

func (s *Service) banned(a Actor) bool {
	_, ok := s.bans[strings.ToLower(a.Login)]
	return ok && !a.Privileged()
}

// AskResult tells what became of a submitted question.
type AskResult struct {
	Question Question
	// Duplicate is true when the text repeated an open question: the
	// asker's vote was added to it (Voted) instead of a new question.
	Duplicate bool
	Voted     bool
}

// Ask submits a question from a viewer. A near-duplicate of an open question
// becomes a vote on it. Refusals: EINVALID (ReasonEmpty, ReasonTooLong,
// ReasonBannedWord), EFORBIDDEN (ReasonBanned), ERATELIMIT (ReasonTooFast
// with "wait" seconds, ReasonSessionCap with "max").
func (s *Service) Ask(ctx context.Context, a Actor, text string) (AskResult, error) {
	clean, err := ValidateQuestionText(text)
	if err != nil {
		return AskResult{}, err
	}
	if a.UserID == "" {
		return AskResult{}, Errorf(EINVALID, ReasonInvalidRequest, "a question needs its author's user id")
	}
	if s.Words != nil {
		if w, found := s.Words.Find(clean); found {
			return AskResult{}, Errorf(EINVALID, ReasonBannedWord, "question contains a banned word").With("word", w)
		}
	}
	if s.Matcher != nil {
		if err := s.Matcher.Wait(ctx); err != nil {
			return AskResult{}, err
		}
	}
	var res AskResult
	q, err := s.do(ctx, func(tx *txn) (Question, error) {
		if s.banned(a) {
			return Question{}, Errorf(EFORBIDDEN, ReasonBanned, "%s is banned", a.Name())
		}
		if s.Matcher != nil {
			if id, ok := s.Matcher.Match(clean); ok && s.questions.has(id) {
				dup, _ := s.question(id)
				res.Duplicate = true
				if _, voted := s.vote(dup.ID, a.UserID); !voted {
					s.addVote(tx, dup, a.UserID, 0)
					res.Voted = true
				}
				return *dup, nil
			}
		}
		now := s.Now()
		if !a.Privileged() {
			var prev asks
			author, asked := s.users.find(a.UserID)
			if asked {
				prev, asked = s.users.asks[author]
			}
			if s.SessionCap > 0 && int(prev.n) >= s.SessionCap {
				return Question{}, Errorf(ERATELIMIT, ReasonSessionCap, "%s has asked %d questions, the most allowed in a session", a.Name(), s.SessionCap).With("max", s.SessionCap)
			}
			if last := time.Unix(0, prev.last); asked && s.RateInterval > 0 && now.Sub(last) < s.RateInterval {
				wait := int((s.RateInterval - now.Sub(last) + time.Second - 1) / time.Second)
				return Question{}, Errorf(ERATELIMIT, ReasonTooFast, "%s must wait %d s before asking again", a.Name(), wait).With("wait", wait)
			}
		}
		status := StatusApproved
		if !a.Privileged() && (s.Premoderate || a.FirstMessage) {
			status = StatusPending
		}
		q := &Question{
			ID: s.questions.len() + 1, SessionID: s.session.ID, Text: clean,
			Author: a.Name(), AuthorLogin: strings.ToLower(a.Login), AuthorID: a.UserID,
			Source: cmp.Or(a.Source, SourceTwitch), Created: now, Status: status, Votes: 1,
		}
		author := s.users.add(a.UserID)
		rec := s.users.asks[author]
		rec.n++
		rec.last = now.UnixNano()
		s.users.asks[author] = rec
		s.votes[pair(q.ID, author)] = 0
		tx.put(q, EventCreated)
		tx.changes = append(tx.changes, Change{Kind: PutVote, Vote: Vote{SessionID: q.SessionID, QuestionID: q.ID, VoterID: a.UserID, Created: now}})
		if s.Matcher != nil {
			s.Matcher.Add(q.ID, q.Text)
		}
		return *q, nil
	})
	if err != nil {
		return AskResult{}, err
	}
	res.Question = q
	return res, nil
}

// addVote records a vote and the question's new count. via is the question
// a merge moved the vote from, or 0.
func (s *Service) addVote(tx *txn, q *Question, voter string, via int) {
	s.votes[pair(q.ID, s.users.add(voter))] = int32(via)
	q.Votes++
	tx.changes = append(tx.changes, Change{Kind: PutVote, Vote: Vote{SessionID: q.SessionID, QuestionID: q.ID, VoterID: voter, Via: via, Created: s.Now()}})
	tx.put(q, EventVoted)
}

func (s *Service) removeVote(tx *txn, q *Question, voter string) {
	if n, ok := s.users.find(voter); ok {
		delete(s.votes, pair(q.ID, n))
	}
	q.Votes--
	tx.changes = append(tx.changes, Change{Kind: DeleteVote, Vote: Vote{SessionID: q.SessionID, QuestionID: q.ID, VoterID: voter}})
	tx.put(q, EventVoted)
}

// vote returns the vote of user voter on question q, if any: via is the
// question a merge moved it from, or 0.
func (s *Service) vote(q int, voter string) (via int, ok bool) {
	n, known := s.users.find(voter)
	if !known {
		return 0, false
	}
	v, ok := s.votes[pair(q, n)]
	return int(v), ok
}

// visible returns the question a viewer means by id: merged questions lead
// to the question they were merged into. ENOTFOUND for unknown numbers and
// questions viewers cannot see.
func (s *Service) visible(id int) (*Question, error) {
	q, err := s.question(id)
	if err != nil {
		return nil, err
	}
	for i := 0; q.Status == StatusMerged && q.MergedInto != 0 && i < 8; i++ {
		if q, err = s.question(q.MergedInto); err != nil {
			return nil, err
		}
	}
	if !q.Status.Visible() {
		return nil, Errorf(ENOTFOUND, ReasonNotVisible, "question #%d is not open for votes", id).With("id", id)
	}
	return q, nil
}

// Vote adds a viewer's vote. Refusals: ENOTFOUND (ReasonUnknown,
// ReasonNotVisible), ECONFLICT (ReasonAlreadyVoted), EFORBIDDEN (ReasonBanned).
func (s *Service) Vote(ctx context.Context, a Actor, id int) (Question, error) {
	if a.UserID == "" {
		return Question{}, Errorf(EINVALID, ReasonInvalidRequest, "a vote needs the voter's user id")
	}
	return s.do(ctx, func(tx *txn) (Question, error) {
		if s.banned(a) {
			return Question{}, Errorf(EFORBIDDEN, ReasonBanned, "%s is banned", a.Name())
		}
		q, err := s.visible(id)
		if err != nil {
			return Question{}, err
		}
		if _, ok := s.vote(q.ID, a.UserID); ok {
			return Question{}, Errorf(ECONFLICT, ReasonAlreadyVoted, "%s already voted for #%d", a.Name(), q.ID).With("id", q.ID)
		}
		s.addVote(tx, q, a.UserID, 0)
		return *q, nil
	})
}

// Unvote withdraws a viewer's vote. Refusals: ENOTFOUND, ECONFLICT
// (ReasonNotVoted).
func (s *Service) Unvote(ctx context.Context, a Actor, id int) (Question, error) {
	if a.UserID == "" {
		return Question{}, Errorf(EINVALID, ReasonInvalidRequest, "a vote needs the voter's user id")
	}
	return s.do(ctx, func(tx *txn) (Question, error) {
		q, err := s.visible(id)
		if err != nil {
			return Question{}, err
		}
		if _, ok := s.vote(q.ID, a.UserID); !ok {
			return Question{}, Errorf(ECONFLICT, ReasonNotVoted, "%s has no vote on #%d", a.Name(), q.ID).With("id", q.ID)
		}
		s.removeVote(tx, q, a.UserID)
		return *q, nil
	})
}

// Withdraw lets an author take back an open question. Refusals: ENOTFOUND,
// EFORBIDDEN (ReasonNotAuthor), ECONFLICT (ReasonBadTransition).
func (s *Service) Withdraw(ctx context.Context, a Actor, id int) (Question, error) {
	return s.do(ctx, func(tx *txn) (Question, error) {
		q, err := s.question(id)
		if err != nil {
			return Question{}, err
		}
		if q.AuthorID != a.UserID || a.UserID == "" {
			return Question{}, Errorf(EFORBIDDEN, ReasonNotAuthor, "only its author can withdraw #%d", id).With("id", id)
		}
		if !q.Status.Open() {
			return Question{}, Errorf(ECONFLICT, ReasonBadTransition, "#%d is %s and cannot be withdrawn", id, q.Status).With("id", id).With("status", string(q.Status))
		}
		s.setStatus(tx, q, StatusWithdrawn)
		return *q, nil
	})
}

// Report flags a question as abusive. At ReportThreshold distinct reporters
// it is hidden until a moderator decides. Refusals: ENOTFOUND, ECONFLICT
// (ReasonAlreadyReport), EFORBIDDEN (ReasonBanned).
func (s *Service) Report(ctx context.Context, a Actor, id int) (Question, error) {
	if a.UserID == "" {
		return Question{}, Errorf(EINVALID, ReasonInvalidRequest, "a report needs the reporter's user id")
	}
	return s.do(ctx, func(tx *txn) (Question, error) {
		if s.banned(a) {
			return Question{}, Errorf(EFORBIDDEN, ReasonBanned, "%s is banned", a.Name())
		}
		q, err := s.visible(id)
		if err != nil {
			return Question{}, err
		}
		if n, ok := s.users.find(a.UserID); ok {
			if _, ok := s.reports[pair(q.ID, n)]; ok {
				return Question{}, Errorf(ECONFLICT, ReasonAlreadyReport, "%s already reported #%d", a.Name(), q.ID).With("id", q.ID)
			}
		}
		s.reports[pair(q.ID, s.users.add(a.UserID))] = struct{}{}
		q.Reports++
		tx.changes = append(tx.changes, Change{Kind: PutReport, Report: Report{SessionID: q.SessionID, QuestionID: q.ID, ReporterID: a.UserID, Created: s.Now()}})
		if s.ReportThreshold > 0 && q.Reports >= s.ReportThreshold {
			s.setStatus(tx, q, StatusHidden)
		} else {
			tx.put(q, EventUpdated)
		}
		return *q, nil
	})
}

// setStatus moves q to st, keeping the on-air slot and the matcher in step.
func (s *Service) setStatus(tx *txn, q *Question, st Status) {
	tx.save(q)
	if st == StatusOnAir && s.onAir != 0 && s.onAir != q.ID {
		// At most one question is on air: the one showing steps down.
		on := s.questions.get(s.onAir)
		s.setStatus(tx, &on, StatusApproved)
	}
	if q.Status == StatusOnAir && st != StatusOnAir && s.onAir == q.ID {
		s.onAir = 0
	}
	if st == StatusOnAir {
		s.onAir = q.ID
	}
	if s.Matcher != nil && matchable(q.Status) != matchable(st) {
		if matchable(st) {
			s.Matcher.Add(q.ID, q.Text)
		} else {
			s.Matcher.Remove(q.ID)
		}
	}
	q.Status = st
	tx.put(q, EventUpdated)
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
func (s *Service) Session() Session {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.session
}

// Questions returns the questions of the current session with status st, or
// all of them when st is empty, in id order.
func (s *Service) Questions(st Status) []Question {
	s.mu.RLock()
	defer s.mu.RUnlock()
	n := s.questions.len()
	out := make([]Question, 0, n)
	for id := 1; id <= n; id++ {
		if st == "" || s.questions.status(id) == st {
			out = append(out, s.questions.get(id))
		}
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
	if n <= 0 {
		return nil
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	// A bounded insertion keeps this O(questions × n): the overlay asks
	// for the top five of a queue that may hold 100 000 questions.
	qs := &s.questions
	top := make([]int, 0, n+1) // ids
	for id := 1; id <= qs.len(); id++ {
		votes := qs.votes(id)
		if (len(top) == n && votes <= qs.votes(top[n-1])) || !qs.status(id).Visible() {
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
	out := make([]Question, len(top))
	for i, id := range top {
		out[i] = qs.get(id)
	}
	return out
}

// Banned reports whether login is banned in the channel.
func (s *Service) Banned(login string) bool {
	s.mu.RLock()
	defer s.mu.RUnlock()
	_, ok := s.bans[strings.ToLower(login)]
	return ok
}

// Log returns the moderation log of the current session, oldest first.
func (s *Service) Log() []LogEntry {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return slices.Clone(s.log)
}

// Health components.
const (
	HealthChat    = "chat"
	HealthOverlay = "overlay"
)

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
func (s *Service) Health() map[string]string {
	s.mu.RLock()
	defer s.mu.RUnlock()
	out := make(map[string]string, len(s.health))
	for k, v := range s.health {
		out[k] = v
	}
	return out
}
