package tribune

import (
	"context"
	"strings"
	"time"
)

// The viewers' commands: ask, vote, unvote, withdraw, report. Every source
// calls them with the viewer's Actor; the rules are the same for all.

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
		// As received: a right-to-left override shows a reversed word the
		// way the screen draws it, which cleaning would no longer tell.
		if w, found := s.Words.Find(text); found {
			return AskResult{}, Errorf(EINVALID, ReasonBannedWord, "question contains a banned word").With("word", w)
		}
	}
	if s.Matcher != nil {
		if err := s.Matcher.Wait(ctx); err != nil {
			return AskResult{}, err
		}
	}
	who := a.Identity()
	var res AskResult
	q, err := s.do(ctx, func(tx *txn) (Question, error) {
		if s.isBanned(a) {
			return Question{}, Errorf(EFORBIDDEN, ReasonBanned, "%s is banned", a.Name())
		}
		if s.Matcher != nil {
			if id, ok := s.Matcher.Match(clean); ok && s.questions.has(id) {
				dup, _ := s.question(id)
				res.Duplicate = true
				if _, voted := s.vote(dup.ID, who); !voted {
					s.addVote(tx, dup, who, 0)
					res.Voted = true
				}
				return *dup, nil
			}
		}
		now := s.Now()
		if !a.Privileged() {
			if err := s.checkRate(a, now); err != nil {
				return Question{}, err
			}
		}
		status := StatusApproved
		if !a.Privileged() && (s.Premoderate || a.FirstMessage) {
			status = StatusPending
		}
		q := &Question{
			ID: s.questions.len() + 1, SessionID: s.session.ID, Text: clean,
			Author: CleanName(a.Name()), AuthorLogin: strings.ToLower(CleanName(a.Login)), AuthorID: a.UserID,
			Source: who.Source, Channel: a.Channel, Created: now, Status: status, Votes: 1,
			Anonymous: a.Anonymous, FirstMessage: a.FirstMessage, MessageID: a.MessageID,
		}
		author := s.users.add(who)
		rec := s.users.asks[author]
		rec.n++
		rec.latest = int32(q.ID)
		s.users.asks[author] = rec
		s.putVote(pair(q.ID, author), 0)
		tx.put(q, EventCreated)
		tx.changes = append(tx.changes, Change{Kind: PutVote, Vote: Vote{SessionID: q.SessionID, QuestionID: q.ID, Source: who.Source, VoterID: who.ID, Created: now}})
		if s.Matcher != nil {
			s.Matcher.Add(q.ID, q.Text)
		}
		q.MessageID = ""
		return *q, nil
	})
	if err != nil {
		return AskResult{}, err
	}
	res.Question = q
	return res, nil
}

// checkRate refuses a question the rate limits do not allow: the session
// cap, then the interval between two questions. The caller holds s.mu.
func (s *Service) checkRate(a Actor, now time.Time) error {
	var prev asks
	author, asked := s.users.find(a.Identity())
	if asked {
		prev, asked = s.users.asks[author]
	}
	if s.SessionCap > 0 && int(prev.n) >= s.SessionCap {
		return Errorf(ERATELIMIT, ReasonSessionCap, "%s has asked %d questions, the most allowed in a session", a.Name(), s.SessionCap).With("max", s.SessionCap)
	}
	if !asked || s.RateInterval <= 0 {
		return nil
	}
	if last := unixTime(s.questions.created(int(prev.latest))); now.Sub(last) < s.RateInterval {
		wait := int((s.RateInterval - now.Sub(last) + time.Second - 1) / time.Second)
		return Errorf(ERATELIMIT, ReasonTooFast, "%s must wait %d s before asking again", a.Name(), wait).With("wait", wait)
	}
	return nil
}

// addVote records a vote and the question's new count. via is the question
// a merge moved the vote from, or 0.
func (s *Service) addVote(tx *txn, q *Question, voter Identity, via int) {
	s.putVote(pair(q.ID, s.users.add(voter)), via)
	q.Votes++
	tx.changes = append(tx.changes, Change{Kind: PutVote, Vote: Vote{SessionID: q.SessionID, QuestionID: q.ID, Source: voter.Source, VoterID: voter.ID, Via: via, Created: s.Now()}})
	tx.put(q, EventVoted)
}

func (s *Service) removeVote(tx *txn, q *Question, voter Identity) {
	if n, ok := s.users.find(voter); ok {
		k := pair(q.ID, n)
		delete(s.votes, k)
		delete(s.moved, k)
	}
	q.Votes--
	tx.changes = append(tx.changes, Change{Kind: DeleteVote, Vote: Vote{SessionID: q.SessionID, QuestionID: q.ID, Source: voter.Source, VoterID: voter.ID}})
	tx.put(q, EventVoted)
}

