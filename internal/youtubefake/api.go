package youtubefake

import (
	"cmp"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/tribune-live/tribune/internal/youtubewire"
)

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
	body := youtubewire.ErrorBody{Error: &youtubewire.Error{
		Code: status, Message: message, Status: grpcStatus(status),
		Errors: []youtubewire.ErrorItem{{Message: message, Domain: domain, Reason: reason}},
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
	resp := &youtubewire.VideoListResponse{Kind: "youtube#videoListResponse", Etag: "videos", PageInfo: &youtubewire.PageInfo{}}
	s.mu.Lock()
	// The generated client repeats the parameter; others join with ",".
	for _, id := range strings.Split(strings.Join(r.URL.Query()["id"], ","), ",") {
		v := s.videos[id]
		if v == nil {
			continue
		}
		item := &youtubewire.Video{Kind: "youtube#video", Etag: "video-" + id, ID: id}
		if v.live {
			d := &youtubewire.VideoLiveStreamingDetails{ActualStartTime: v.started.Format(time.RFC3339)}
			if v.ended.IsZero() {
				d.ActiveLiveChatID = v.chatID
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
func (s *Server) pageLocked(c *liveChat, off, limit int) (*youtubewire.LiveChatMessageListResponse, int) {
	end := min(len(c.msgs), off+limit)
	items := c.msgs[off:end]
	return &youtubewire.LiveChatMessageListResponse{
		Kind:                  "youtube#liveChatMessageListResponse",
		Etag:                  fmt.Sprintf("page-%d", end),
		NextPageToken:         pageToken(c.id, end),
		PollingIntervalMillis: int64(s.poll / time.Millisecond),
		PageInfo:              &youtubewire.PageInfo{TotalResults: int64(len(items)), ResultsPerPage: int64(len(items))},
		Items:                 items,
	}, end
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
			var resp *youtubewire.LiveChatMessageListResponse
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
	var m youtubewire.LiveChatMessage
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
	c := s.chats[sn.LiveChatID]
	switch {
	case sn.LiveChatID == "":
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
	out.Snippet.TextMessageDetails = &youtubewire.LiveChatTextMessageDetails{MessageText: text}
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
