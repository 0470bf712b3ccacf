package graceful_test

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"testing"
	"time"

	"github.com/tribune-live/tribune/internal/graceful"
	"github.com/tribune-live/tribune/internal/tribunetest"
)

// serve serves h on a loopback port through a graceful.Server and returns
// it, its address, and the channel Serve's error arrives on.
func serve(t *testing.T, h http.Handler) (*graceful.Server, string, <-chan error) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := graceful.New(&http.Server{Handler: h, ReadHeaderTimeout: time.Minute}, ln)
	served := make(chan error, 1)
	go func() { served <- s.Serve() }()
	t.Cleanup(func() { s.Shutdown(context.Background()) })
	return s, ln.Addr().String(), served
}

// TestShutdownClosesSilentConnections: a client that connected and sent
// nothing neither holds the shutdown up nor makes it fail, however short
// its bound; http.Server.Shutdown alone waits five seconds for it.
func TestShutdownClosesSilentConnections(t *testing.T) {
	s, addr, served := serve(t, http.NotFoundHandler())
	silent := tribunetest.DialSilent(t, addr, 3)
	// A request answered proves the server has accepted all three.
	resp, err := http.Get("http://" + addr + "/")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()

	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	if err := s.Shutdown(ctx); err != nil {
		t.Fatalf("Shutdown with silent clients: %v", err)
	}
	if err := <-served; !errors.Is(err, http.ErrServerClosed) {
		t.Errorf("Serve returned %v, want http.ErrServerClosed", err)
	}
	for i, c := range silent {
		if !tribunetest.HungUp(c, 5*time.Second) {
			t.Errorf("silent client %d: the server kept its connection", i)
		}
	}
	if _, err := net.Dial("tcp", addr); err == nil {
		t.Error("the listener still accepts after Shutdown")
	}
}

// TestShutdownWaitsForRequests: a request in flight is answered in full
// before Shutdown returns, and a request that outlives ctx makes Shutdown
// say so.
func TestShutdownWaitsForRequests(t *testing.T) {
	entered, release := make(chan struct{}), make(chan struct{})
	s, addr, _ := serve(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		close(entered)
		<-release
		io.WriteString(w, "answered")
	}))
	got := make(chan string, 1)
	go func() {
		resp, err := http.Get("http://" + addr + "/")
		if err != nil {
			got <- err.Error()
			return
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		got <- string(b)
	}()
	<-entered

	short, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	if err := s.Shutdown(short); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Shutdown with a request held past its bound: %v, want context.DeadlineExceeded", err)
	}
	close(release)
	if err := s.Shutdown(context.Background()); err != nil {
		t.Fatalf("Shutdown once the request ends: %v", err)
	}
	if b := <-got; b != "answered" {
		t.Errorf("the request in flight got %q, want its whole answer", b)
	}
}
