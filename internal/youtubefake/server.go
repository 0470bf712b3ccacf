// Package youtubefake is a fake of the YouTube Data API v3 on loopback, for
// tests, benchmarks and `tribune demo`. It speaks the wire format of the
// calls a live chat client makes: videos.list (liveStreamingDetails),
// liveChatMessages.list, liveChatMessages.insert, and the server-streamed
// liveChat/messages/stream (a JSON array sent item by item, each item a
// liveChatMessageListResponse flushed as a chunk), plus an OAuth 2.0 token
// endpoint that grants access tokens for a refresh token. Errors are
// Google's JSON error bodies with the documented reasons (quotaExceeded,
// liveChatEnded, liveChatNotFound, keyInvalid, …).
//
// It counts every call and the quota units it costs, refuses calls once its
// quota is spent, can inject errors and drop streams mid-item, and records
// the messages a client inserts (Tribune's replies). A Crowd plays
// simulated viewers for demos.
//
// A Server listens on 127.0.0.1 only, on a port chosen by the system:
//
//	srv, err := youtubefake.Start()
//	defer srv.Close()
//	srv.SetCredentials(youtubefake.Credentials{APIKey: "k"})
//	srv.AddVideo("dQw4w9WgXcQ", "chat-1")
//	srv.Say("dQw4w9WgXcQ", youtubefake.Author{ChannelID: "UC…", DisplayName: "Ana"}, "!q Hello?")
//	// point the client at srv.URL (the API base) and srv.TokenURL()
//
// server.go holds the Server and what a test sets and observes; chat.go
// what happens in a broadcast's chat (messages, deletions, bans, its
// end); api.go the HTTP API a client calls, with its quota, faults,
// credentials and Google's error bodies; crowd.go the Crowd.
package youtubefake

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/tribune-live/tribune/internal/youtubewire"
)

// Methods, as the fake names them in its counters, faults and request log.
const (
	MethodVideos = "videos.list"
	MethodList   = "liveChatMessages.list"
	MethodStream = "liveChatMessages.streamList"
	MethodInsert = "liveChatMessages.insert"
	MethodToken  = "token" // the OAuth token endpoint: no quota
)

// Costs are the quota units of each method, as Google documents them
// (developers.google.com/youtube/v3/determine_quota_cost): videos.list 1,
// liveChatMessages.list and streamList 5, liveChatMessages.insert 20.
var Costs = map[string]int{
	MethodVideos: 1,
	MethodList:   5,
	MethodStream: 5,
	MethodInsert: 20,
}

// MaxMessageRunes is the longest chat message YouTube accepts.
const MaxMessageRunes = 200

// Defaults of a Server.
const (
	DefaultPollingInterval = time.Second
	DefaultHistory         = 200 // messages a first request without page token gets
	DefaultMaxResults      = 500
	DefaultTokenTTL        = time.Hour
)

// Author is a chat user as authorDetails describes them.
type Author struct {
	ChannelID   string // "UC…": the stable identity
	DisplayName string
	Moderator   bool // isChatModerator
	Owner       bool // isChatOwner
	Sponsor     bool // isChatSponsor (a member)
}

// Credentials are what the fake accepts: an API key for reads, and an
// OAuth client with a refresh token whose access tokens allow inserts.
// Empty fields accept nothing.
type Credentials struct {
	APIKey       string
	ClientID     string
	ClientSecret string
	RefreshToken string
}

// Fault is an error the fake answers instead of a method's result.
type Fault struct {
	Status  int    // HTTP status, 403 by default
	Reason  string // errors[0].reason, e.g. "rateLimitExceeded"
	Message string // optional
}

// Request is one call the fake received.
type Request struct {
	Method    string
	At        time.Time // when the request arrived
	PageToken string
	// Auth is how the request authenticated: "key", "oauth", or "" when
	// it did not.
	Auth string
	// Status is the HTTP status the fake answered.
	Status int
}

// Inserted is a message a client inserted into a chat.
type Inserted struct {
	LiveChatID string
	Text       string
	At         time.Time
}

