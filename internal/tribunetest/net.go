package tribunetest

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/gorilla/websocket"
)

// Listen returns a TCP listener on a free loopback port, closed when the
// test ends (closing it earlier is fine): a pre-bound listener to serve
// on, a busy port, or a server that accepts and never answers.
func Listen(tb testing.TB) net.Listener {
	tb.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatalf("listen on loopback: %v", err)
	}
	tb.Cleanup(func() { ln.Close() })
	return ln
}

// FreeAddr returns a loopback address whose port was free at the time of
// the call and where nothing listens: for a server that must come back on
// the same address after a restart, or an address that refuses
// connections.
func FreeAddr(tb testing.TB) string {
	tb.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatalf("listen on loopback: %v", err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// DialSilent opens n connections to addr that send nothing, as a
// browser's spare connections or a hostile client do. They close when the
// test ends.
func DialSilent(tb testing.TB, addr string, n int) []net.Conn {
	tb.Helper()
	conns := make([]net.Conn, n)
	for i := range conns {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			tb.Fatalf("dial %s: %v", addr, err)
		}
		tb.Cleanup(func() { c.Close() })
		conns[i] = c
	}
	return conns
}

// HungUp reports whether the other end closes c within d, reading and
// dropping whatever it sends until then.
func HungUp(c net.Conn, d time.Duration) bool {
	c.SetReadDeadline(time.Now().Add(d))
	buf := make([]byte, 4096)
	for {
		if _, err := c.Read(buf); err != nil {
			return errors.Is(err, io.EOF) || errors.Is(err, syscall.ECONNRESET)
		}
	}
}

// WebSocketURL returns the ws:// (or wss://) address of httpURL.
func WebSocketURL(httpURL string) string {
	return "ws" + strings.TrimPrefix(httpURL, "http")
}

// DialWebSocket connects a websocket client to httpURL (an http:// address
// with its path) with the request header h, failing tb on error, with the
// answer's status when there was one. The connection closes when the test
// ends.
func DialWebSocket(tb testing.TB, httpURL string, h http.Header) *websocket.Conn {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	conn, resp, err := websocket.DefaultDialer.DialContext(ctx, WebSocketURL(httpURL), h)
	if err != nil {
		status := 0
		if resp != nil {
			status = resp.StatusCode
		}
		tb.Fatalf("dial %s: %v (status %d)", httpURL, err, status)
	}
	tb.Cleanup(func() { conn.Close() })
	return conn
}
