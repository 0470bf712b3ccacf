// Package overlay is Tribune's HTTP server: the overlay pages that OBS loads
// as browser sources, their read-only websocket feed, and the control API
// that remote consoles and scripts use, with Client, the remote form of
// tribune.Moderation.
//
// Routes (see DESIGN.md "HTTP (overlay server)"):
//
//	GET  /overlay        the on-air question card (query: theme, accent, position, font, scale, lang)
//	GET  /overlay/top    the live leaderboard (query: n and the options above)
//	GET  /overlay/ws     read-only feed: onair/offair/top messages (top=0 leaves top out)
//	GET  /healthz        200 "ok"
//	     /api/...        the control API, "Authorization: Bearer TOKEN"
//
// The pages are embedded in the binary and load nothing from elsewhere. Chat
// text only ever reaches the DOM through textContent.
package overlay

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/gorilla/websocket"
	"github.com/tribune-live/tribune"
)

// DefaultAddr is where the server listens unless Addr says otherwise:
// loopback, so that the control API is not reachable from the network.
const DefaultAddr = "127.0.0.1:7350"

// Timing of websockets. A client that answers no ping within pongWait is
// dropped; every write must finish within writeWait.
const (
	writeWait  = 10 * time.Second
	pongWait   = 60 * time.Second
	pingPeriod = pongWait * 9 / 10
	// closeGrace is how long Close lets websockets say goodbye before it
	// cuts the connections that have not.
	closeGrace = 2 * time.Second
	// shutdownWait bounds how long Close waits for plain HTTP requests.
	shutdownWait = 5 * time.Second
)

// Server serves the overlay pages, their feed and the control API.
// Configure the exported fields, then Open; Close stops everything it
// started.
type Server struct {
	// Addr is the TCP address to listen on; "127.0.0.1:0" picks a free port.
	Addr string
	// Token is the bearer token of the control API. Empty refuses every
	// /api request. It is never logged.
	Token string
	// Logger receives the server's logs.
	Logger *slog.Logger

	svc  *tribune.Service
	ln   net.Listener
	http *http.Server
	hub  *hub

	// wg counts the websocket goroutines and the HTTP serve loop.
	wg sync.WaitGroup

	mu     sync.Mutex
	conns  map[*websocket.Conn]struct{} // live websockets, cut if Close's grace runs out
	fresh  map[net.Conn]struct{}        // HTTP connections that have sent no request yet
	closed bool
}

// NewServer returns a server for svc with the default address.
func NewServer(svc *tribune.Service) *Server {
	return &Server{
		Addr:   DefaultAddr,
		Logger: slog.Default(),
		svc:    svc,
		conns:  map[*websocket.Conn]struct{}{},
		fresh:  map[net.Conn]struct{}{},
	}
}

// Open listens on Addr and serves in the background. It returns once the
// listener is open, so URL is valid and requests succeed.
func (s *Server) Open() error {
	if s.svc == nil {
		return errors.New("overlay: server has no service")
	}
	if s.Logger == nil {
		s.Logger = slog.Default()
	}
	addr := s.Addr
	if addr == "" {
		addr = DefaultAddr
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("overlay: listen on %s: %w", addr, err)
	}
	s.ln = &onceCloseListener{Listener: ln}
	if host, _, err := net.SplitHostPort(addr); err == nil {
		if ip := net.ParseIP(host); ip == nil || !ip.IsLoopback() {
			s.Logger.Warn("overlay server listens beyond this machine; the control API still requires its token", "addr", ln.Addr().String())
		}
	}
	if s.Token == "" {
		s.Logger.Warn("control API has no token: every /api request is refused")
	}

	s.hub = newHub(s.svc, s.Logger)
	go s.hub.run()

	s.http = &http.Server{
		Handler:           s.routes(),
		ReadHeaderTimeout: 10 * time.Second,
		ErrorLog:          slog.NewLogLogger(s.Logger.Handler(), slog.LevelWarn),
		ConnState:         s.connState,
	}
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		err := s.http.Serve(s.ln)
		s.mu.Lock()
		closing := s.closed
		s.mu.Unlock()
		if err != nil && !errors.Is(err, http.ErrServerClosed) && !closing {
			s.Logger.Error("overlay server stopped", "err", err)
		}
	}()
	s.Logger.Info("overlay server listening", "url", s.URL())
	return nil
}

// URL returns the server's base URL, such as "http://127.0.0.1:7350".
func (s *Server) URL() string {
	if s.ln == nil {
		return ""
	}
	return "http://" + s.ln.Addr().String()
}

// Close stops accepting connections, tells every websocket client that the
// server is going away, waits for HTTP requests in flight, and returns when
// every goroutine it started has ended.
func (s *Server) Close() error {
	s.mu.Lock()
	if s.closed || s.ln == nil {
		s.mu.Unlock()
		return nil
	}
	s.closed = true
	s.mu.Unlock()

	// Browsers open spare connections ahead of need. Shutdown would wait
	// five seconds for each before it counts it idle: close the listener,
	// then those connections, so that Shutdown waits only for requests.
	s.ln.Close()
	s.mu.Lock()
	for c := range s.fresh {
		c.Close()
	}
	s.mu.Unlock()
	ctx, cancel := context.WithTimeout(context.Background(), shutdownWait)
	defer cancel()
	// Shutdown waits for plain requests; hijacked websockets are not its
	// business, the hub closes them.
	err := s.http.Shutdown(ctx)
	s.hub.stop()

	done := make(chan struct{})
	go func() { s.wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(closeGrace):
		// A stalled client can hold its writer for writeWait: cut it.
		s.mu.Lock()
		for c := range s.conns {
			c.Close()
		}
		s.mu.Unlock()
		<-done
	}
	if err != nil {
		return fmt.Errorf("overlay: shut down: %w", err)
	}
	return nil
}

func (s *Server) routes() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.Header().Set("Cache-Control", "no-store")
		fmt.Fprint(w, "ok")
	})
	mux.HandleFunc("GET /overlay", s.handleCardPage)
	mux.HandleFunc("GET /overlay/top", s.handleTopPage)
	mux.HandleFunc("GET /overlay/ws", s.handleFeed)
	mux.Handle("/api/", s.authenticate(s.apiRoutes()))
	return mux
}

// track records a live websocket so that Close can cut it, and counts its
// reader and writer goroutines. It reports false when the server is closing
// and the connection must not start. Both happen under s.mu so that no
// goroutine is added after Close has begun to wait.
func (s *Server) track(c *websocket.Conn) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return false
	}
	s.conns[c] = struct{}{}
	s.wg.Add(2)
	return true
}

// connState keeps the set of connections that have not sent a request.
func (s *Server) connState(c net.Conn, st http.ConnState) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if st == http.StateNew {
		s.fresh[c] = struct{}{}
	} else {
		delete(s.fresh, c)
	}
}

// onceCloseListener lets Close close the listener before Shutdown does.
type onceCloseListener struct {
	net.Listener
	once sync.Once
	err  error
}

func (l *onceCloseListener) Close() error {
	l.once.Do(func() { l.err = l.Listener.Close() })
	return l.err
}

func (s *Server) untrack(c *websocket.Conn) {
	s.mu.Lock()
	delete(s.conns, c)
	s.mu.Unlock()
}