// vote returns the vote of voter on question q, if any: via is the
// question a merge moved it from, or 0.
func (s *Service) vote(q int, voter Identity) (via int, ok bool) {
	n, known := s.users.find(voter)
	if !known {
		return 0, false
	}
	k := pair(q, n)
	if _, ok := s.votes[k]; !ok {
		return 0, false
	}
	return int(s.moved[k]), true
}

// putVote records vote k; via is the question a merge moved it from, or 0.
func (s *Service) putVote(k voteKey, via int) {
	s.votes[k] = struct{}{}
	if via != 0 {
		s.moved[k] = int32(via)
	}
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

// onVisible runs fn, a viewer's command on the visible question a means by
// id, after the checks every such command shares: an identity, no ban
// (unless allowBanned), a visible question. what names the command in the
// refusal of an actor without an identity.
func (s *Service) onVisible(ctx context.Context, a Actor, id int, what string, allowBanned bool, fn func(tx *txn, q *Question, who Identity) error) (Question, error) {
	if a.UserID == "" {
		return Question{}, Errorf(EINVALID, ReasonInvalidRequest, "a %s needs the viewer's user id", what)
	}
	who := a.Identity()
	return s.do(ctx, func(tx *txn) (Question, error) {
		if !allowBanned && s.isBanned(a) {
			return Question{}, Errorf(EFORBIDDEN, ReasonBanned, "%s is banned", a.Name())
		}
		q, err := s.visible(id)
		if err != nil {
			return Question{}, err
		}
		if err := fn(tx, q, who); err != nil {
			return Question{}, err
		}
		return *q, nil
	})
}

// Vote adds a viewer's vote. Refusals: ENOTFOUND (ReasonUnknown,
// ReasonNotVisible), ECONFLICT (ReasonAlreadyVoted), EFORBIDDEN (ReasonBanned).
func (s *Service) Vote(ctx context.Context, a Actor, id int) (Question, error) {
	return s.onVisible(ctx, a, id, "vote", false, func(tx *txn, q *Question, who Identity) error {
		if _, ok := s.vote(q.ID, who); ok {
			return Errorf(ECONFLICT, ReasonAlreadyVoted, "%s already voted for #%d", a.Name(), q.ID).With("id", q.ID)
		}
		s.addVote(tx, q, who, 0)
		return nil
	})
}

// Unvote withdraws a viewer's vote. Refusals: ENOTFOUND, ECONFLICT
// (ReasonNotVoted). A banned viewer may still take a vote back.
func (s *Service) Unvote(ctx context.Context, a Actor, id int) (Question, error) {
	return s.onVisible(ctx, a, id, "vote", true, func(tx *txn, q *Question, who Identity) error {
		if _, ok := s.vote(q.ID, who); !ok {
			return Errorf(ECONFLICT, ReasonNotVoted, "%s has no vote on #%d", a.Name(), q.ID).With("id", q.ID)
		}
		s.removeVote(tx, q, who)
		return nil
	})
}

// Report flags a question as abusive. At ReportThreshold distinct reporters
// it is hidden until a moderator decides. Refusals: ENOTFOUND, ECONFLICT
// (ReasonAlreadyReport), EFORBIDDEN (ReasonBanned).
func (s *Service) Report(ctx context.Context, a Actor, id int) (Question, error) {
	return s.onVisible(ctx, a, id, "report", false, func(tx *txn, q *Question, who Identity) error {
		if n, ok := s.users.find(who); ok {
			if _, ok := s.reports[pair(q.ID, n)]; ok {
				return Errorf(ECONFLICT, ReasonAlreadyReport, "%s already reported #%d", a.Name(), q.ID).With("id", q.ID)
			}
		}
		s.reports[pair(q.ID, s.users.add(who))] = struct{}{}
		q.Reports++
		tx.changes = append(tx.changes, Change{Kind: PutReport, Report: Report{SessionID: q.SessionID, QuestionID: q.ID, Source: who.Source, ReporterID: who.ID, Created: s.Now()}})
		if s.ReportThreshold > 0 && q.Reports >= s.ReportThreshold {
			s.setStatus(tx, q, StatusHidden)
		} else {
			tx.put(q, EventUpdated)
		}
		return nil
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
		if a.UserID == "" || q.AuthorIdentity() != a.Identity() {
			return Question{}, Errorf(EFORBIDDEN, ReasonNotAuthor, "only its author can withdraw #%d", id).With("id", id)
		}
		if !q.Status.Open() {
			return Question{}, Errorf(ECONFLICT, ReasonBadTransition, "#%d is %s and cannot be withdrawn", id, q.Status).With("id", id).With("status", string(q.Status))
		}
		s.setStatus(tx, q, StatusWithdrawn)
		return *q, nil
	})
}
