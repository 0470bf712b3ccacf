package ask

import (
	"time"

	"github.com/tribune-live/tribune"
)

// SetTimeouts shortens the second listener's timeouts for a test, until
// the returned func puts them back.
func SetTimeouts(readHeader, read, write time.Duration) (restore func()) {
	rh, r, w := readHeaderTimeout, readTimeout, writeTimeout
	readHeaderTimeout, readTimeout, writeTimeout = readHeader, read, write
	return func() { readHeaderTimeout, readTimeout, writeTimeout = rh, r, w }
}

// ApplyEvent hands ev to the live feed as if the Service had sent it.
func ApplyEvent(s *Server, ev tribune.Event) { s.feed.apply(ev) }
