package main

import (
	"context"
	"math"
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"strings"
	"time"
)

// DefaultMemoryBudget is the soft memory limit of a meeting unless
// GOMEMLIMIT sets one. A streamer's machine runs OBS, a game and a browser
// beside Tribune. Left to itself, the Go runtime lets the heap grow to twice
// what is live: about 150 MB for a session of 100 000 questions in a busy
// chat, when about 55 MB of it is live. Under this limit it collects sooner
// instead, and the process (with its 17 MB of code) stays near 100 MB. The
// 2026-12 sources added about 4 MB of live heap to such a meeting: at 76 MiB
// the collector then ran 2.7 times as often and the mixed meeting fell to
// 59-65 % of the raw ceiling; 80 MiB gives it back most of its headroom
// (tribune-bench -only mixed, alternated builds). Once the table, the vote
// map and the askers had shrunk, the process settles at the budget plus
// about 18 MB of resident code: 80 MiB peaked at 99-102 MB, 78 MiB at
// 97-98 MB, and the throughput of the two did not differ beyond the noise
// (median full/raw 70 % and 69 % over nine alternated pairs each; 79 MiB,
// 64 %, shows how wide the noise is).
const DefaultMemoryBudget = 78 << 20

// memoryBudget keeps the runtime's soft memory limit at the budget while
// the live heap is small next to it, and raises it to 1.25 times the live
// heap when a meeting outgrows it: a fixed limit below what a very big
// meeting needs would have the collector run without a pause, and the tool
// must not slow to a crawl on air.
type memoryBudget struct {
	budget int64
	sample []metrics.Sample
}

func newMemoryBudget(budget int64) *memoryBudget {
	return &memoryBudget{budget: budget, sample: []metrics.Sample{{Name: "/gc/heap/live:bytes"}}}
}

// adjust sets the limit from the live heap of the last collection and
// returns it.
func (b *memoryBudget) adjust() int64 {
	metrics.Read(b.sample)
	var live int64
	if b.sample[0].Value.Kind() == metrics.KindUint64 {
		live = int64(b.sample[0].Value.Uint64())
	}
	limit := max(b.budget, live/4*5)
	debug.SetMemoryLimit(limit)
	return limit
}

// hold adjusts the limit now and then every period until ctx ends, when
// it gives the limit back to the runtime's default (none).
func (b *memoryBudget) hold(ctx context.Context, every time.Duration) {
	b.adjust()
	go func() {
		t := time.NewTicker(every)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				debug.SetMemoryLimit(math.MaxInt64)
				return
			case <-t.C:
				b.adjust()
			}
		}
	}()
}

// allocationSampling returns the rate at which the runtime samples
// allocations for heap profiles, given GODEBUG: none, unless GODEBUG sets
// memprofilerate. Tribune serves no profiles, and the samples' call stacks
// took 1.4 MB under the memory budget in a mixed meeting of 100 000
// questions (runtime/metrics /memory/classes/profiling/buckets:bytes), a
// fifth of the collector's headroom there.
func allocationSampling(godebug string) int {
	if strings.Contains(godebug, "memprofilerate=") {
		return runtime.MemProfileRate // the runtime has read it
	}
	return 0
}