// Calls counts the calls per method and the quota units charged.
type Calls struct {
	ByMethod map[string]int
	Units    int
}

// Server is a fake YouTube Data API. Its methods are safe for concurrent
// use.
type Server struct {
	// URL is the API base, ending in "/": what --youtube-api takes.
	URL string

	ln   net.Listener
	http *http.Server

	mu        sync.Mutex
	videos    map[string]*video
	chats     map[string]*liveChat
	creds     Credentials
	tokens    map[string]time.Time // access token → expiry
	tokenTTL  time.Duration
	issued    int
	quota     int // units per day; 0: unlimited
	units     int
	calls     map[string]int
	faults    map[string][]Fault
	drops     []int // items each next stream sends before it is cut mid-item
	cut       chan struct{}
	poll      time.Duration
	noStream  bool
	overlap   int
	history   int
	requests  []Request
	inserted  []Inserted
	seq       int
	bot       Author
	changed   chan struct{} // closed and replaced on every change
	closeOnce sync.Once
	closed    chan struct{}
}

type video struct {
	id      string
	chatID  string
	live    bool // has liveStreamingDetails
	started time.Time
	ended   time.Time
}

type liveChat struct {
	id      string
	videoID string
	msgs    []*youtubewire.LiveChatMessage
	ended   bool
	readers int // requests that read it (list and stream)
}

// Start starts a fake on 127.0.0.1 with a port chosen by the system.
func Start() (*Server, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("youtubefake: listen: %w", err)
	}
	s := &Server{
		URL:      "http://" + ln.Addr().String() + "/",
		ln:       ln,
		videos:   map[string]*video{},
		chats:    map[string]*liveChat{},
		tokens:   map[string]time.Time{},
		tokenTTL: DefaultTokenTTL,
		calls:    map[string]int{},
		faults:   map[string][]Fault{},
		cut:      make(chan struct{}),
		poll:     DefaultPollingInterval,
		history:  DefaultHistory,
		bot:      Author{ChannelID: "UCtribuneTribuneTribune0", DisplayName: "Tribune", Owner: true},
		changed:  make(chan struct{}),
		closed:   make(chan struct{}),
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /youtube/v3/videos", s.handleVideos)
	mux.HandleFunc("GET /youtube/v3/liveChat/messages", s.handleList)
	mux.HandleFunc("POST /youtube/v3/liveChat/messages", s.handleInsert)
	mux.HandleFunc("GET /youtube/v3/liveChat/messages/stream", s.handleStream)
	mux.HandleFunc("POST /token", s.handleToken)
	s.http = &http.Server{
		Handler:           mux,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		IdleTimeout:       time.Minute,
		// No WriteTimeout: a stream is one response that lasts as long
		// as the chat. It ends when the client goes or the fake closes.
	}
	go s.http.Serve(ln)
	return s, nil
}

// TokenURL returns the URL of the fake's OAuth token endpoint: what
// --youtube-oauth takes.
func (s *Server) TokenURL() string { return s.URL + "token" }

// Close stops the server and ends every stream.
func (s *Server) Close() error {
	s.closeOnce.Do(func() { close(s.closed) })
	return s.http.Close()
}

// SetCredentials sets what the fake accepts.
func (s *Server) SetCredentials(c Credentials) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.creds = c
}

// SetTokenTTL sets how long the access tokens it grants from now on last.
func (s *Server) SetTokenTTL(d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.tokenTTL = d
}

// AccessTokens returns every access token the fake granted, for tests
// that check that no secret leaks.
func (s *Server) AccessTokens() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]string, 0, len(s.tokens))
	for t := range s.tokens {
		out = append(out, t)
	}
	return out
}

// SetQuota sets the units a day the project may spend (0: unlimited).
// Once they are spent every API call answers 403 quotaExceeded.
func (s *Server) SetQuota(units int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.quota = units
}

// SetPollingInterval sets the pollingIntervalMillis of list responses.
func (s *Server) SetPollingInterval(d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.poll = d
}

