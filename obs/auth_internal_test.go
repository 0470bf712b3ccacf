package obs

import (
	"testing"

	"github.com/tribune-live/tribune/internal/obsfake"
)

// TestAuthString checks the answer to obs-websocket's challenge against a
// value computed apart, with Python's hashlib, for the example of the
// protocol's documentation:
//
//	secret = b64(sha256(password + salt)); b64(sha256(secret + challenge))
func TestAuthString(t *testing.T) {
	const (
		password  = "supersecretpassword"
		challenge = "+IxH4CnCiqpX1rM9scsNynZzbOe4KhDeYcTNS3PDaeY="
		salt      = "lM1GncleQOaCu9lT1yeUZhFYnqhsLLP1G5lAGo3ixaI="
		want      = "1Ct943GAT+6YQUUX47Ia/ncufilbe6+oD6lY+5kaCu4="
	)
	if got := authString(password, salt, challenge); got != want {
		t.Errorf("authString = %q, want %q", got, want)
	}
	if got := obsfake.AuthString(password, salt, challenge); got != want {
		t.Errorf("obsfake.AuthString = %q, want %q", got, want)
	}
}
