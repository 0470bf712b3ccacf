package youtube

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"time"

	"github.com/tribune-live/tribune/internal/youtubewire"
)

// errChatEnded stops reading: a chatEndedEvent came.
var errChatEnded = errors.New("youtube: the live chat has ended")

// errStalled ends a stream that stayed silent for StallTimeout.
var errStalled = errors.New("youtube: the stream went silent")

// errClosed is a stream that the server closed cleanly.
var errClosed = errors.New("youtube: the server closed the stream")

// read reads the chat until it ends or ctx does, and returns why it
// stopped ("" when ctx ended). It streams, falls back to polling when the
// stream is not served, resumes from the last page token after a drop,
// backs off after failures, and never calls more often than the quota
// plan allows.
func (r *run) read(ctx context.Context) string {
	s := r.s
	polling := false
	var (
		backoff   time.Duration
		pollWait  time.Duration
		lastStart = s.firstAt
		lastEnd   = s.firstAt
	)
	if first := s.first; first != nil {
		s.first = nil
		s.stats.calls.Add(1)
		pollWait = time.Duration(first.PollingIntervalMillis) * time.Millisecond
		if r.apply(first) {
			return r.ended()
		}
	}
	for ctx.Err() == nil {
		u := s.meter.snapshot(s.Now())
		floor := r.plan.readInterval(time.Since(r.started), u)
		var at time.Time
		if polling {
			at = lastEnd.Add(max(pollWait, floor, backoff))
		} else {
			// A stream that lasted is resumed at once: the plan bounds
			// how often a stream starts, not how long it lasts.
			at = lastStart.Add(floor)
			if b := lastEnd.Add(backoff); b.After(at) {
				at = b
			}
		}
		// Before the wait and after it: replies may spend meanwhile.
		if r.spent() || !sleep(ctx, time.Until(at)) || r.spent() {
			if ctx.Err() != nil {
				break
			}
			return "quota used up"
		}
		lastStart = time.Now()
		var (
			err       error
			delivered int
		)
		if polling {
			pollWait, err = r.poll(ctx)
			if err == nil {
				r.setState("polling every " + formatSeconds(max(pollWait, r.plan.readInterval(time.Since(r.started), s.meter.snapshot(s.Now())))))
			}
		} else {
			delivered, err = r.stream(ctx)
		}
		lastEnd = time.Now()
		if ctx.Err() != nil {
			break
		}
		switch {
		case err == nil:
			backoff = 0
			continue
		case errors.Is(err, errChatEnded):
			return r.ended()
		case delivered > 0 && (errors.Is(err, errClosed) || classify(err) == retry):
			// A stream that worked and broke: resume at once from its
			// last page token.
			backoff = 0
			r.log.Info("youtube: the stream broke off; resuming from the last page token", "err", r.s.describe(err))
			r.setState("reconnecting")
			continue
		}
		switch classify(err) {
		case unsupported, retry:
			if !polling && (classify(err) == unsupported || errors.Is(err, errNotStream)) {
				polling = true
				s.stats.polling.Store(true)
				backoff = 0
				r.log.Info("youtube: the live chat stream is not served here; polling liveChatMessages.list instead", "err", r.s.describe(err))
				r.setState("polling")
				continue
			}
			backoff = min(max(backoff*2, minBackoff), maxBackoff)
			r.log.Warn("youtube: reading the chat failed; retrying", "err", r.s.describe(err), "in", backoff.String())
			r.setState("reconnecting")
		case badToken:
			r.log.Warn("youtube: the page token was refused; reading from the recent messages", "err", r.s.describe(err))
			r.token = ""
			backoff = minBackoff
		case stopQuota:
			r.log.Error("youtube: the project's daily quota is spent (quotaExceeded): the YouTube chat is no longer read until it resets at midnight Pacific; the meeting goes on",
				"err", r.s.describe(err))
			return "quota exceeded"
		case stopEnded:
			return r.ended()
		case stopGone:
			r.log.Error("youtube: the live chat was not found any more (deleted?): the YouTube source stops; the meeting goes on", "err", r.s.describe(err))
			return "live chat not found"
		case stopDisabled:
			r.log.Error("youtube: the live chat was disabled: the YouTube source stops; the meeting goes on", "err", r.s.describe(err))
			return "live chat disabled"
		case stopAuth:
			r.log.Error("youtube: Google refused the source's credentials: the YouTube source stops; the meeting goes on", "err", r.s.describe(err))
			return "access refused"
		}
	}
	return ""
}

