// Package obsfake is a loopback obs-websocket 5 server for tests and the
// demo: the real wire format (Hello and Identify with the SHA-256
// challenge, requests and their responses, events, close codes) over a
// scene collection held in memory.
//
// It answers the requests Tribune makes (GetCurrentProgramScene,
// SetCurrentProgramScene, GetSceneItemId, SetSceneItemEnabled, and
// GetSceneList), records every request, and sends the events they cause
// (CurrentProgramSceneChanged, SceneItemEnableStateChanged, ExitStarted)
// to the clients that subscribed to them. Kill, Close, Restart and Kick
// play OBS crashing, quitting, coming back and its "Kick" button.
package obsfake

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gorilla/websocket"
)

// Op codes of obs-websocket 5.
const (
	OpHello           = 0
	OpIdentify        = 1
	OpIdentified      = 2
	OpReidentify      = 3
	OpEvent           = 5
	OpRequest         = 6
	OpRequestResponse = 7
)

// Close codes the fake uses.
const (
	CloseMessageDecodeError    = 4002
	CloseUnknownOpCode         = 4006
	CloseNotIdentified         = 4007
	CloseAlreadyIdentified     = 4008
	CloseAuthenticationFailed  = 4009
	CloseUnsupportedRPCVersion = 4010
	CloseSessionInvalidated    = 4011
)

// Request status codes the fake answers.
const (
	StatusSuccess             = 100
	StatusUnknownRequestType  = 204
	StatusMissingRequestField = 300
	StatusInvalidRequestField = 400
	StatusResourceNotFound    = 600
)

// Event subscription bits (Identify's eventSubscriptions).
const (
	SubGeneral    = 1 << 0
	SubScenes     = 1 << 2
	SubSceneItems = 1 << 7
	// SubAll is every non-high-volume category, the default.
	SubAll = 1<<11 - 1
)

// Version is the obs-websocket version the fake says it is.
const Version = "5.5.4"

const writeWait = 5 * time.Second

// Scene is a scene of the collection.
type Scene struct {
	Name  string
	Items []Item
}

// Item is a source in a scene; its scene item id is its position, from 1.
type Item struct {
	Source  string
	Enabled bool
}

// Request is one request a client made, with the status code answered.
type Request struct {
	Type   string
	Data   map[string]any
	Status int
}

// Server is the fake OBS. Set Password before Start; empty accepts any
// client without authentication.
type Server struct {
	Password string

	saved collection // what OBS loads when it starts

	mu           sync.Mutex
	cur          collection
	addr         string // fixed by the first Start, reused by Restart
	ln           net.Listener
	srv          *http.Server
	sessions     map[*session]struct{}
	requests     []Request
	identified   int // successful identifications, ever
	authFailures int
	wg           sync.WaitGroup
}

type collection struct {
	program string
	scenes  []Scene
}

func (c collection) clone() collection {
	out := collection{program: c.program, scenes: make([]Scene, len(c.scenes))}
	for i, sc := range c.scenes {
		out.scenes[i] = Scene{Name: sc.Name, Items: slices.Clone(sc.Items)}
	}
	return out
}

func (c *collection) scene(name string) *Scene {
	for i := range c.scenes {
		if c.scenes[i].Name == name {
			return &c.scenes[i]
		}
	}
	return nil
}

// New returns a fake OBS whose collection holds scenes, with program as
// the program scene. It does not listen until Start.
func New(program string, scenes ...Scene) *Server {
	saved := collection{program: program, scenes: scenes}.clone()
	return &Server{saved: saved, sessions: map[*session]struct{}{}}
}

// Start loads the saved collection and listens: on a free loopback port
// the first time, on the same address after.
func (s *Server) Start() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.ln != nil {
		return errors.New("obsfake: already started")
	}
	addr := s.addr
	if addr == "" {
		addr = "127.0.0.1:0"
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("obsfake: listen on %s: %w", addr, err)
	}
	s.ln = ln
	s.addr = ln.Addr().String()
	s.cur = s.saved.clone()
	s.srv = &http.Server{
		Handler:           http.HandlerFunc(s.serve),
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       10 * time.Second,
		WriteTimeout:      10 * time.Second,
		IdleTimeout:       time.Minute,
	}
	srv := s.srv
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		srv.Serve(ln)
	}()
	return nil
}

// URL returns the websocket address, such as ws://127.0.0.1:4455.
func (s *Server) URL() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return "ws://" + s.addr
}

// Kill stops the fake as a crash does: the port closes and every
// connection is cut, with no close frame.
func (s *Server) Kill() {
	s.stop(func(ss *session) { ss.ws.Close() })
}

