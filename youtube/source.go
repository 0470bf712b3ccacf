package youtube

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/oauth2"

	tribune "github.com/tribune-live/tribune"
	"github.com/tribune-live/tribune/internal/youtubewire"
)

// Defaults of a Source.
const (
	DefaultAPIBase  = "https://www.googleapis.com/"
	DefaultTokenURL = "https://oauth2.googleapis.com/token"
	// DefaultLinger is how long replies wait to be folded into one
	// message: each message costs CostInsert units.
	DefaultLinger = time.Second
	// DefaultWorkers is how many commands are applied at once; the
	// Service commits those in flight together.
	DefaultWorkers = 32
	// DefaultStallTimeout is how long a stream may stay silent before it
	// is taken for dead and resumed.
	DefaultStallTimeout = 5 * time.Minute
	// HealthComponent names the source in the Service's health.
	HealthComponent = "youtube"
	// QuotaSetting is the setting that keeps the day's meter across
	// restarts: "2026-12-05 1240" (Pacific date, units).
	QuotaSetting = "youtube.quota"
	// MaxMessageRunes is the longest chat message YouTube takes.
	MaxMessageRunes = 200

	callTimeout = 30 * time.Second // one list, videos or insert call
	queueLen    = 256              // commands waiting per worker
	minBackoff  = 500 * time.Millisecond
	maxBackoff  = 30 * time.Second
	saveEvery   = 10 * time.Second // how often the meter is saved at most
)

// Source reads one broadcast's live chat into a Service. Create it with
// NewSource, set the exported fields, call Check before the meeting opens,
// then Run.
type Source struct {
	// APIBase is the Data API's base URL (DefaultAPIBase): --youtube-api.
	APIBase string
	// TokenURL is the OAuth 2.0 token endpoint (DefaultTokenURL):
	// --youtube-oauth.
	TokenURL string
	// APIKey reads the chat (TRIBUNE_YOUTUBE_API_KEY). It travels in the
	// X-Goog-Api-Key header, never in a URL, and is never logged.
	APIKey string
	// ClientID, ClientSecret and RefreshToken are an OAuth client and the
	// broadcaster's refresh token (TRIBUNE_YOUTUBE_CLIENT_ID,
	// TRIBUNE_YOUTUBE_CLIENT_SECRET, TRIBUNE_YOUTUBE_REFRESH_TOKEN): with
	// all three the source replies in chat, and reads with them when there
	// is no API key. Without them it reads only.
	ClientID, ClientSecret, RefreshToken string
	// QuotaPerDay is the project's quota in units a day
	// (DefaultQuotaPerDay): --youtube-quota.
	QuotaPerDay int
	// MeetingLength is how long the meeting is expected to last
	// (DefaultMeetingLength): reads are paced to fit the day's budget
	// over it.
	MeetingLength time.Duration
	// ReplyBudget is the units kept for replies; 0 means DefaultReplyShare
	// of QuotaPerDay, a negative value no replies. Without OAuth it is 0.
	ReplyBudget int
	// Lang is the language of replies: "en" (default) or "fr".
	Lang string
	// Logger receives the source's events and errors.
	Logger *slog.Logger
	// HTTPClient carries every call (its Transport is wrapped with the
	// credentials). Its Timeout must be 0: the stream is one long
	// response. By default, a client with dial and header timeouts.
	HTTPClient *http.Client
	// Now is the clock of the quota's day and of the commands' times.
	Now func() time.Time
	// Linger is how long replies wait to be folded (DefaultLinger).
	Linger time.Duration
	// Workers sizes the command pipeline (DefaultWorkers).
	Workers int
	// StallTimeout bounds a silent stream (DefaultStallTimeout).
	StallTimeout time.Duration

	svc   *tribune.Service
	video string

	mu        sync.Mutex // guards the fields Check sets
	checked   bool
	videoID   string
	chatID    string
	readHTTP  *http.Client // with the API key, else the OAuth bearer
	writeHTTP *http.Client // with the OAuth bearer; nil without OAuth
	first     *youtubewire.LiveChatMessageListResponse
	firstAt   time.Time

	meter    meter
	running  atomic.Bool
	stats    counters
	saved    time.Time // last save of the meter; only the reader touches it
	restored bool      // the saved meter was added in; only Run touches it
}

