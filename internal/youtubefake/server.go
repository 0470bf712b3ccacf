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
package youtubefake

import (
	"cmp"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"google.golang.org/api/youtube/v3"
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
	msgs    []*youtube.LiveChatMessage
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

// DeleteChat removes a video's live chat while the video still names it,
// so that reading it answers 404 liveChatNotFound.
func (s *Server) DeleteChat(videoID string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if v := s.videos[videoID]; v != nil {
		delete(s.chats, v.chatID)
	}
}

// EndChat ends a video's broadcast: open streams get a chatEndedEvent and
// close; later reads answer 403 liveChatEnded, and videos.list shows no
// active chat any more.
func (s *Server) EndChat(videoID string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	v := s.videos[videoID]
	if v == nil {
		return
	}
	v.ended = time.Now().UTC()
	if c := s.chats[v.chatID]; c != nil && !c.ended {
		m := s.newMessageLocked(c, "chatEndedEvent", s.bot)
		m.Snippet.DisplayMessage = ""
		m.Snippet.HasDisplayContent = false
		c.ended = true
		s.notifyLocked()
	}
}

// Say posts a text message to a video's chat and returns its id, or ""
// when the video has no chat.
func (s *Server) Say(videoID string, a Author, text string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	c := s.chatOfLocked(videoID)
	if c == nil || c.ended {
		return ""
	}
	m := s.newMessageLocked(c, "textMessageEvent", a)
	m.Snippet.TextMessageDetails = &youtube.LiveChatTextMessageDetails{MessageText: text}
	m.Snippet.DisplayMessage = text
	s.notifyLocked()
	return m.Id
}

// Delete posts a messageDeletedEvent by moderator by for message id.
func (s *Server) Delete(videoID string, by Author, messageID string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	c := s.chatOfLocked(videoID)
	if c == nil || c.ended {
		return ""
	}
	m := s.newMessageLocked(c, "messageDeletedEvent", by)
	m.Snippet.MessageDeletedDetails = &youtube.LiveChatMessageDeletedDetails{DeletedMessageId: messageID}
	m.Snippet.DisplayMessage = "A message was deleted."
	s.notifyLocked()
	return m.Id
}

// Ban posts a userBannedEvent by moderator by against banned: permanent
// when d is 0, else a timeout of d.
func (s *Server) Ban(videoID string, by, banned Author, d time.Duration) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	c := s.chatOfLocked(videoID)
	if c == nil || c.ended {
		return ""
	}
	m := s.newMessageLocked(c, "userBannedEvent", by)
	det := &youtube.LiveChatUserBannedMessageDetails{
		BanType: "permanent",
		BannedUserDetails: &youtube.ChannelProfileDetails{
			ChannelId: banned.ChannelID, DisplayName: banned.DisplayName,
			ChannelUrl: "http://www.youtube.com/channel/" + banned.ChannelID,
		},
	}
	if d > 0 {
		det.BanType = "temporary"
		det.BanDurationSeconds = uint64(d / time.Second)
	}
	m.Snippet.UserBannedDetails = det
	m.Snippet.DisplayMessage = banned.DisplayName + " has been banned."
	s.notifyLocked()
	return m.Id
}

