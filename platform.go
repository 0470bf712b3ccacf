package tribune

import (
	"context"
	"fmt"
)

// Platform moderation: what a platform's own moderators do (a deleted
// message, a ban, a timeout) is obeyed in Tribune too, logged with the
// platform as the moderator, and undoable from the console like any action.

// platformContext returns ctx with the platform as the moderator.
func platformContext(ctx context.Context, source string) context.Context {
	return NewContext(ctx, Actor{Login: source, DisplayName: source, Moderator: true, Source: source})
}

// DeleteMessage obeys a platform's deletion of the chat message
// messageID: the question it asked is hidden, and taken off air.
// ENOTFOUND when no question of the session came from that message,
// ECONFLICT when the question is no longer open.
func (s *Service) DeleteMessage(ctx context.Context, source, messageID string) (Question, error) {
	if messageID == "" {
		return Question{}, Errorf(EINVALID, ReasonInvalidRequest, "a deletion needs the message id")
	}
	sess, _ := s.Session(ctx)
	id, err := s.Store.QuestionByMessage(ctx, sess.ID, source, messageID)
	if err != nil {
		return Question{}, err
	}
	ctx = platformContext(ctx, source)
	return s.moderate(ctx, ActionDeleted, id, func(tx *txn, e *LogEntry) (Question, error) {
		q, err := s.question(id)
		if err != nil {
			return Question{}, err
		}
		if !matchable(q.Status) {
			return Question{}, badTransition(q, ActionDeleted)
		}
		e.Reason = "deleted on " + source
		s.setStatus(tx, q, StatusHidden)
		return *q, nil
	})
}

// PlatformBan obeys a platform's permanent ban of viewer a: a is banned in
// Tribune and their open questions are rejected. ECONFLICT if already
// banned.
func (s *Service) PlatformBan(ctx context.Context, a Actor) (Ban, error) {
	if a.UserID == "" && a.Login == "" {
		return Ban{}, Errorf(EINVALID, ReasonInvalidRequest, "a ban needs the viewer's user id")
	}
	b := Ban{Source: a.source(), UserID: a.UserID}
	if b.Source == SourceTwitch {
		b.Login = a.Login
	}
	return s.ban(platformContext(ctx, b.Source), b, "banned on "+b.Source)
}

// PlatformTimeout obeys a platform's timeout of viewer a: their open
// questions are hidden until a moderator reviews them. ECONFLICT
// (ReasonBadTransition) when they have none.
func (s *Service) PlatformTimeout(ctx context.Context, a Actor) ([]Question, error) {
	who := a.Identity()
	if who.ID == "" {
		return nil, Errorf(EINVALID, ReasonInvalidRequest, "a timeout needs the viewer's user id")
	}
	var hidden []Question
	_, err := s.moderate(platformContext(ctx, who.Source), ActionTimeout, 0, func(tx *txn, e *LogEntry) (Question, error) {
		hidden = hidden[:0]
		for id := 1; id <= s.questions.len(); id++ {
			q := s.questions.get(id)
			if q.AuthorIdentity() == who && matchable(q.Status) {
				s.setStatus(tx, &q, StatusHidden)
				hidden = append(hidden, q)
			}
		}
		if len(hidden) == 0 {
			return Question{}, Errorf(ECONFLICT, ReasonBadTransition, "%s has no open question", who)
		}
		e.Reason = fmt.Sprintf("timed out on %s", who.Source)
		return Question{}, nil
	})
	if err != nil {
		return nil, err
	}
	return hidden, nil
}