// Close stops the fake as OBS quitting does: ExitStarted to the clients
// that subscribed to general events, a going-away close, then the port
// closes.
func (s *Server) Close() error {
	s.stop(func(ss *session) {
		if ss.subscribed(SubGeneral) {
			ss.send(OpEvent, event{Type: "ExitStarted", Intent: SubGeneral})
		}
		ss.close(websocket.CloseGoingAway, "OBS is shutting down")
	})
	return nil
}

// Restart kills the fake and starts it again on the same address, with
// the saved collection: as OBS comes back after a crash, nothing a client
// changed survived.
func (s *Server) Restart() error {
	s.Kill()
	return s.Start()
}

// Kick closes every session with SessionInvalidated, as OBS's "Kick"
// button does; the fake keeps listening.
func (s *Server) Kick() {
	for _, ss := range s.liveSessions() {
		ss.close(CloseSessionInvalidated, "You have been kicked.")
	}
}

func (s *Server) stop(end func(*session)) {
	s.mu.Lock()
	ln, srv := s.ln, s.srv
	s.ln, s.srv = nil, nil
	s.mu.Unlock()
	if ln == nil {
		return
	}
	srv.Close() // the listener, and connections not yet upgraded
	for _, ss := range s.liveSessions() {
		end(ss)
	}
	s.wg.Wait()
}

func (s *Server) liveSessions() []*session {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]*session, 0, len(s.sessions))
	for ss := range s.sessions {
		out = append(out, ss)
	}
	return out
}

// ProgramScene returns the program scene.
func (s *Server) ProgramScene() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.cur.program
}

// SetProgramScene switches the program scene as the operator does with a
// click, and tells the clients.
func (s *Server) SetProgramScene(name string) error {
	s.mu.Lock()
	if s.cur.scene(name) == nil {
		s.mu.Unlock()
		return fmt.Errorf("obsfake: no scene %q", name)
	}
	changed := s.cur.program != name
	s.cur.program = name
	s.mu.Unlock()
	if changed {
		s.broadcast(SubScenes, event{Type: "CurrentProgramSceneChanged", Intent: SubScenes,
			Data: map[string]any{"sceneName": name, "sceneUuid": uuid(name)}})
	}
	return nil
}

// ItemEnabled reports whether source is shown in scene; ok is false when
// the scene has no such source.
func (s *Server) ItemEnabled(scene, source string) (enabled, ok bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	sc := s.cur.scene(scene)
	if sc == nil {
		return false, false
	}
	for _, it := range sc.Items {
		if it.Source == source {
			return it.Enabled, true
		}
	}
	return false, false
}

// Requests returns every request made so far, oldest first.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.requests)
}

// RequestsOf returns the requests of type typ made so far.
func (s *Server) RequestsOf(typ string) []Request {
	var out []Request
	for _, r := range s.Requests() {
		if r.Type == typ {
			out = append(out, r)
		}
	}
	return out
}

// Sessions returns how many clients are identified now.
func (s *Server) Sessions() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for ss := range s.sessions {
		if ss.identified.Load() {
			n++
		}
	}
	return n
}

// Identifications returns how many times a client was identified.
func (s *Server) Identifications() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.identified
}

// AuthFailures returns how many identifications failed on the password.
func (s *Server) AuthFailures() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.authFailures
}

// AuthString is obs-websocket's authentication string:
// base64(sha256(base64(sha256(password + salt)) + challenge)).
func AuthString(password, salt, challenge string) string {
	secret := sha256.Sum256([]byte(password + salt))
	resp := sha256.Sum256([]byte(base64.StdEncoding.EncodeToString(secret[:]) + challenge))
	return base64.StdEncoding.EncodeToString(resp[:])
}

func uuid(name string) string { return fmt.Sprintf("%x", sha256.Sum256([]byte(name)))[:32] }

// Wire messages.
type (
	message struct {
		Op int             `json:"op"`
		D  json.RawMessage `json:"d"`
	}
	hello struct {
		Version        string `json:"obsWebSocketVersion"`
		RPCVersion     int    `json:"rpcVersion"`
		Authentication *auth  `json:"authentication,omitempty"`
	}
	auth struct {
		Challenge string `json:"challenge"`
		Salt      string `json:"salt"`
	}
	identify struct {
		RPCVersion         *int   `json:"rpcVersion"`
		Authentication     string `json:"authentication"`
		EventSubscriptions *int   `json:"eventSubscriptions"`
	}
	event struct {
		Type   string         `json:"eventType"`
		Intent int            `json:"eventIntent"`
		Data   map[string]any `json:"eventData,omitempty"`
	}
	request struct {
		Type string         `json:"requestType"`
		ID   string         `json:"requestId"`
		Data map[string]any `json:"requestData"`
	}
	requestStatus struct {
		Result  bool   `json:"result"`
		Code    int    `json:"code"`
		Comment string `json:"comment,omitempty"`
	}
	response struct {
		Type   string         `json:"requestType"`
		ID     string         `json:"requestId"`
		Status requestStatus  `json:"requestStatus"`
		Data   map[string]any `json:"responseData,omitempty"`
	}
)