// NewSource returns a Source of video (an id or a URL, see ParseVideo)
// that applies commands through svc.
func NewSource(svc *tribune.Service, video string) *Source {
	return &Source{
		APIBase:       DefaultAPIBase,
		TokenURL:      DefaultTokenURL,
		QuotaPerDay:   DefaultQuotaPerDay,
		MeetingLength: DefaultMeetingLength,
		Lang:          "en",
		Logger:        slog.Default(),
		Now:           time.Now,
		Linger:        DefaultLinger,
		Workers:       DefaultWorkers,
		StallTimeout:  DefaultStallTimeout,
		svc:           svc,
		video:         video,
	}
}

// VideoID returns the video id once Check has parsed it.
func (s *Source) VideoID() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.videoID
}

// LiveChatID returns the live chat id Check found.
func (s *Source) LiveChatID() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.chatID
}

// CanReply reports whether the source has OAuth credentials to reply.
func (s *Source) CanReply() bool {
	return s.ClientID != "" && s.ClientSecret != "" && s.RefreshToken != ""
}

// Stats are a Source's counters.
type Stats struct {
	Messages   uint64 // chat messages read, of every type, repeats included
	Duplicates uint64 // messages read again after a resume, skipped
	Commands   uint64 // commands and platform moderation events queued
	Applied    uint64 // of those, done with (applied or refused)
	Replayed   uint64 // questions asked before a restart, not asked again
	Replies    uint64 // reply messages sent
	Parts      uint64 // replies to viewers those messages carried
	Dropped    uint64 // replies dropped: too old, refused, out of budget
	Calls      uint64 // read calls answered (streams opened, polls)
	Transport  string // "stream" or "poll": how it reads now
}

type counters struct {
	messages, duplicates, commands, applied, replayed atomic.Uint64
	replies, parts, dropped, calls                    atomic.Uint64
	polling                                           atomic.Bool
}

// Stats returns the source's counters.
func (s *Source) Stats() Stats {
	c := &s.stats
	t := "stream"
	if c.polling.Load() {
		t = "poll"
	}
	return Stats{
		Messages: c.messages.Load(), Duplicates: c.duplicates.Load(), Commands: c.commands.Load(),
		Applied: c.applied.Load(), Replayed: c.replayed.Load(), Replies: c.replies.Load(),
		Parts: c.parts.Load(), Dropped: c.dropped.Load(), Calls: c.calls.Load(), Transport: t,
	}
}

// Quota returns the units spent today and the day's quota.
func (s *Source) Quota() (used, perDay int) {
	u := s.meter.snapshot(s.Now())
	return u.used, u.perDay
}

// defaults fills in the zero fields.
func (s *Source) defaults() {
	if s.APIBase == "" {
		s.APIBase = DefaultAPIBase
	}
	if !strings.HasSuffix(s.APIBase, "/") {
		s.APIBase += "/"
	}
	if s.TokenURL == "" {
		s.TokenURL = DefaultTokenURL
	}
	if s.QuotaPerDay <= 0 {
		s.QuotaPerDay = DefaultQuotaPerDay
	}
	if s.MeetingLength <= 0 {
		s.MeetingLength = DefaultMeetingLength
	}
	if s.Logger == nil {
		s.Logger = slog.Default()
	}
	if s.Now == nil {
		s.Now = time.Now
	}
	if s.Linger <= 0 {
		s.Linger = DefaultLinger
	}
	if s.Workers <= 0 {
		s.Workers = DefaultWorkers
	}
	if s.StallTimeout <= 0 {
		s.StallTimeout = DefaultStallTimeout
	}
	if s.HTTPClient == nil {
		tr := http.DefaultTransport.(*http.Transport).Clone()
		tr.DialContext = (&net.Dialer{Timeout: 10 * time.Second, KeepAlive: 15 * time.Second}).DialContext
		// The stream's headers may wait for its first message; a
		// silent stream is StallTimeout's to end.
		tr.ResponseHeaderTimeout = s.StallTimeout
		s.HTTPClient = &http.Client{Transport: tr}
	}
	s.meter.mu.Lock()
	s.meter.perDay = s.QuotaPerDay
	s.meter.mu.Unlock()
}

