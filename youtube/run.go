package youtube

import (
	"context"
	"errors"
	"fmt"
	"hash/maphash"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"google.golang.org/api/googleapi"
	"google.golang.org/api/youtube/v3"

	tribune "github.com/tribune-live/tribune"
	"github.com/tribune-live/tribune/chat"
)

// run is one Run of a Source: the reader, its workers and its replier.
// Only the reader goroutine touches seen, order and token.
type run struct {
	s       *Source
	ctx     context.Context
	log     *slog.Logger
	handler *chat.Handler
	replier *replier // nil when the source cannot reply
	plan    plan
	started time.Time // wall clock of the start, for the plan (monotonic)
	startAt time.Time // s.Now() at the start: older messages may be replays
	videoID string
	chatID  string

	seed   maphash.Seed
	queues []chan job

	// seen maps the ids of the messages applied lately to their authors,
	// so that a resumed stream's repeats are skipped and a deletion goes
	// to the worker of the message it deletes; order bounds it.
	seen  map[string]string
	order []string
	next  int
	token string

	state atomic.Value // string: the reader's health state
}

// seenCap bounds the ids kept: far more than a resume repeats.
const seenCap = 1 << 16

// job is one command or platform moderation event for a worker.
type job struct {
	actor   tribune.Actor
	cmd     chat.Command
	replay  bool   // published before the run began: maybe applied by a previous run
	deleted string // messageDeletedEvent: the id of the deleted message
	ban     bool   // userBannedEvent
	timeout bool   // … temporary
}

func newRun(ctx context.Context, s *Source) *run {
	s.mu.Lock()
	videoID, chatID := s.videoID, s.chatID
	s.mu.Unlock()
	r := &run{
		s: s, ctx: ctx,
		log:     s.Logger.With("source", "youtube", "video", videoID),
		started: time.Now(), startAt: s.Now(),
		videoID: videoID, chatID: chatID,
		seed: maphash.MakeSeed(),
		seen: make(map[string]string, 1024),
	}
	r.handler = chat.NewHandler(s.svc, s.Lang)
	r.handler.MaxRunes = MaxMessageRunes
	r.handler.Logger = s.Logger
	r.handler.Now = s.Now
	return r
}

func (r *run) run() error {
	s := r.s
	s.stats.polling.Store(false)
	if st := s.svc.Store; st != nil && !s.restored {
		s.restored = true
		// The day's meter survives a restart: the quota is the project's.
		if saved, ok, err := st.Setting(r.ctx, QuotaSetting); err == nil && ok {
			s.meter.restore(s.Now(), saved)
		} else if err != nil {
			r.log.Warn("youtube: cannot read the saved quota meter; counting from zero", "err", err)
		}
	}
	u := s.meter.snapshot(s.Now())
	reply := s.replyBudget()
	// The units Check spent are part of this meeting's reads.
	r.plan = plan{perDay: s.QuotaPerDay, start: u.used - u.reads - u.replies, reply: reply, length: s.MeetingLength}
	ctx, cancel := context.WithCancel(r.ctx)
	defer cancel()
	var wg sync.WaitGroup
	if s.writeYT != nil && reply >= CostInsert {
		r.replier = newReplier(r)
		wg.Add(1)
		go func() {
			defer wg.Done()
			r.replier.run(ctx)
		}()
	}
	r.log.Info("youtube: reading the live chat",
		"chat", r.chatID, "quota", s.QuotaPerDay, "used_today", u.used, "meeting", s.MeetingLength.String(),
		"read_interval", r.plan.readInterval(0, u).String(), "reply_budget", reply, "replies", r.replier != nil)
	r.setState("connecting")
	workers := r.startWorkers(ctx)

	stop := r.read(ctx)

	// The chat is over or out of reach: what was read is applied before
	// the source says it stopped; when ctx ended, it is dropped (never
	// acknowledged).
	r.drain(workers)
	cancel()
	wg.Wait()
	r.saveMeter(true)
	if stop == "" {
		stop = "stopped"
	} else {
		stop = "stopped: " + stop
	}
	r.setState(stop)
	r.log.Info("youtube: source stopped", "state", stop)
	return nil
}

// startWorkers starts the workers that apply the jobs the reader queues.
func (r *run) startWorkers(ctx context.Context) *sync.WaitGroup {
	var wg sync.WaitGroup
	r.queues = make([]chan job, r.s.Workers)
	for i := range r.queues {
		r.queues[i] = make(chan job, queueLen)
		wg.Add(1)
		go func(q chan job) {
			defer wg.Done()
			r.work(ctx, q)
		}(r.queues[i])
	}
	return &wg
}

// drain closes the queues and waits until the workers are done with them.
func (r *run) drain(wg *sync.WaitGroup) {
	for _, q := range r.queues {
		close(q)
	}
	wg.Wait()
}

