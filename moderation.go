package tribune

import (
	"context"
	"slices"
	"strings"
	"unicode/utf8"
)

type actorKey struct{}

// NewContext returns ctx carrying the moderator who issues the commands
// made with it. Adapters set it from their own notion of identity.
func NewContext(ctx context.Context, a Actor) context.Context {
	return context.WithValue(ctx, actorKey{}, a)
}

// ConsoleActor is the moderator of commands whose context names none.
var ConsoleActor = Actor{Login: "console", DisplayName: "console", Moderator: true, Source: SourceConsole}

// ActorFromContext returns the moderator set by NewContext, or ConsoleActor.
func ActorFromContext(ctx context.Context) Actor {
	if a, ok := ctx.Value(actorKey{}).(Actor); ok {
		return a
	}
	return ConsoleActor
}

// Moderation is what a console needs from Tribune: the moderator's commands,
// the state to show, and the events that change it. The Service implements
// it in one process; a control API client implements it remotely. The
// moderator is read from the context (NewContext).
type Moderation interface {
	Session(ctx context.Context) (Session, error)
	// Questions returns the questions with status st, or all when st is "".
	Questions(ctx context.Context, st Status) ([]Question, error)
	Approve(ctx context.Context, id int) (Question, error)
	Reject(ctx context.Context, id int) (Question, error)
	// RejectMany rejects every open question of ids in one action, which
	// one Undo reverses: a wave of near-identical questions at once.
	RejectMany(ctx context.Context, ids []int) ([]Question, error)
	Show(ctx context.Context, id int) (Question, error)
	// Next puts the most-voted approved question on air.
	Next(ctx context.Context) (Question, error)
	HideOverlay(ctx context.Context) (Question, error)
	Answer(ctx context.Context, id int) (Question, error)
	Restore(ctx context.Context, id int) (Question, error)
	Merge(ctx context.Context, id, into int) (Question, error)
	Edit(ctx context.Context, id int, text string) (Question, error)
	Label(ctx context.Context, id int, label string) (Question, error)
	// Ban bans a viewer: a Twitch login, or "source:id" (BanTarget).
	Ban(ctx context.Context, target string) (Ban, error)
	Undo(ctx context.Context) (LogEntry, error)
	// Health returns the state of chat, overlay, storage and the sources.
	Health(ctx context.Context) (map[string]string, error)
	// Subscribe returns every event from now on. A remote implementation
	// sends EventResync after it reconnects.
	Subscribe(ctx context.Context) (*Subscription, error)
}

// moderate runs a moderator's command and logs it with the state of every
// question it changed, before and after, so that Undo can reverse it.
func (s *Service) moderate(ctx context.Context, action Action, id int, fn func(tx *txn, e *LogEntry) (Question, error)) (Question, error) {
	mod := ActorFromContext(ctx)
	return s.do(ctx, func(tx *txn) (Question, error) {
		tx.track = map[int]Question{}
		defer func() { tx.track = nil }()
		e := LogEntry{SessionID: s.session.ID, At: s.Now(), Moderator: mod.Name(), Action: action, QuestionID: id}
		q, err := fn(tx, &e)
		if err != nil {
			return Question{}, err
		}
		ids := make([]int, 0, len(tx.track))
		for qid := range tx.track {
			ids = append(ids, qid)
		}
		slices.Sort(ids)
		for _, qid := range ids {
			e.Before = append(e.Before, tx.track[qid])
			e.After = append(e.After, s.questions.get(qid))
		}
		s.appendLog(tx, e)
		return q, nil
	})
}

func (s *Service) appendLog(tx *txn, e LogEntry) {
	e.ID = int64(len(s.log) + 1)
	s.log = append(s.log, e)
	tx.changes = append(tx.changes, Change{Kind: PutLog, Log: e})
}

// transition moves question id to st if its status is one of from.
func (s *Service) transition(ctx context.Context, action Action, id int, st Status, from ...Status) (Question, error) {
	return s.moderate(ctx, action, id, func(tx *txn, _ *LogEntry) (Question, error) {
		q, err := s.question(id)
		if err != nil {
			return Question{}, err
		}
		if !slices.Contains(from, q.Status) {
			return Question{}, badTransition(q, action)
		}
		s.setStatus(tx, q, st)
		return *q, nil
	})
}

func badTransition(q *Question, action Action) *Error {
	return Errorf(ECONFLICT, ReasonBadTransition, "cannot %s #%d: it is %s", action, q.ID, q.Status).
		With("id", q.ID).With("status", string(q.Status))
}

// setStatus moves q to st, keeping the on-air slot, the time on air and
// the matcher in step.
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
		if q.Status != StatusOnAir {
			q.Aired = s.Now()
		}
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

// rejectable are the statuses Reject and RejectMany act on.
var rejectable = []Status{StatusPending, StatusApproved, StatusOnAir, StatusHidden}

// Approve makes a pending or hidden question visible. ENOTFOUND, ECONFLICT.
func (s *Service) Approve(ctx context.Context, id int) (Question, error) {
	return s.transition(ctx, ActionApprove, id, StatusApproved, StatusPending, StatusHidden)
}