// replyBudget returns the units kept for replies.
func (s *Source) replyBudget() int {
	switch {
	case !s.CanReply() || s.ReplyBudget < 0:
		return 0
	case s.ReplyBudget == 0:
		return int(DefaultReplyShare * float64(s.QuotaPerDay))
	}
	return min(s.ReplyBudget, s.QuotaPerDay)
}

// keyTransport sends the API key in the X-Goog-Api-Key header: a key in
// the URL would show in every error that quotes the URL.
type keyTransport struct {
	key  string
	base http.RoundTripper
}

func (t *keyTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	r.Header.Set("X-Goog-Api-Key", t.key)
	return t.base.RoundTrip(r)
}

// Check resolves the broadcast's live chat and checks the credentials,
// before the meeting opens: a video that is not live, has no live chat,
// or whose chat cannot be read, an API key or OAuth client that Google
// refuses, or a quota already spent, are clear errors here. It costs
// CostVideos + CostList units; the messages it reads are applied by Run.
func (s *Source) Check(ctx context.Context) error {
	s.defaults()
	id, err := ParseVideo(s.video)
	if err != nil {
		return err
	}
	partial := s.ClientID != "" || s.ClientSecret != "" || s.RefreshToken != ""
	switch {
	case partial && !s.CanReply():
		var missing []string
		for _, f := range []struct{ v, name string }{
			{s.ClientID, "TRIBUNE_YOUTUBE_CLIENT_ID"}, {s.ClientSecret, "TRIBUNE_YOUTUBE_CLIENT_SECRET"}, {s.RefreshToken, "TRIBUNE_YOUTUBE_REFRESH_TOKEN"},
		} {
			if f.v == "" {
				missing = append(missing, f.name)
			}
		}
		return fmt.Errorf("youtube: OAuth needs a client id, a client secret and a refresh token: %s not set", strings.Join(missing, ", "))
	case s.APIKey == "" && !s.CanReply():
		return errors.New("youtube: no credentials: set TRIBUNE_YOUTUBE_API_KEY to read the chat (and the TRIBUNE_YOUTUBE_CLIENT_ID, _CLIENT_SECRET and _REFRESH_TOKEN of an OAuth client to reply)")
	}
	base := s.HTTPClient.Transport
	if base == nil {
		base = http.DefaultTransport
	}
	var readHTTP, writeHTTP *http.Client
	if s.CanReply() {
		conf := &oauth2.Config{
			ClientID: s.ClientID, ClientSecret: s.ClientSecret,
			Endpoint: oauth2.Endpoint{TokenURL: s.TokenURL, AuthStyle: oauth2.AuthStyleInParams},
			Scopes:   []string{"https://www.googleapis.com/auth/youtube.force-ssl"},
		}
		// The token source outlives ctx: it refreshes for the whole meeting.
		tctx := context.WithValue(context.Background(), oauth2.HTTPClient, s.HTTPClient)
		ts := conf.TokenSource(tctx, &oauth2.Token{RefreshToken: s.RefreshToken})
		if _, err := ts.Token(); err != nil {
			return s.scrub(fmt.Errorf("youtube: OAuth: the token endpoint refused the refresh token (%s); check TRIBUNE_YOUTUBE_CLIENT_ID, TRIBUNE_YOUTUBE_CLIENT_SECRET and TRIBUNE_YOUTUBE_REFRESH_TOKEN", describe(err)))
		}
		writeHTTP = &http.Client{Transport: &oauth2.Transport{Source: ts, Base: base}}
		readHTTP = writeHTTP
	}
	if s.APIKey != "" {
		// Reading does not depend on OAuth when there is a key.
		readHTTP = &http.Client{Transport: &keyTransport{key: s.APIKey, base: base}}
	}

	var vids *youtubewire.VideoListResponse
	err = s.call(CostVideos, false, func() (err error) {
		cctx, cancel := context.WithTimeout(ctx, callTimeout)
		defer cancel()
		vids, err = listVideos(cctx, readHTTP, s.APIBase, id)
		return err
	})
	if err != nil {
		return s.scrub(startError(fmt.Sprintf("look up video %s", id), err))
	}
	if len(vids.Items) == 0 || vids.Items[0] == nil {
		return fmt.Errorf("youtube: no video %s: check the id or URL given to --youtube", id)
	}
	d := vids.Items[0].LiveStreamingDetails
	switch {
	case d == nil:
		return fmt.Errorf("youtube: video %s is not a live broadcast", id)
	case d.ActiveLiveChatID == "" && d.ActualEndTime != "":
		return fmt.Errorf("youtube: the broadcast of video %s has ended (at %s): its live chat is closed", id, d.ActualEndTime)
	case d.ActiveLiveChatID == "":
		return fmt.Errorf("youtube: video %s has no active live chat: the broadcast has not started, or its chat is disabled", id)
	}
	chatID := d.ActiveLiveChatID

	var first *youtubewire.LiveChatMessageListResponse
	err = s.call(CostList, false, func() (err error) {
		cctx, cancel := context.WithTimeout(ctx, callTimeout)
		defer cancel()
		first, err = listMessages(cctx, readHTTP, s.APIBase, chatID, "", s.Lang)
		return err
	})
	if err != nil {
		return s.scrub(startError(fmt.Sprintf("read the live chat of video %s", id), err))
	}
	s.mu.Lock()
	s.videoID, s.chatID = id, chatID
	s.readHTTP, s.writeHTTP = readHTTP, writeHTTP
	s.first, s.firstAt = first, time.Now()
	s.checked = true
	s.mu.Unlock()
	return nil
}