// Messages returns the messages of a video's chat so far.
func (s *Server) Messages(videoID string) []*youtube.LiveChatMessage {
	s.mu.Lock()
	defer s.mu.Unlock()
	c := s.chatOfLocked(videoID)
	if c == nil {
		return nil
	}
	return append([]*youtube.LiveChatMessage(nil), c.msgs...)
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

func (s *Server) chatOfLocked(videoID string) *liveChat {
	if v := s.videos[videoID]; v != nil {
		return s.chats[v.chatID]
	}
	return nil
}

// newMessageLocked appends a message of type typ by a to c.
func (s *Server) newMessageLocked(c *liveChat, typ string, a Author) *youtube.LiveChatMessage {
	s.seq++
	id := "LCC." + base64.RawURLEncoding.EncodeToString([]byte(fmt.Sprintf("%s/%08d", c.id, s.seq)))
	m := &youtube.LiveChatMessage{
		Kind: "youtube#liveChatMessage",
		Etag: fmt.Sprintf("etag-%d", s.seq),
		Id:   id,
		Snippet: &youtube.LiveChatMessageSnippet{
			Type:              typ,
			LiveChatId:        c.id,
			AuthorChannelId:   a.ChannelID,
			PublishedAt:       time.Now().UTC().Format(time.RFC3339Nano),
			HasDisplayContent: true,
		},
		AuthorDetails: &youtube.LiveChatMessageAuthorDetails{
			ChannelId:       a.ChannelID,
			ChannelUrl:      "http://www.youtube.com/channel/" + a.ChannelID,
			DisplayName:     a.DisplayName,
			IsChatModerator: a.Moderator,
			IsChatOwner:     a.Owner,
			IsChatSponsor:   a.Sponsor,
			ProfileImageUrl: "https://yt3.ggpht.example/" + a.ChannelID,
		},
	}
	c.msgs = append(c.msgs, m)
	return m
}

// pageToken and offset encode a position in a chat's log as an opaque
// token, as YouTube's are.
func pageToken(chatID string, offset int) string {
	return base64.RawURLEncoding.EncodeToString([]byte(chatID + "@" + strconv.Itoa(offset)))
}

func offset(chatID, token string) (int, bool) {
	b, err := base64.RawURLEncoding.DecodeString(token)
	if err != nil {
		return 0, false
	}
	id, n, ok := strings.Cut(string(b), "@")
	if !ok || id != chatID {
		return 0, false
	}
	off, err := strconv.Atoi(n)
	return off, err == nil && off >= 0
}

// begin records a call of method, charges its quota and answers the errors
// that come before the method's own work: an injected fault, a spent
// quota, missing or refused credentials. It returns how the call
// authenticated and false when it has answered.
func (s *Server) begin(w http.ResponseWriter, r *http.Request, method string) (auth string, ok bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	req := Request{Method: method, At: time.Now(), PageToken: r.URL.Query().Get("pageToken")}
	defer func() {
		s.requests = append(s.requests, req)
		s.notifyLocked()
	}()
	s.calls[method]++
	spent := s.units
	s.units += Costs[method]
	if q := s.faults[method]; len(q) > 0 {
		f := q[0]
		s.faults[method] = q[1:]
		req.Status = f.Status
		if req.Status == 0 {
			req.Status = http.StatusForbidden
		}
		writeError(w, req.Status, f.Reason, f.Message)
		return "", false
	}
	if method == MethodStream && s.noStream {
		// As for a method the API does not have (still charged: every
		// request costs).
		req.Status = http.StatusNotFound
		writeError(w, req.Status, "notFound", "Method not found.")
		return "", false
	}
	if s.quota > 0 && spent >= s.quota {
		req.Status = http.StatusForbidden
		writeError(w, req.Status, "quotaExceeded", "")
		return "", false
	}
	req.Auth, req.Status = s.authLocked(r)
	if req.Status != 0 {
		switch req.Status {
		case http.StatusUnauthorized:
			writeError(w, req.Status, "authError", "")
		case http.StatusBadRequest:
			writeError(w, req.Status, "keyInvalid", "")
		default:
			writeError(w, req.Status, "forbidden", "The request is missing a valid API key.")
		}
		return "", false
	}
	req.Status = http.StatusOK
	return req.Auth, true
}

// authLocked reads a request's credentials: a bearer token the fake
// granted, or its API key (header X-Goog-Api-Key or parameter key).
func (s *Server) authLocked(r *http.Request) (auth string, status int) {
	if h := r.Header.Get("Authorization"); h != "" {
		tok, ok := strings.CutPrefix(h, "Bearer ")
		if exp, known := s.tokens[tok]; ok && known && time.Now().Before(exp) {
			return "oauth", 0
		}
		return "", http.StatusUnauthorized
	}
	key := r.Header.Get("X-Goog-Api-Key")
	if key == "" {
		key = r.URL.Query().Get("key")
	}
	switch {
	case key == "":
		return "", http.StatusForbidden
	case s.creds.APIKey == "" || key != s.creds.APIKey:
		return "", http.StatusBadRequest
	}
	return "key", 0
}

// errorMessages are the messages Google sends with each reason.
var errorMessages = map[string]string{
	"quotaExceeded":           "The request cannot be completed because you have exceeded your <a href=\"/youtube/v3/getting-started#quota\">quota</a>.",
	"liveChatEnded":           "The live chat is no longer live.",
	"liveChatNotFound":        "The live chat that you are trying to retrieve cannot be found.",
	"liveChatDisabled":        "Live chat is not enabled for the specified broadcast.",
	"rateLimitExceeded":       "The request was sent too soon after the previous one.",
	"keyInvalid":              "API key not valid. Please pass a valid API key.",
	"authError":               "Invalid Credentials",
	"backendError":            "Backend Error",
	"messageTextInvalid":      "The message text is invalid.",
	"insufficientPermissions": "Request had insufficient authentication scopes.",
}

var errorDomains = map[string]string{
	"quotaExceeded":    "youtube.quota",
	"liveChatEnded":    "youtube.liveChat",
	"liveChatNotFound": "youtube.liveChat",
	"liveChatDisabled": "youtube.liveChat",
}

// writeError writes Google's JSON error body.
func writeError(w http.ResponseWriter, status int, reason, message string) {
	if message == "" {
		message = errorMessages[reason]
	}
	if message == "" {
		message = http.StatusText(status)
	}
	domain := errorDomains[reason]
	if domain == "" {
		domain = "global"
	}
	type item struct {
		Message string `json:"message"`
		Domain  string `json:"domain"`
		Reason  string `json:"reason"`
	}
	body := map[string]any{"error": map[string]any{
		"code": status, "message": message,
		"errors": []item{{Message: message, Domain: domain, Reason: reason}},
		"status": grpcStatus(status),
	}}
	w.Header().Set("Content-Type", "application/json; charset=UTF-8")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(body)
}

func grpcStatus(code int) string {
	switch code {
	case http.StatusBadRequest:
		return "INVALID_ARGUMENT"
	case http.StatusUnauthorized:
		return "UNAUTHENTICATED"
	case http.StatusForbidden:
		return "PERMISSION_DENIED"
	case http.StatusNotFound:
		return "NOT_FOUND"
	case http.StatusTooManyRequests:
		return "RESOURCE_EXHAUSTED"
	}
	return "UNKNOWN"
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json; charset=UTF-8")
	json.NewEncoder(w).Encode(v)
}

func (s *Server) handleVideos(w http.ResponseWriter, r *http.Request) {
	if _, ok := s.begin(w, r, MethodVideos); !ok {
		return
	}
	resp := &youtube.VideoListResponse{Kind: "youtube#videoListResponse", Etag: "videos", PageInfo: &youtube.PageInfo{}}
	s.mu.Lock()
	// The generated client repeats the parameter; others join with ",".
	for _, id := range strings.Split(strings.Join(r.URL.Query()["id"], ","), ",") {
		v := s.videos[id]
		if v == nil {
			continue
		}
		item := &youtube.Video{Kind: "youtube#video", Etag: "video-" + id, Id: id}
		if v.live {
			d := &youtube.VideoLiveStreamingDetails{ActualStartTime: v.started.Format(time.RFC3339)}
			if v.ended.IsZero() {
				d.ActiveLiveChatId = v.chatID
				d.ConcurrentViewers = 1234
			} else {
				d.ActualEndTime = v.ended.Format(time.RFC3339)
			}
			item.LiveStreamingDetails = d
		}
		resp.Items = append(resp.Items, item)
	}
	s.mu.Unlock()
	resp.PageInfo.TotalResults = int64(len(resp.Items))
	resp.PageInfo.ResultsPerPage = int64(len(resp.Items))
	writeJSON(w, resp)
}

// openChat finds the chat a read asks for and its starting offset, or
// answers the error.
func (s *Server) openChat(w http.ResponseWriter, r *http.Request, resume bool) (*liveChat, int, bool) {
	q := r.URL.Query()
	id := q.Get("liveChatId")
	s.mu.Lock()
	defer s.mu.Unlock()
	c := s.chats[id]
	switch {
	case id == "":
		writeError(w, http.StatusBadRequest, "liveChatIdRequired", "The liveChatId parameter is required.")
		return nil, 0, false
	case c == nil:
		writeError(w, http.StatusNotFound, "liveChatNotFound", "")
		return nil, 0, false
	case c.ended:
		writeError(w, http.StatusForbidden, "liveChatEnded", "")
		return nil, 0, false
	}
	c.readers++
	s.notifyLocked()
	off := max(0, len(c.msgs)-s.history)
	if tok := q.Get("pageToken"); tok != "" {
		n, ok := offset(id, tok)
		if !ok {
			writeError(w, http.StatusBadRequest, "pageTokenInvalid", "The page token is invalid.")
			return nil, 0, false
		}
		off = min(n, len(c.msgs))
		if resume {
			off = max(0, off-s.overlap)
		}
	}
	return c, off, true
}

func maxResults(r *http.Request) int {
	if n, err := strconv.Atoi(r.URL.Query().Get("maxResults")); err == nil && n > 0 {
		return min(n, 2000)
	}
	return DefaultMaxResults
}

// page returns the response for c's messages from off, and the offset
// after them. The caller holds s.mu.
func (s *Server) pageLocked(c *liveChat, off, limit int) (*youtube.LiveChatMessageListResponse, int) {
	end := min(len(c.msgs), off+limit)
	items := c.msgs[off:end]
	return &youtube.LiveChatMessageListResponse{
		Kind:                  "youtube#liveChatMessageListResponse",
		Etag:                  fmt.Sprintf("page-%d", end),
		NextPageToken:         pageToken(c.id, end),
		PollingIntervalMillis: int64(s.poll / time.Millisecond),
		PageInfo:              &youtube.PageInfo{TotalResults: int64(len(items)), ResultsPerPage: int64(len(items))},
		Items:                 items,
	}, end
}

func (s *Server) handleList(w http.ResponseWriter, r *http.Request) {
	if _, ok := s.begin(w, r, MethodList); !ok {
		return
	}
	c, off, ok := s.openChat(w, r, false)
	if !ok {
		return
	}
	s.mu.Lock()
	resp, _ := s.pageLocked(c, off, maxResults(r))
	b, err := json.Marshal(resp)
	s.mu.Unlock()
	if err != nil {
		writeError(w, http.StatusInternalServerError, "backendError", "")
		return
	}
	w.Header().Set("Content-Type", "application/json; charset=UTF-8")
	w.Write(b)
}

// handleStream serves liveChat/messages/stream: a JSON array whose items
// are liveChatMessageListResponses, each written and flushed as soon as
// there are messages, for as long as the chat lasts. The first item comes
// at once (the recent history, perhaps empty), so that the client has a
// page token to resume from.
func (s *Server) handleStream(w http.ResponseWriter, r *http.Request) {
	if _, ok := s.begin(w, r, MethodStream); !ok {
		return
	}
	c, at, ok := s.openChat(w, r, true)
	if !ok {
		return
	}
	limit := maxResults(r)
	s.mu.Lock()
	drop := -1
	if len(s.drops) > 0 {
		drop, s.drops = s.drops[0], s.drops[1:]
	}
	cut := s.cut
	s.mu.Unlock()

	flusher, _ := w.(http.Flusher)
	w.Header().Set("Content-Type", "application/json; charset=UTF-8")
	w.WriteHeader(http.StatusOK)
	write := func(b []byte) {
		w.Write(b)
		if flusher != nil {
			flusher.Flush()
		}
	}
	write([]byte("[\n"))
	for items := 0; ; {
		s.mu.Lock()
		pending := len(c.msgs) > at
		ended := c.ended
		changed := s.changed
		var b []byte
		if pending || items == 0 {
			var resp *youtube.LiveChatMessageListResponse
			resp, at = s.pageLocked(c, at, limit)
			resp.PollingIntervalMillis = 0 // a stream is not polled
			b, _ = json.Marshal(resp)
		}
		s.mu.Unlock()
		if b != nil {
			sep := []byte(",\n")
			if items == 0 {
				sep = nil
			}
			if items == drop {
				// A network drop mid-item: half an object, then nothing.
				write(append(sep, b[:len(b)/2]...))
				panic(http.ErrAbortHandler)
			}
			write(append(sep, b...))
			items++
			continue
		}
		if ended {
			write([]byte("\n]\n"))
			return
		}
		select {
		case <-changed:
		case <-cut:
			panic(http.ErrAbortHandler)
		case <-r.Context().Done():
			return
		case <-s.closed:
			return
		}
	}
}

func (s *Server) handleInsert(w http.ResponseWriter, r *http.Request) {
	auth, ok := s.begin(w, r, MethodInsert)
	if !ok {
		return
	}
	if auth != "oauth" {
		writeError(w, http.StatusUnauthorized, "required", "API keys are not supported by this API. Expected OAuth2 access token or other authentication credentials that assert a principal.")
		return
	}
	var m youtube.LiveChatMessage
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 64<<10)).Decode(&m); err != nil || m.Snippet == nil {
		writeError(w, http.StatusBadRequest, "parseError", "Invalid JSON payload received.")
		return
	}
	sn := m.Snippet
	text := ""
	if sn.TextMessageDetails != nil {
		text = sn.TextMessageDetails.MessageText
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	c := s.chats[sn.LiveChatId]
	switch {
	case sn.LiveChatId == "":
		writeError(w, http.StatusBadRequest, "liveChatIdRequired", "")
		return
	case c == nil:
		writeError(w, http.StatusNotFound, "liveChatNotFound", "")
		return
	case c.ended:
		writeError(w, http.StatusForbidden, "liveChatEnded", "")
		return
	case sn.Type != "textMessageEvent":
		writeError(w, http.StatusBadRequest, "typeRequired", "")
		return
	case strings.TrimSpace(text) == "":
		writeError(w, http.StatusBadRequest, "messageTextRequired", "")
		return
	case utf8.RuneCountInString(text) > MaxMessageRunes || !utf8.ValidString(text):
		writeError(w, http.StatusBadRequest, "messageTextInvalid", "")
		return
	}
	out := s.newMessageLocked(c, "textMessageEvent", s.bot)
	out.Snippet.TextMessageDetails = &youtube.LiveChatTextMessageDetails{MessageText: text}
	out.Snippet.DisplayMessage = text
	s.inserted = append(s.inserted, Inserted{LiveChatID: c.id, Text: text, At: time.Now()})
	s.notifyLocked()
	b, _ := json.Marshal(out)
	w.Header().Set("Content-Type", "application/json; charset=UTF-8")
	w.Write(b)
}

