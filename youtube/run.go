package youtube

import (
	"context"
	"hash/maphash"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"time"

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
	if s.writeHTTP != nil && reply >= CostInsert {
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