var upgrader = websocket.Upgrader{
	Subprotocols: []string{"obswebsocket.json"},
	CheckOrigin:  func(*http.Request) bool { return true },
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	ws, err := upgrader.Upgrade(w, r, nil)
	if err != nil {
		return
	}
	ss := &session{s: s, ws: ws}
	s.mu.Lock()
	if s.ln == nil { // stopping
		s.mu.Unlock()
		ws.Close()
		return
	}
	s.sessions[ss] = struct{}{}
	s.wg.Add(1)
	s.mu.Unlock()
	defer func() {
		s.mu.Lock()
		delete(s.sessions, ss)
		s.mu.Unlock()
		ws.Close()
		s.wg.Done()
	}()
	ss.run()
}

// session is one client. run is its only reader; writes take wmu, since
// events from other sessions are written from their goroutines.
type session struct {
	s          *Server
	ws         *websocket.Conn
	wmu        sync.Mutex
	identified atomic.Bool
	subs       int // guarded by s.mu
}

func (ss *session) subscribed(bit int) bool {
	ss.s.mu.Lock()
	defer ss.s.mu.Unlock()
	return ss.identified.Load() && ss.subs&bit != 0
}

func (ss *session) send(op int, d any) error {
	b, err := json.Marshal(d)
	if err != nil {
		return err
	}
	msg, _ := json.Marshal(message{Op: op, D: b})
	ss.wmu.Lock()
	defer ss.wmu.Unlock()
	ss.ws.SetWriteDeadline(time.Now().Add(writeWait))
	return ss.ws.WriteMessage(websocket.TextMessage, msg)
}

func (ss *session) close(code int, reason string) {
	ss.wmu.Lock()
	ss.ws.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(code, reason), time.Now().Add(writeWait))
	ss.wmu.Unlock()
	ss.ws.Close()
}

func (ss *session) run() {
	s := ss.s
	h := hello{Version: Version, RPCVersion: 1}
	var challenge, salt string
	if s.Password != "" {
		challenge, salt = random(), random()
		h.Authentication = &auth{Challenge: challenge, Salt: salt}
	}
	if ss.send(OpHello, h) != nil {
		return
	}
	for {
		_, data, err := ss.ws.ReadMessage()
		if err != nil {
			return
		}
		var m message
		if err := json.Unmarshal(data, &m); err != nil {
			ss.close(CloseMessageDecodeError, "bad JSON")
			return
		}
		if !ss.identified.Load() && m.Op != OpIdentify {
			ss.close(CloseNotIdentified, "not identified")
			return
		}
		switch m.Op {
		case OpIdentify:
			if ss.identified.Load() {
				ss.close(CloseAlreadyIdentified, "already identified")
				return
			}
			var id identify
			if err := json.Unmarshal(m.D, &id); err != nil || id.RPCVersion == nil {
				ss.close(CloseMessageDecodeError, "bad Identify")
				return
			}
			if *id.RPCVersion != 1 {
				ss.close(CloseUnsupportedRPCVersion, "rpcVersion 1 only")
				return
			}
			if s.Password != "" && id.Authentication != AuthString(s.Password, salt, challenge) {
				s.mu.Lock()
				s.authFailures++
				s.mu.Unlock()
				ss.close(CloseAuthenticationFailed, "Authentication failed.")
				return
			}
			s.mu.Lock()
			ss.subs = SubAll
			if id.EventSubscriptions != nil {
				ss.subs = *id.EventSubscriptions
			}
			s.identified++
			ss.identified.Store(true)
			s.mu.Unlock()
			ss.send(OpIdentified, map[string]int{"negotiatedRpcVersion": 1})
		case OpReidentify:
			var id identify
			json.Unmarshal(m.D, &id)
			s.mu.Lock()
			if id.EventSubscriptions != nil {
				ss.subs = *id.EventSubscriptions
			}
			s.mu.Unlock()
			ss.send(OpIdentified, map[string]int{"negotiatedRpcVersion": 1})
		case OpRequest:
			var req request
			if err := json.Unmarshal(m.D, &req); err != nil {
				ss.close(CloseMessageDecodeError, "bad Request")
				return
			}
			resp, events := s.handle(req)
			if ss.send(OpRequestResponse, resp) != nil {
				return
			}
			for _, e := range events {
				s.broadcast(e.Intent, e)
			}
		default:
			ss.close(CloseUnknownOpCode, fmt.Sprintf("unknown op %d", m.Op))
			return
		}
	}
}