// call runs one API call and charges its cost when Google answered (an
// answer that is an error costs too).
func (s *Source) call(cost int, reply bool, fn func() error) error {
	err := fn()
	if err == nil || apiError(err) != nil {
		s.charge(cost, reply)
	}
	return err
}

// charge adds units to the meter and warns, once a day, at WarnAt.
func (s *Source) charge(units int, reply bool) {
	if s.meter.charge(s.Now(), units, reply) {
		u := s.meter.snapshot(s.Now())
		s.Logger.Warn("youtube: most of the day's API quota is spent: replies, then reads will stop when it runs out (it resets at midnight Pacific)",
			"used", u.used, "quota", u.perDay)
	}
}

// Run reads the chat and applies its commands until ctx ends, the chat
// ends, or the quota is spent. It calls Check first if the caller did
// not, and returns its error when the source cannot start. Once started,
// platform problems are never returned: Run logs them, reports them in
// the Service's health (HealthComponent), retries what can be retried,
// and returns nil when it stops.
func (s *Source) Run(ctx context.Context) error {
	if s.svc == nil {
		return errors.New("youtube: no service")
	}
	if !s.running.CompareAndSwap(false, true) {
		return errors.New("youtube: already running")
	}
	defer s.running.Store(false)
	s.mu.Lock()
	checked := s.checked
	s.mu.Unlock()
	if !checked {
		if err := s.Check(ctx); err != nil {
			s.svc.SetHealth(HealthComponent, "stopped: "+shortError(err))
			return err
		}
	}
	r := newRun(ctx, s)
	return r.run()
}
