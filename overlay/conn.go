package overlay

import (
	"net/http"
	"time"

	"github.com/gorilla/websocket"
)

// maxClientMessage bounds what a client may send: the feeds are read-only
// and only read to see pongs and the close handshake.
const maxClientMessage = 512

// client is one websocket. It has exactly one reader goroutine (readPump)
// and one writer goroutine (writePump). The hub owns send: it queues
// messages without blocking and closes send to end the writer.
type client struct {
	conn   *websocket.Conn
	send   chan []byte
	kind   clientKind
	top    bool // a feed client that wants the leaderboard
	remote string
}

// feedUpgrader accepts any origin: the feed is public and read-only, and an
// OBS browser source may load the page from a file or another host.
var feedUpgrader = websocket.Upgrader{
	ReadBufferSize:  1024,
	WriteBufferSize: 4096,
	CheckOrigin:     func(*http.Request) bool { return true },
}

// eventsUpgrader keeps gorilla's default origin check (no Origin header, or
// the same host): the events stream is for consoles, not for other sites.
var eventsUpgrader = websocket.Upgrader{
	ReadBufferSize:  1024,
	WriteBufferSize: 4096,
}

// handleFeed serves GET /overlay/ws, the overlay pages' feed. top=0 leaves
// the leaderboard out, for pages that only show the on-air question.
func (s *Server) handleFeed(w http.ResponseWriter, r *http.Request) {
	top := r.URL.Query().Get("top") != "0"
	s.serveWebsocket(w, r, &feedUpgrader, kindFeed, top, feedQueue)
}

// handleEvents serves GET /api/events, every event for remote consoles.
func (s *Server) handleEvents(w http.ResponseWriter, r *http.Request) {
	s.serveWebsocket(w, r, &eventsUpgrader, kindEvents, true, eventsQueue)
}

func (s *Server) serveWebsocket(w http.ResponseWriter, r *http.Request, up *websocket.Upgrader, kind clientKind, top bool, queue int) {
	conn, err := up.Upgrade(w, r, nil)
	if err != nil {
		// The upgrader has answered the request with an HTTP error.
		s.Logger.Debug("websocket upgrade refused", "path", r.URL.Path, "err", err)
		return
	}
	if !s.track(conn) {
		conn.WriteControl(websocket.CloseMessage,
			websocket.FormatCloseMessage(websocket.CloseGoingAway, "server shutting down"), time.Now().Add(time.Second))
		conn.Close()
		return
	}
	c := &client{conn: conn, send: make(chan []byte, queue), kind: kind, top: top, remote: r.RemoteAddr}
	select {
	case s.hub.register <- c:
	case <-s.hub.done:
		close(c.send) // the writer says goodbye
	}
	go s.writePump(c)
	go s.readPump(c)
}

// readPump reads until the connection fails, discarding what the client
// sends, so that pongs and the close handshake are processed. A client
// that answers no ping within pongWait is gone.
func (s *Server) readPump(c *client) {
	defer s.wg.Done()
	defer func() {
		select {
		case s.hub.unregister <- c:
		case <-s.hub.done:
		}
		c.conn.Close()
		s.untrack(c.conn)
	}()
	c.conn.SetReadLimit(maxClientMessage)
	c.conn.SetReadDeadline(time.Now().Add(pongWait))
	c.conn.SetPongHandler(func(string) error {
		return c.conn.SetReadDeadline(time.Now().Add(pongWait))
	})
	for {
		if _, _, err := c.conn.NextReader(); err != nil {
			return
		}
	}
}

// writePump writes queued messages and pings. It ends when the hub closes
// send (it then sends a close frame) or when a write fails.
func (s *Server) writePump(c *client) {
	defer s.wg.Done()
	ticker := time.NewTicker(pingPeriod)
	defer func() {
		ticker.Stop()
		c.conn.Close()
	}()
	for {
		select {
		case msg, ok := <-c.send:
			if !ok {
				c.conn.WriteControl(websocket.CloseMessage,
					websocket.FormatCloseMessage(websocket.CloseGoingAway, ""), time.Now().Add(time.Second))
				return
			}
			c.conn.SetWriteDeadline(time.Now().Add(writeWait))
			if err := c.conn.WriteMessage(websocket.TextMessage, msg); err != nil {
				return
			}
		case <-ticker.C:
			c.conn.SetWriteDeadline(time.Now().Add(writeWait))
			if err := c.conn.WriteMessage(websocket.PingMessage, nil); err != nil {
				return
			}
		}
	}
}
