package tribune

import "time"

// PublicQuestion is a question as the public sees it, on stream and on the
// ask page: no login, no user id, no channel, and no author at all when
// the question is anonymous or authors are hidden on stream. Public feeds
// send only this form, so that what must not be shown is not even sent.
type PublicQuestion struct {
	ID      int       `json:"id"`
	Text    string    `json:"text"`
	Author  string    `json:"author,omitempty"`
	Source  string    `json:"source"`
	Label   string    `json:"label,omitempty"`
	Votes   int       `json:"votes"`
	Status  Status    `json:"status"`
	Created time.Time `json:"created"`
	// Since is when an on-air question went on air, for the answer timer.
	Since time.Time `json:"since,omitzero"`
}

// Public returns q as the public may see it. showAuthors is the meeting's
// choice (--show-authors); an anonymous question never shows its author.
func (q Question) Public(showAuthors bool) PublicQuestion {
	p := PublicQuestion{
		ID: q.ID, Text: q.Text, Source: q.Source, Label: q.Label,
		Votes: q.Votes, Status: q.Status, Created: q.Created,
	}
	if showAuthors && !q.Anonymous {
		p.Author = q.Author
	}
	if q.Status == StatusOnAir {
		p.Since = q.Aired
	}
	return p
}

// PublicQuestions returns qs as the public may see them.
func PublicQuestions(qs []Question, showAuthors bool) []PublicQuestion {
	out := make([]PublicQuestion, len(qs))
	for i, q := range qs {
		out[i] = q.Public(showAuthors)
	}
	return out
}
