package tribune_test

import (
	"context"
	"errors"
	"slices"
	"sync"
	"time"

	"github.com/tribune-live/tribune"
)

// memStore is an in-memory tribune.Store for the Service's rule tests: it
// keeps rows as the SQLite store does, and can be told to refuse writes.
// The store package's own tests run the Service on a real SQLite file.
type memStore struct {
	mu        sync.Mutex
	sessions  []tribune.Session
	questions map[int64]map[int]tribune.Question
	votes     map[rowKey]tribune.Vote
	reports   map[rowKey]tribune.Report
	bans      map[[4]string]tribune.Ban
	logs      map[int64]map[int64]tribune.LogEntry
	settings  map[string]string
	fail      error // when set, Apply refuses every batch
	failVotes error // when set, LoadVotes fails
	applies   int
}

func newMemStore() *memStore {
	return &memStore{
		questions: map[int64]map[int]tribune.Question{},
		votes:     map[rowKey]tribune.Vote{},
		reports:   map[rowKey]tribune.Report{},
		bans:      map[[4]string]tribune.Ban{},
		logs:      map[int64]map[int64]tribune.LogEntry{},
		settings:  map[string]string{},
	}
}

// rowKey is the primary key of a vote or report row.
type rowKey struct {
	session  int64
	question int
	source   string
	user     string
}

func key3(s int64, q int, src, u string) rowKey { return rowKey{s, q, src, u} }

func banKey(b tribune.Ban) [4]string { return [4]string{b.Channel, b.Source, b.UserID, b.Login} }

func (m *memStore) OpenSession(_ context.Context, channel, title string, now time.Time) (tribune.Session, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	for i := len(m.sessions) - 1; i >= 0; i-- {
		s := &m.sessions[i]
		if s.Channel == channel && s.Ended.IsZero() {
			if title == "" || title == s.Title {
				return *s, nil
			}
			s.Ended = now
		}
	}
	s := tribune.Session{ID: int64(len(m.sessions) + 1), Channel: channel, Title: title, Started: now}
	m.sessions = append(m.sessions, s)
	return s, nil
}

// session returns all of session id, votes included.
func (m *memStore) session(id int64) (tribune.SessionState, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if id < 1 || int(id) > len(m.sessions) {
		return tribune.SessionState{}, tribune.Errorf(tribune.ENOTFOUND, tribune.ReasonUnknown, "no session %d", id)
	}
	st := tribune.SessionState{Session: m.sessions[id-1]}
	for _, q := range m.questions[id] {
		st.Questions = append(st.Questions, q)
	}
	slices.SortFunc(st.Questions, func(a, b tribune.Question) int { return a.ID - b.ID })
	for _, v := range m.votes {
		if v.SessionID == id {
			st.Votes = append(st.Votes, v)
		}
	}
	for _, r := range m.reports {
		if r.SessionID == id {
			st.Reports = append(st.Reports, r)
		}
	}
	for _, e := range m.logs[id] {
		st.Log = append(st.Log, e)
	}
	slices.SortFunc(st.Log, func(a, b tribune.LogEntry) int { return int(a.ID - b.ID) })
	return st, nil
}

func (m *memStore) LoadQueue(_ context.Context, id int64) (tribune.SessionState, error) {
	st, err := m.session(id)
	st.Votes = nil
	return st, err
}

func (m *memStore) LoadVotes(_ context.Context, id int64) ([]tribune.Vote, error) {
	m.mu.Lock()
	fail := m.failVotes
	m.mu.Unlock()
	if fail != nil {
		return nil, fail
	}
	st, err := m.session(id)
	return st.Votes, err
}

func (m *memStore) QuestionByMessage(_ context.Context, session int64, source, messageID string) (int, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, q := range m.questions[session] {
		if q.Source == source && q.MessageID == messageID {
			return q.ID, nil
		}
	}
	return 0, tribune.Errorf(tribune.ENOTFOUND, tribune.ReasonUnknown, "no question from message %s", messageID)
}

func (m *memStore) Sessions(context.Context) ([]tribune.Session, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return slices.Clone(m.sessions), nil
}

func (m *memStore) Bans(_ context.Context, channel string) ([]tribune.Ban, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []tribune.Ban
	for _, b := range m.bans {
		if b.Channel == channel {
			out = append(out, b)
		}
	}
	return out, nil
}

func (m *memStore) Apply(_ context.Context, changes []tribune.Change) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.fail != nil {
		return m.fail
	}
	m.applies++
	for _, c := range changes {
		switch c.Kind {
		case tribune.PutQuestion:
			q := c.Question
			if m.questions[q.SessionID] == nil {
				m.questions[q.SessionID] = map[int]tribune.Question{}
			}
			// The message id is written once, with the question, as the
			// SQLite store does: the Service does not keep it.
			if old, ok := m.questions[q.SessionID][q.ID]; ok && q.MessageID == "" {
				q.MessageID = old.MessageID
			}
			m.questions[q.SessionID][q.ID] = q
		case tribune.PutVote:
			v := c.Vote
			m.votes[key3(v.SessionID, v.QuestionID, v.Source, v.VoterID)] = v
		case tribune.DeleteVote:
			v := c.Vote
			delete(m.votes, key3(v.SessionID, v.QuestionID, v.Source, v.VoterID))
		case tribune.PutReport:
			r := c.Report
			m.reports[key3(r.SessionID, r.QuestionID, r.Source, r.ReporterID)] = r
		case tribune.PutBan:
			m.bans[banKey(c.Ban)] = c.Ban
		case tribune.DeleteBan:
			delete(m.bans, banKey(c.Ban))
		case tribune.PutLog:
			if m.logs[c.Log.SessionID] == nil {
				m.logs[c.Log.SessionID] = map[int64]tribune.LogEntry{}
			}
			m.logs[c.Log.SessionID][c.Log.ID] = c.Log
		default:
			return errors.New("memstore: unknown change kind")
		}
	}
	return nil
}

func (m *memStore) Setting(_ context.Context, key string) (string, bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	v, ok := m.settings[key]
	return v, ok, nil
}

func (m *memStore) PutSetting(_ context.Context, key, value string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.settings[key] = value
	return nil
}

func (m *memStore) setFailVotes(err error) {
	m.mu.Lock()
	m.failVotes = err
	m.mu.Unlock()
}

func (m *memStore) setFail(err error) {
	m.mu.Lock()
	m.fail = err
	m.mu.Unlock()
}

var _ tribune.Store = (*memStore)(nil)
