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
//
// obsfake.go holds the Server, its scene collection and what a test sets
// and observes; session.go the protocol of one client's session (the
// handshake, each request, the events sent to subscribers).
package obsfake

import (
	"errors"
	"fmt"
	"net"
	"net/http"
	"slices"
	"sync"
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