// Reject refuses a question; if it was on air the overlay clears. ENOTFOUND,
// ECONFLICT.
func (s *Service) Reject(ctx context.Context, id int) (Question, error) {
	return s.transition(ctx, ActionReject, id, StatusRejected, rejectable...)
}

// RejectMany rejects the open questions among ids in one logged action.
// Ids of questions that are no longer open are skipped. ENOTFOUND if an id
// is unknown; ECONFLICT (ReasonBadTransition) if none is open.
func (s *Service) RejectMany(ctx context.Context, ids []int) ([]Question, error) {
	var done []Question
	_, err := s.moderate(ctx, ActionReject, 0, func(tx *txn, _ *LogEntry) (Question, error) {
		done = done[:0]
		for _, id := range ids {
			if _, err := s.question(id); err != nil {
				return Question{}, err
			}
		}
		for _, id := range ids {
			q, _ := s.question(id)
			if slices.Contains(rejectable, q.Status) {
				s.setStatus(tx, q, StatusRejected)
				done = append(done, *q)
			}
		}
		if len(done) == 0 {
			return Question{}, Errorf(ECONFLICT, ReasonBadTransition, "none of the %d questions is open", len(ids))
		}
		return Question{}, nil
	})
	if err != nil {
		return nil, err
	}
	return done, nil
}

// Show puts a question on air; the question that was on air goes back to
// approved. A pending question shown is thereby approved. ENOTFOUND,
// ECONFLICT.
func (s *Service) Show(ctx context.Context, id int) (Question, error) {
	return s.transition(ctx, ActionShow, id, StatusOnAir, StatusPending, StatusApproved, StatusAnswered)
}

// Next puts the most-voted approved question on air (the oldest among
// equals), as a Stream Deck button does. ECONFLICT (ReasonNothingToShow)
// when no approved question waits.
func (s *Service) Next(ctx context.Context) (Question, error) {
	return s.moderate(ctx, ActionShow, 0, func(tx *txn, e *LogEntry) (Question, error) {
		ids := s.top(1, func(st Status) bool { return st == StatusApproved })
		if len(ids) == 0 {
			return Question{}, Errorf(ECONFLICT, ReasonNothingToShow, "no approved question waits")
		}
		q, _ := s.question(ids[0])
		e.QuestionID = q.ID
		s.setStatus(tx, q, StatusOnAir)
		return *q, nil
	})
}

// Answer marks a question answered; if it was on air the overlay clears.
// ENOTFOUND, ECONFLICT.
func (s *Service) Answer(ctx context.Context, id int) (Question, error) {
	return s.transition(ctx, ActionAnswer, id, StatusAnswered, StatusPending, StatusApproved, StatusOnAir)
}

// Restore brings back a rejected, hidden or answered question as approved.
// ENOTFOUND, ECONFLICT.
func (s *Service) Restore(ctx context.Context, id int) (Question, error) {
	return s.transition(ctx, ActionRestore, id, StatusApproved, StatusRejected, StatusHidden, StatusAnswered)
}

// HideOverlay takes the on-air question off the overlay; it goes back to
// approved. ECONFLICT (ReasonNothingOnAir) when nothing is on air.
func (s *Service) HideOverlay(ctx context.Context) (Question, error) {
	return s.moderate(ctx, ActionHide, 0, func(tx *txn, e *LogEntry) (Question, error) {
		if s.onAir == 0 {
			return Question{}, Errorf(ECONFLICT, ReasonNothingOnAir, "nothing is on air")
		}
		q, _ := s.question(s.onAir)
		e.QuestionID = q.ID
		s.setStatus(tx, q, StatusApproved)
		return *q, nil
	})
}

// Merge folds question id into question into: id becomes merged, and every
// voter of id who had not voted for into is counted there. ENOTFOUND,
// EINVALID (ReasonSelfMerge), ECONFLICT.
func (s *Service) Merge(ctx context.Context, id, into int) (Question, error) {
	return s.moderate(ctx, ActionMerge, id, func(tx *txn, e *LogEntry) (Question, error) {
		q, err := s.question(id)
		if err != nil {
			return Question{}, err
		}
		target, err := s.question(into)
		if err != nil {
			return Question{}, err
		}
		if id == into {
			return Question{}, Errorf(EINVALID, ReasonSelfMerge, "cannot merge #%d into itself", id).With("id", id)
		}
		if !q.Status.Open() {
			return Question{}, badTransition(q, ActionMerge)
		}
		if !matchable(target.Status) {
			return Question{}, Errorf(ECONFLICT, ReasonBadTransition, "cannot merge into #%d: it is %s", into, target.Status).
				With("id", into).With("status", string(target.Status))
		}
		var voters []Identity
		for k := range s.votes {
			if int(k.question) == id {
				if _, ok := s.votes[pair(into, k.user)]; !ok {
					voters = append(voters, s.users.identity(k.user))
				}
			}
		}
		slices.SortFunc(voters, func(a, b Identity) int { return strings.Compare(a.String(), b.String()) })
		tx.save(target)
		for _, v := range voters {
			s.addVote(tx, target, v, id)
			e.MovedVotes = append(e.MovedVotes, Vote{SessionID: target.SessionID, QuestionID: into, Source: v.Source, VoterID: v.ID, Via: id})
		}
		tx.save(q)
		q.MergedInto = into
		s.setStatus(tx, q, StatusMerged)
		return *q, nil
	})
}

