package tribune

import (
	"cmp"
	"context"
	"regexp"
	"strings"
)

// Bans: who may not ask, vote or report. A ban holds an identity, a Twitch
// login, or both (see Ban); the Service keeps every ban under each of its
// keys (banKeys), so that a renamed Twitch account stays banned by its id
// and a login banned before it spoke is banned when it does.

// twitchLogin is what Twitch allows in a login.
var twitchLogin = regexp.MustCompile(`^[a-z0-9_]{1,25}$`)

// platformID is what a platform's user id may hold: Twitch's numbers,
// YouTube's channel ids, the ask page's hexadecimal browser ids.
var platformID = regexp.MustCompile(`^[A-Za-z0-9_-]{1,64}$`)

// BanTarget returns how to ban the author of q (Moderation.Ban): the Twitch
// login, or "source:id" for other sources.
func BanTarget(q Question) string {
	if q.Source == SourceTwitch && q.AuthorLogin != "" {
		return q.AuthorLogin
	}
	return q.AuthorIdentity().String()
}

// parseBanTarget reads a ban's target: a Twitch login ("@name" too), or
// "source:id". EINVALID for anything else.
func parseBanTarget(target string) (Ban, error) {
	target = strings.TrimPrefix(strings.TrimSpace(target), "@")
	if src, id, ok := strings.Cut(target, ":"); ok {
		switch src {
		case SourceTwitch, SourceYouTube, SourceWeb:
		default:
			return Ban{}, Errorf(EINVALID, ReasonInvalidRequest, "ban: unknown source %q", CleanName(src))
		}
		if !platformID.MatchString(id) {
			return Ban{}, Errorf(EINVALID, ReasonInvalidRequest, "ban: %q is not a user id", CleanName(id))
		}
		return Ban{Source: src, UserID: id}, nil
	}
	login := strings.ToLower(target)
	if !twitchLogin.MatchString(login) {
		return Ban{}, Errorf(EINVALID, ReasonInvalidRequest, "ban needs a Twitch login (letters, digits, _) or source:id")
	}
	return Ban{Source: SourceTwitch, Login: login}, nil
}

// banKeys returns the keys of b in the Service's ban map: its identity and,
// on Twitch, its login.
func banKeys(b Ban) []string {
	var keys []string
	if b.UserID != "" {
		keys = append(keys, "id "+Identity{Source: b.Source, ID: b.UserID}.String())
	}
	if b.Source == SourceTwitch && b.Login != "" {
		keys = append(keys, "login "+b.Login)
	}
	return keys
}

// isBanned reports whether a may not ask, vote or report. The caller holds
// s.mu.
func (s *Service) isBanned(a Actor) bool {
	if a.Privileged() {
		return false
	}
	if a.UserID != "" {
		if _, ok := s.bans["id "+a.Identity().String()]; ok {
			return true
		}
	}
	if a.source() == SourceTwitch && a.Login != "" {
		_, ok := s.bans["login "+strings.ToLower(a.Login)]
		return ok
	}
	return false
}

// bannedBy reports whether ban b covers the author of q.
func bannedBy(b Ban, q Question) bool {
	if q.Source != b.Source {
		return false
	}
	return (b.UserID != "" && q.AuthorID == b.UserID) || (b.Source == SourceTwitch && b.Login != "" && q.AuthorLogin == b.Login)
}

// Ban keeps a viewer from asking, voting and reporting, and rejects their
// open questions. target is a Twitch login or "source:id" (BanTarget).
// EINVALID for a malformed target, ECONFLICT if already banned.
func (s *Service) Ban(ctx context.Context, target string) (Ban, error) {
	b, err := parseBanTarget(target)
	if err != nil {
		return Ban{}, err
	}
	return s.ban(ctx, b, "")
}

// ban applies b, completed with what the session knows of its viewer,
// logged with reason.
func (s *Service) ban(ctx context.Context, b Ban, reason string) (Ban, error) {
	var ban Ban
	_, err := s.moderate(ctx, ActionBan, 0, func(tx *txn, e *LogEntry) (Question, error) {
		ban = b
		// Complete the ban from the latest question of its viewer: a login's
		// user id, an identity's login.
		for id := s.questions.len(); id >= 1 && (ban.UserID == "" || (ban.Source == SourceTwitch && ban.Login == "")); id-- {
			if q := s.questions.get(id); bannedBy(b, q) {
				ban.UserID = cmp.Or(ban.UserID, q.AuthorID)
				if ban.Source == SourceTwitch {
					ban.Login = cmp.Or(ban.Login, q.AuthorLogin)
				}
			}
		}
		for _, k := range banKeys(ban) {
			if _, ok := s.bans[k]; ok {
				return Question{}, Errorf(ECONFLICT, ReasonBanned, "%s is already banned", ban.Target()).With("login", ban.Target())
			}
		}
		ban.Channel, ban.By, ban.Created = s.Channel, ActorFromContext(ctx).Name(), s.Now()
		for _, k := range banKeys(ban) {
			s.bans[k] = ban
		}
		e.Ban, e.Reason = &ban, reason
		tx.changes = append(tx.changes, Change{Kind: PutBan, Ban: ban})
		tx.events = append(tx.events, Event{Type: EventBanned, Ban: &ban})
		for id := 1; id <= s.questions.len(); id++ {
			if q := s.questions.get(id); bannedBy(ban, q) && q.Status.Open() {
				s.setStatus(tx, &q, StatusRejected)
			}
		}
		return Question{}, nil
	})
	return ban, err
}