// setState records the reader's state and publishes the source's health.
func (r *run) setState(state string) {
	r.state.Store(state)
	r.publish()
}

// publish sets the source's health: the reader's state, the replies'
// state, the quota meter.
func (r *run) publish() {
	state, _ := r.state.Load().(string)
	parts := []string{state}
	switch {
	case r.replier == nil:
		parts = append(parts, "read-only")
	default:
		if st := r.replier.status(); st != "" {
			parts = append(parts, st)
		}
	}
	parts = append(parts, formatQuota(r.s.meter.snapshot(r.s.Now())))
	r.s.svc.SetHealth(HealthComponent, strings.Join(parts, " · "))
}

// charge charges a call and republishes the meter.
func (r *run) charge(units int, reply bool) {
	r.s.charge(units, reply)
	r.publish()
	if !reply {
		r.saveMeter(false)
	}
}

// saveMeter stores the meter, at most every saveEvery unless force. Only
// the reader saves before the end, so r.s.saved needs no lock.
func (r *run) saveMeter(force bool) {
	st := r.s.svc.Store
	if st == nil || (!force && time.Since(r.s.saved) < saveEvery) {
		return
	}
	v, changed := r.s.meter.save()
	if !changed && !force {
		return
	}
	r.s.saved = time.Now()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := st.PutSetting(ctx, QuotaSetting, v); err != nil {
		r.log.Warn("youtube: cannot save the quota meter", "err", err)
	}
}

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
	var resp *youtube.LiveChatMessageListResponse
	call := r.s.readYT.LiveChatMessages.List(r.chatID, []string{"snippet", "authorDetails"}).MaxResults(2000).Hl(r.s.Lang)
	if r.token != "" {
		call = call.PageToken(r.token)
	}
	cctx, cancel := context.WithTimeout(ctx, callTimeout)
	defer cancel()
	resp, err := call.Context(cctx).Do()
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
		return 0, googleapi.CheckResponse(res)
	}
	r.setState("streaming")
	stall := time.AfterFunc(r.s.StallTimeout, func() { cancel(errStalled) })
	defer stall.Stop()
	body := &activity{r: res.Body, tick: func() { stall.Reset(r.s.StallTimeout) }}
	items := 0
	err = decodeStream(body, func(resp *youtube.LiveChatMessageListResponse) error {
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

// apply hands a response's messages to the workers and keeps its page
// token. It reports whether the chat has ended. It runs on the reader.
func (r *run) apply(resp *youtube.LiveChatMessageListResponse) (ended bool) {
	for _, m := range resp.Items {
		if r.message(m) {
			ended = true
		}
	}
	if resp.NextPageToken != "" {
		r.token = resp.NextPageToken
	}
	return ended
}

// message turns one chat message into a job, and reports a chatEndedEvent.
func (r *run) message(m *youtube.LiveChatMessage) (ended bool) {
	st := &r.s.stats
	st.messages.Add(1)
	if m == nil || m.Snippet == nil {
		return false
	}
	sn := m.Snippet
	switch sn.Type {
	case "chatEndedEvent":
		return true
	case "tombstone":
		// What is left of a deleted message, under its own id.
		if author, ok := r.seen[m.Id]; ok && m.Id != "" {
			r.queue(author, job{deleted: m.Id})
		}
		return false
	}
	if m.Id == "" {
		return false // without an id it could be applied twice
	}
	if _, dup := r.seen[m.Id]; dup {
		st.duplicates.Add(1)
		return false
	}
	author := sn.AuthorChannelId
	if m.AuthorDetails != nil && m.AuthorDetails.ChannelId != "" {
		author = m.AuthorDetails.ChannelId
	}
	r.remember(m.Id, author)
	switch sn.Type {
	case "textMessageEvent":
		text := sn.DisplayMessage
		if sn.TextMessageDetails != nil {
			text = sn.TextMessageDetails.MessageText
		}
		cmd, ok := chat.Parse(text)
		if !ok || author == "" || m.AuthorDetails == nil {
			return false
		}
		ad := m.AuthorDetails
		a := tribune.Actor{
			Source: tribune.SourceYouTube, UserID: author, DisplayName: ad.DisplayName,
			Channel: r.videoID, MessageID: m.Id,
			Moderator: ad.IsChatModerator, Broadcaster: ad.IsChatOwner,
		}
		j := job{actor: a, cmd: cmd}
		if cmd.Kind == chat.KindAsk {
			if t, err := time.Parse(time.RFC3339Nano, sn.PublishedAt); err == nil && t.Before(r.startAt) {
				j.replay = true
			}
		}
		r.queue(author, j)
	case "messageDeletedEvent":
		if d := sn.MessageDeletedDetails; d != nil && d.DeletedMessageId != "" {
			// The worker of the deleted message's author: after its question.
			to := r.seen[d.DeletedMessageId]
			if to == "" {
				to = d.DeletedMessageId
			}
			r.queue(to, job{deleted: d.DeletedMessageId})
		}
	case "userBannedEvent":
		d := sn.UserBannedDetails
		if d == nil || d.BannedUserDetails == nil || d.BannedUserDetails.ChannelId == "" {
			return false
		}
		b := d.BannedUserDetails
		a := tribune.Actor{Source: tribune.SourceYouTube, UserID: b.ChannelId, DisplayName: b.DisplayName, Channel: r.videoID}
		// Only a ban YouTube calls permanent bans here; anything else is
		// held for a moderator's review, which can be undone.
		r.queue(b.ChannelId, job{actor: a, ban: true, timeout: d.BanType != "permanent"})
	}
	return false
}

// remember records message id as applied, forgetting the oldest beyond
// seenCap.
func (r *run) remember(id, author string) {
	if len(r.order) < seenCap {
		r.order = append(r.order, id)
	} else {
		delete(r.seen, r.order[r.next])
		r.order[r.next] = id
		r.next = (r.next + 1) % seenCap
	}
	r.seen[id] = author
}

// queue hands j to the worker of key (a channel id), waiting while its
// queue is full: the chat is read no faster than the Service applies it.
func (r *run) queue(key string, j job) {
	r.s.stats.commands.Add(1)
	q := r.queues[maphash.String(r.seed, key)%uint64(len(r.queues))]
	select {
	case q <- j:
	case <-r.ctx.Done():
		r.s.stats.commands.Add(^uint64(0))
	}
}

// work applies the jobs of one queue in order, until it is closed (and
// drained) or ctx ends (the rest was never acknowledged).
func (r *run) work(ctx context.Context, q <-chan job) {
	for {
		select {
		case j, ok := <-q:
			if !ok {
				return
			}
			r.do(ctx, j)
			r.s.stats.applied.Add(1)
		case <-ctx.Done():
			return
		}
	}
}

// do applies one job.
func (r *run) do(ctx context.Context, j job) {
	svc := r.s.svc
	switch {
	case j.deleted != "":
		q, err := svc.DeleteMessage(ctx, tribune.SourceYouTube, j.deleted)
		r.moderated("deleted message", q.ID, err)
	case j.ban && j.timeout:
		qs, err := svc.PlatformTimeout(ctx, j.actor)
		if err == nil {
			r.log.Info("youtube: a viewer timed out on YouTube; their open questions wait for review", "viewer", j.actor.Name(), "questions", len(qs))
			return
		}
		r.moderated("timeout", 0, err)
	case j.ban:
		_, err := svc.PlatformBan(ctx, j.actor)
		if err == nil {
			r.log.Info("youtube: a viewer banned on YouTube is banned in Tribune", "viewer", j.actor.Name())
			return
		}
		r.moderated("ban", 0, err)
	default:
		if j.replay && r.replayed(ctx, j) {
			r.s.stats.replayed.Add(1)
			return
		}
		reply, ok := r.handler.Handle(ctx, j.actor, j.cmd)
		// Replies cost quota: only what a viewer who asked needs to
		// hear, their question's number or why it was refused.
		if ok && reply.Priority == chat.PriorityAsk && r.replier != nil && reply.Text != "" {
			r.replier.add(mention(j.actor) + " " + reply.Text)
		}
	}
}

// replayed reports whether the question j asks was already asked from
// the same message: the recent history a restart reads again.
func (r *run) replayed(ctx context.Context, j job) bool {
	svc := r.s.svc
	if svc.Store == nil {
		return false
	}
	sess, _ := svc.Session(ctx)
	_, err := svc.Store.QuestionByMessage(ctx, sess.ID, tribune.SourceYouTube, j.actor.MessageID)
	return err == nil
}

// moderated logs the outcome of a platform moderation event.
func (r *run) moderated(what string, id int, err error) {
	switch tribune.ErrorCode(err) {
	case "":
		r.log.Info("youtube: a message deleted on YouTube hid its question", "question", id)
	case tribune.ENOTFOUND, tribune.ECONFLICT:
		// A message that asked nothing, a question already dealt with.
		r.log.Debug("youtube: platform moderation changed nothing", "event", what, "err", err)
	default:
		if r.ctx.Err() == nil {
			r.log.Error("youtube: platform moderation failed", "event", what, "err", err)
		}
	}
}

// mention is how a viewer is addressed: "@" and the display name, which
// on YouTube is often a handle that already starts with "@".
func mention(a tribune.Actor) string {
	name := strings.TrimPrefix(tribune.CleanName(a.DisplayName), "@")
	if name == "" {
		name = a.UserID
	}
	return "@" + name
}