// spent reports, and logs, that --youtube-quota has no room for another
// read.
func (r *run) spent() bool {
	u := r.s.meter.snapshot(r.s.Now())
	if u.used+CostList <= u.perDay {
		return false
	}
	r.log.Error("youtube: the day's quota set by --youtube-quota is spent: the YouTube chat is no longer read; the meeting goes on",
		"used", u.used, "quota", u.perDay)
	return true
}

func (r *run) ended() string {
	r.log.Info("youtube: the live chat has ended: the YouTube source stops; the meeting goes on")
	return "live chat ended"
}

// sleep waits d or until ctx ends; it reports whether ctx is still live.
func sleep(ctx context.Context, d time.Duration) bool {
	if d <= 0 {
		return ctx.Err() == nil
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}

// poll makes one liveChatMessages.list call and applies its messages. It
// returns the pollingIntervalMillis the response asks for.
func (r *run) poll(ctx context.Context) (time.Duration, error) {
	cctx, cancel := context.WithTimeout(ctx, callTimeout)
	defer cancel()
	resp, err := listMessages(cctx, r.s.readHTTP, r.s.APIBase, r.chatID, r.token, r.s.Lang)
	if err == nil || apiError(err) != nil {
		r.s.stats.calls.Add(1)
		r.charge(CostList, false)
	}
	if err != nil {
		return 0, err
	}
	if r.apply(resp) {
		return 0, errChatEnded
	}
	return time.Duration(resp.PollingIntervalMillis) * time.Millisecond, nil
}

// stream opens liveChat/messages/stream from the last page token and
// applies its items as they come, until it ends. It returns how many
// items it delivered and why it ended (errClosed when the server closed
// it cleanly).
func (r *run) stream(ctx context.Context) (int, error) {
	q := url.Values{
		"liveChatId":  {r.chatID},
		"part":        {"id", "snippet", "authorDetails"},
		"hl":          {r.s.Lang},
		"alt":         {"json"},
		"prettyPrint": {"false"},
	}
	if r.token != "" {
		q.Set("pageToken", r.token)
	}
	sctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	req, err := http.NewRequestWithContext(sctx, http.MethodGet, r.s.APIBase+"youtube/v3/liveChat/messages/stream?"+q.Encode(), nil)
	if err != nil {
		return 0, fmt.Errorf("youtube: stream request: %w", err)
	}
	req.Header.Set("Accept", "application/json")
	res, err := r.s.readHTTP.Do(req)
	if err != nil {
		return 0, err
	}
	defer discardBody(res.Body)
	r.s.stats.calls.Add(1)
	r.charge(CostStream, false)
	if res.StatusCode < 200 || res.StatusCode > 299 {
		return 0, checkResponse(res)
	}
	r.setState("streaming")
	stall := time.AfterFunc(r.s.StallTimeout, func() { cancel(errStalled) })
	defer stall.Stop()
	body := &activity{r: res.Body, tick: func() { stall.Reset(r.s.StallTimeout) }}
	items := 0
	err = decodeStream(body, func(resp *youtubewire.LiveChatMessageListResponse) error {
		items++
		if r.apply(resp) {
			return errChatEnded
		}
		return nil
	})
	if cause := context.Cause(sctx); errors.Is(cause, errStalled) {
		err = errStalled
	}
	if err == nil {
		err = errClosed
	}
	return items, err
}

// activity is a body that calls tick on every read, to keep a stall
// timer from firing while bytes arrive.
type activity struct {
	r    io.Reader
	tick func()
}

func (a *activity) Read(p []byte) (int, error) {
	n, err := a.r.Read(p)
	if n > 0 {
		a.tick()
	}
	return n, err
}

// discardBody drains and closes a response body so that its connection
// can be reused.
func discardBody(b io.ReadCloser) {
	io.Copy(io.Discard, io.LimitReader(b, 64<<10))
	b.Close()
}