// Edit corrects a question's text; the original stays in the log.
// ENOTFOUND, EINVALID.
func (s *Service) Edit(ctx context.Context, id int, text string) (Question, error) {
	clean, err := ValidateQuestionText(text)
	if err != nil {
		return Question{}, err
	}
	return s.moderate(ctx, ActionEdit, id, func(tx *txn, _ *LogEntry) (Question, error) {
		q, err := s.question(id)
		if err != nil {
			return Question{}, err
		}
		s.setText(tx, q, clean)
		return *q, nil
	})
}

func (s *Service) setText(tx *txn, q *Question, text string) {
	tx.save(q)
	q.Text = text
	if s.Matcher != nil && matchable(q.Status) {
		s.Matcher.Remove(q.ID)
		s.Matcher.Add(q.ID, q.Text)
	}
	tx.put(q, EventUpdated)
}

// MaxLabelRunes is the longest label.
const MaxLabelRunes = 32

// Label sets the label of a question (a theme: "transport"); an empty
// label removes it. ENOTFOUND; EINVALID for a label too long, or one more
// than a session can hold (256 distinct labels).
func (s *Service) Label(ctx context.Context, id int, label string) (Question, error) {
	label = CleanText(label)
	if n := utf8.RuneCountInString(label); n > MaxLabelRunes {
		return Question{}, Errorf(EINVALID, ReasonTooLong, "label is %d characters long; the limit is %d", n, MaxLabelRunes).With("max", MaxLabelRunes)
	}
	return s.moderate(ctx, ActionLabel, id, func(tx *txn, _ *LogEntry) (Question, error) {
		q, err := s.question(id)
		if err != nil {
			return Question{}, err
		}
		if !s.questions.canLabel(label) {
			return Question{}, Errorf(EINVALID, ReasonInvalidRequest, "a session holds at most 256 distinct labels")
		}
		tx.save(q)
		q.Label = label
		tx.put(q, EventUpdated)
		return *q, nil
	})
}

// Undo reverses the last moderator action not yet undone: statuses, texts
// and labels go back, votes a merge moved go back, a ban is lifted.
// ECONFLICT (ReasonNothingToUndo) when there is nothing to undo.
func (s *Service) Undo(ctx context.Context) (LogEntry, error) {
	var undone LogEntry
	_, err := s.moderate(ctx, ActionUndo, 0, func(tx *txn, e *LogEntry) (Question, error) {
		i := len(s.log) - 1
		for ; i >= 0; i-- {
			if !s.log[i].Undone && s.log[i].Action != ActionUndo {
				break
			}
		}
		if i < 0 {
			return Question{}, Errorf(ECONFLICT, ReasonNothingToUndo, "nothing to undo")
		}
		last := &s.log[i]
		for _, v := range last.MovedVotes {
			if via, ok := s.vote(v.QuestionID, v.Voter()); ok && via == v.Via {
				target, _ := s.question(v.QuestionID)
				tx.save(target)
				s.removeVote(tx, target, v.Voter())
			}
		}
		// Questions leave the air before one goes back on it, so that the
		// on-air slot is free when it is restored.
		before := slices.Clone(last.Before)
		slices.SortStableFunc(before, func(a, b Question) int {
			return boolInt(a.Status == StatusOnAir) - boolInt(b.Status == StatusOnAir)
		})
		for _, b := range before {
			q, _ := s.question(b.ID)
			if q.Text != b.Text {
				s.setText(tx, q, b.Text)
			}
			if q.Status != b.Status {
				s.setStatus(tx, q, b.Status)
			}
			// Back as it was, the time on air included: a question put
			// back on air keeps its answer timer going.
			if q.MergedInto != b.MergedInto || q.Label != b.Label || !q.Aired.Equal(b.Aired) {
				tx.save(q)
				q.MergedInto, q.Label, q.Aired = b.MergedInto, b.Label, b.Aired
				tx.put(q, EventUpdated)
			}
		}
		if last.Ban != nil {
			for _, k := range banKeys(*last.Ban) {
				delete(s.bans, k)
			}
			b := *last.Ban
			tx.changes = append(tx.changes, Change{Kind: DeleteBan, Ban: b})
			tx.events = append(tx.events, Event{Type: EventUnbanned, Ban: &b})
		}
		last.Undone = true
		tx.changes = append(tx.changes, Change{Kind: PutLog, Log: *last})
		e.UndoOf = last.ID
		e.QuestionID = last.QuestionID
		undone = *last
		return Question{}, nil
	})
	return undone, err
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}