// broadcast sends e to every identified session subscribed to bit.
func (s *Server) broadcast(bit int, e event) {
	for _, ss := range s.liveSessions() {
		if ss.subscribed(bit) {
			ss.send(OpEvent, e)
		}
	}
}

// handle answers one request and returns the events it causes.
func (s *Server) handle(req request) (response, []event) {
	resp := response{Type: req.Type, ID: req.ID, Status: requestStatus{Result: true, Code: StatusSuccess}}
	fail := func(code int, comment string) {
		resp.Status = requestStatus{Code: code, Comment: comment}
	}
	str := func(key string) (string, bool) {
		v, ok := req.Data[key].(string)
		if !ok {
			fail(StatusMissingRequestField, "Your request is missing a required field: "+key)
		}
		return v, ok
	}
	var events []event
	s.mu.Lock()
	switch req.Type {
	case "GetCurrentProgramScene":
		p := s.cur.program
		resp.Data = map[string]any{"sceneName": p, "sceneUuid": uuid(p), "currentProgramSceneName": p, "currentProgramSceneUuid": uuid(p)}
	case "GetSceneList":
		var scenes []map[string]any
		for i, sc := range s.cur.scenes {
			scenes = append(scenes, map[string]any{"sceneName": sc.Name, "sceneUuid": uuid(sc.Name), "sceneIndex": len(s.cur.scenes) - 1 - i})
		}
		resp.Data = map[string]any{"currentProgramSceneName": s.cur.program, "currentPreviewSceneName": nil, "scenes": scenes}
	case "SetCurrentProgramScene":
		name, ok := str("sceneName")
		if !ok {
			break
		}
		if s.cur.scene(name) == nil {
			fail(StatusResourceNotFound, "No source was found by the name of `"+name+"`.")
			break
		}
		if s.cur.program != name {
			s.cur.program = name
			events = append(events, event{Type: "CurrentProgramSceneChanged", Intent: SubScenes,
				Data: map[string]any{"sceneName": name, "sceneUuid": uuid(name)}})
		}
	case "GetSceneItemId":
		scene, ok := str("sceneName")
		if !ok {
			break
		}
		source, ok := str("sourceName")
		if !ok {
			break
		}
		sc := s.cur.scene(scene)
		if sc == nil {
			fail(StatusResourceNotFound, "No source was found by the name of `"+scene+"`.")
			break
		}
		i := slices.IndexFunc(sc.Items, func(it Item) bool { return it.Source == source })
		if i < 0 {
			fail(StatusResourceNotFound, "No scene items were found in the specified scene by that name or offset.")
			break
		}
		resp.Data = map[string]any{"sceneItemId": i + 1}
	case "SetSceneItemEnabled":
		scene, ok := str("sceneName")
		if !ok {
			break
		}
		id, okID := req.Data["sceneItemId"].(float64)
		enabled, okEn := req.Data["sceneItemEnabled"].(bool)
		if !okID || !okEn {
			fail(StatusMissingRequestField, "Your request is missing a required field: sceneItemId or sceneItemEnabled")
			break
		}
		sc := s.cur.scene(scene)
		if sc == nil {
			fail(StatusResourceNotFound, "No source was found by the name of `"+scene+"`.")
			break
		}
		if id < 1 || int(id) > len(sc.Items) || id != float64(int(id)) {
			fail(StatusResourceNotFound, "No scene items were found in scene `"+scene+"` with the ID `"+fmt.Sprint(id)+"`.")
			break
		}
		it := &sc.Items[int(id)-1]
		if it.Enabled != enabled {
			it.Enabled = enabled
			events = append(events, event{Type: "SceneItemEnableStateChanged", Intent: SubSceneItems,
				Data: map[string]any{"sceneName": scene, "sceneUuid": uuid(scene), "sceneItemId": int(id), "sceneItemEnabled": enabled}})
		}
	default:
		fail(StatusUnknownRequestType, "Your request type is not valid.")
	}
	s.requests = append(s.requests, Request{Type: req.Type, Data: req.Data, Status: resp.Status.Code})
	s.mu.Unlock()
	return resp, events
}

func random() string {
	b := make([]byte, 32)
	rand.Read(b)
	return base64.StdEncoding.EncodeToString(b)
}