// DisableStream makes liveChat/messages/stream answer 404 (a project or
// region without it), so that a client falls back to polling.
func (s *Server) DisableStream(off bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.noStream = off
}

// SetResumeOverlap makes a stream resumed with a page token start n
// messages before it, as a server may: the client must skip what it has
// already applied.
func (s *Server) SetResumeOverlap(n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.overlap = n
}

// SetHistory sets how many past messages a request without a page token
// gets (DefaultHistory).
func (s *Server) SetHistory(n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.history = n
}

// Fail makes the next n calls of method answer f.
func (s *Server) Fail(method string, f Fault, n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for range n {
		s.faults[method] = append(s.faults[method], f)
	}
}

// DropStream makes the next stream connection send items complete items,
// then half of the next one, and break off, as a network drop would.
func (s *Server) DropStream(items int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.drops = append(s.drops, items)
}

// CutStreams breaks off every open stream at once, between items.
func (s *Server) CutStreams() {
	s.mu.Lock()
	defer s.mu.Unlock()
	close(s.cut)
	s.cut = make(chan struct{})
}

// AddVideo adds a live video. With a live chat id it has an active live
// chat; with "" it is live without one (chat disabled).
func (s *Server) AddVideo(videoID, liveChatID string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.videos[videoID] = &video{id: videoID, chatID: liveChatID, live: true, started: time.Now().UTC()}
	if liveChatID != "" {
		s.chats[liveChatID] = &liveChat{id: liveChatID, videoID: videoID}
	}
}

// AddPlainVideo adds a video that is not a live broadcast.
func (s *Server) AddPlainVideo(videoID string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.videos[videoID] = &video{id: videoID}
}

// Messages returns the messages of a video's chat so far.
func (s *Server) Messages(videoID string) []*youtubewire.LiveChatMessage {
	s.mu.Lock()
	defer s.mu.Unlock()
	c := s.chatOfLocked(videoID)
	if c == nil {
		return nil
	}
	return append([]*youtubewire.LiveChatMessage(nil), c.msgs...)
}

// Calls returns the calls per method and the units charged so far.
func (s *Server) Calls() Calls {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := Calls{ByMethod: make(map[string]int, len(s.calls)), Units: s.units}
	for k, v := range s.calls {
		out.ByMethod[k] = v
	}
	return out
}

// Requests returns the calls of method received so far, in order ("" for
// every method).
func (s *Server) Requests(method string) []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Request
	for _, r := range s.requests {
		if method == "" || r.Method == method {
			out = append(out, r)
		}
	}
	return out
}

// Inserted returns the messages clients inserted so far.
func (s *Server) Inserted() []Inserted {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Inserted(nil), s.inserted...)
}

// WaitInserted waits until an inserted message satisfies match.
func (s *Server) WaitInserted(ctx context.Context, match func(text string) bool) (string, error) {
	var found string
	err := s.wait(ctx, func() bool {
		for _, m := range s.inserted {
			if match(m.Text) {
				found = m.Text
				return true
			}
		}
		return false
	})
	return found, err
}

// WaitReading waits until a client has read the chat of videoID (a list
// or a stream request).
func (s *Server) WaitReading(ctx context.Context, videoID string) error {
	return s.wait(ctx, func() bool {
		c := s.chatOfLocked(videoID)
		return c != nil && c.readers > 0
	})
}

// WaitRequests waits until the fake has received n calls of method.
func (s *Server) WaitRequests(ctx context.Context, method string, n int) error {
	return s.wait(ctx, func() bool { return s.calls[method] >= n })
}

// wait waits until cond, called with s.mu held, holds.
func (s *Server) wait(ctx context.Context, cond func() bool) error {
	for {
		s.mu.Lock()
		ok := cond()
		ch := s.changed
		s.mu.Unlock()
		if ok {
			return nil
		}
		select {
		case <-ch:
		case <-ctx.Done():
			return ctx.Err()
		case <-s.closed:
			return errors.New("youtubefake: closed")
		}
	}
}

func (s *Server) notifyLocked() {
	close(s.changed)
	s.changed = make(chan struct{})
}
