package tribune

import (
	"context"
	"runtime"
)

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
	c.MessageID = ""
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

// run is the writer goroutine: the only one that changes the state.
func (s *Service) run() {
	defer close(s.done)
	if s.votesPending {
		// Now rather than at the first command, which would wait for it;
		// on failure commit tries again, batch by batch.
		if err := s.loadVotes(); err != nil {
			s.Logger.Error("cannot read the votes; commands wait for them", "err", err)
			s.SetHealth(HealthStorage, "votes unreadable")
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
			s.SetHealth(HealthStorage, "votes unreadable")
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
	storage := s.health[HealthStorage]
	s.mu.Unlock()
	switch {
	case err != nil:
		s.SetHealth(HealthStorage, storageState(err))
	case len(tx.changes) > 0 && storage != HealthOK:
		s.SetHealth(HealthStorage, HealthOK)
	}
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

// storageState names what is wrong with a store that refused a batch: the
// message of an EUNAVAILABLE error, which a Store words for people
// ("read-only", "disk full"), else "failing".
func storageState(err error) string {
	if ErrorCode(err) == EUNAVAILABLE {
		return ErrorMessage(err)
	}
	return "failing"
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
