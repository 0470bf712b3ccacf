package youtube

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"

	"github.com/tribune-live/tribune/internal/youtubewire"
)

// errNotStream is a body that is neither a JSON array of responses nor
// one response: the stream is not served there.
var errNotStream = errors.New("youtube: the stream's body is not JSON")

// streamItem is one element of the stream's array: a response, or, when
// the server fails mid-stream, an error object (Google's REST form of a
// server-streamed call).
type streamItem struct {
	youtubewire.LiveChatMessageListResponse
	Error *youtubewire.Error `json:"error"`
}

// decodeStream reads the body of liveChat/messages/stream: a JSON array
// that the server sends progressively, one liveChatMessageListResponse at
// a time, for as long as the chat lasts. It calls fn with each item as
// soon as it is complete, and returns nil when the array closes, fn's
// error, a *youtubewire.Error the server sent as an item, or the read or
// syntax error that broke the stream off (io.ErrUnexpectedEOF after a
// drop). Decoding the body as one value, as a plain list call does, would
// wait for the end of the chat. A body holding a single response is taken
// as a stream of one.
func decodeStream(r io.Reader, fn func(*youtubewire.LiveChatMessageListResponse) error) error {
	br := bufio.NewReaderSize(r, 32<<10)
	first, err := firstByte(br)
	if err != nil {
		if err == io.EOF {
			return errNotStream
		}
		return err
	}
	dec := json.NewDecoder(br)
	item := func() error {
		var it streamItem
		if err := dec.Decode(&it); err != nil {
			if err == io.EOF {
				err = io.ErrUnexpectedEOF
			}
			return fmt.Errorf("youtube: stream item: %w", err)
		}
		if it.Error != nil {
			return it.Error
		}
		return fn(&it.LiveChatMessageListResponse)
	}
	switch first {
	case '{':
		return item()
	case '[':
	default:
		return errNotStream
	}
	if _, err := dec.Token(); err != nil { // the '['
		return fmt.Errorf("youtube: stream: %w", err)
	}
	// More and Decode step over the ',' between items by themselves.
	for dec.More() {
		if err := item(); err != nil {
			return err
		}
	}
	tok, err := dec.Token()
	switch {
	case err == io.EOF:
		return fmt.Errorf("youtube: stream: %w", io.ErrUnexpectedEOF)
	case err != nil:
		return fmt.Errorf("youtube: stream: %w", err)
	case tok != json.Delim(']'):
		return fmt.Errorf("youtube: stream: unexpected %v", tok)
	}
	return nil
}

// firstByte returns the first byte of r that is not white space, without
// consuming it.
func firstByte(r *bufio.Reader) (byte, error) {
	for {
		b, err := r.ReadByte()
		if err != nil {
			return 0, err
		}
		switch b {
		case ' ', '\t', '\r', '\n':
			continue
		}
		return b, r.UnreadByte()
	}
}