// handleToken is the OAuth 2.0 token endpoint, for the refresh_token
// grant, with the client authenticated in the form or by HTTP Basic.
func (s *Server) handleToken(w http.ResponseWriter, r *http.Request) {
	tokenError := func(status int, code, desc string) {
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		w.WriteHeader(status)
		json.NewEncoder(w).Encode(map[string]string{"error": code, "error_description": desc})
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	req := Request{Method: MethodToken, At: time.Now(), Status: http.StatusOK}
	defer func() {
		s.requests = append(s.requests, req)
		s.notifyLocked()
	}()
	s.calls[MethodToken]++
	if q := s.faults[MethodToken]; len(q) > 0 {
		f := q[0]
		s.faults[MethodToken] = q[1:]
		req.Status = cmp.Or(f.Status, http.StatusBadRequest)
		tokenError(req.Status, cmp.Or(f.Reason, "invalid_grant"), cmp.Or(f.Message, "Bad Request"))
		return
	}
	if err := r.ParseForm(); err != nil {
		req.Status = http.StatusBadRequest
		tokenError(req.Status, "invalid_request", "malformed form")
		return
	}
	id, secret, basic := r.BasicAuth()
	if !basic {
		id, secret = r.PostForm.Get("client_id"), r.PostForm.Get("client_secret")
	}
	switch {
	case r.PostForm.Get("grant_type") != "refresh_token":
		req.Status = http.StatusBadRequest
		tokenError(req.Status, "unsupported_grant_type", "Invalid grant_type.")
	case s.creds.ClientID == "" || id != s.creds.ClientID || secret != s.creds.ClientSecret:
		req.Status = http.StatusUnauthorized
		tokenError(req.Status, "invalid_client", "Unauthorized")
	case s.creds.RefreshToken == "" || r.PostForm.Get("refresh_token") != s.creds.RefreshToken:
		req.Status = http.StatusBadRequest
		tokenError(req.Status, "invalid_grant", "Token has been expired or revoked.")
	default:
		s.issued++
		tok := fmt.Sprintf("ya29.fake-%d-%d", s.issued, time.Now().UnixNano())
		s.tokens[tok] = time.Now().Add(s.tokenTTL)
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		json.NewEncoder(w).Encode(map[string]any{
			"access_token": tok, "expires_in": int(s.tokenTTL / time.Second), "token_type": "Bearer",
			"scope": "https://www.googleapis.com/auth/youtube",
		})
	}
}
