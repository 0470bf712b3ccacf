// Package graceful stops an http.Server without waiting on connections
// that never sent a request.
//
// Browsers open spare connections ahead of need, and a hostile client can
// open one and say nothing. http.Server.Shutdown counts such a connection
// idle only once it is five seconds old, so a shutdown bounded by a few
// seconds fails on it, and an unbounded one waits. Both of Tribune's
// listeners (the overlay server and the ask page's own) serve through a
// Server here, which closes those connections first and then waits only
// for requests in flight.
package graceful

import (
	"context"
	"net"
	"net/http"
	"sync"
)

// Server serves one http.Server on one listener and shuts it down.
type Server struct {
	srv *http.Server
	ln  *onceCloseListener

	mu      sync.Mutex
	fresh   map[net.Conn]struct{} // connections that have sent no request yet
	closing bool
}

// New prepares srv to be served on ln. It takes srv's ConnState hook,
// calling any hook srv already had after its own.
func New(srv *http.Server, ln net.Listener) *Server {
	s := &Server{srv: srv, ln: &onceCloseListener{Listener: ln}, fresh: map[net.Conn]struct{}{}}
	next := srv.ConnState
	srv.ConnState = func(c net.Conn, st http.ConnState) {
		s.track(c, st)
		if next != nil {
			next(c, st)
		}
	}
	return s
}

// Serve serves until Shutdown; it returns http.ErrServerClosed then, like
// http.Server.Serve.
func (s *Server) Serve() error {
	err := s.srv.Serve(s.ln)
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closing {
		// Shutdown closes the listener before http.Server knows it is
		// shutting down, so Serve may see the closed listener first.
		return http.ErrServerClosed
	}
	return err
}

// Shutdown stops accepting connections, closes those that have sent no
// request, and waits until ctx ends for the requests in flight, as
// http.Server.Shutdown does. Hijacked connections (websockets) are the
// caller's to close.
func (s *Server) Shutdown(ctx context.Context) error {
	// closing is set first: from then on Serve's error means Shutdown,
	// and a connection accepted before the listener closes is cut.
	s.mu.Lock()
	s.closing = true
	for c := range s.fresh {
		c.Close()
	}
	clear(s.fresh)
	s.mu.Unlock()
	s.ln.Close()
	return s.srv.Shutdown(ctx)
}

// Close cuts every connection at once, requests in flight too: the end of
// a Shutdown whose bound ran out.
func (s *Server) Close() error { return s.srv.Close() }

// track keeps the set of connections that have sent no request. One
// accepted once Shutdown has begun is closed at once: Shutdown has
// already swept the set.
func (s *Server) track(c net.Conn, st http.ConnState) {
	s.mu.Lock()
	defer s.mu.Unlock()
	switch {
	case st != http.StateNew:
		delete(s.fresh, c)
	case s.closing:
		c.Close()
	default:
		s.fresh[c] = struct{}{}
	}
}

// onceCloseListener lets Shutdown close the listener before
// http.Server.Shutdown closes it again, which would report the second
// close as its error.
type onceCloseListener struct {
	net.Listener
	once sync.Once
	err  error
}

func (l *onceCloseListener) Close() error {
	l.once.Do(func() { l.err = l.Listener.Close() })
	return l.err
}
