package main

import (
	"math"
	"runtime"
	"runtime/debug"
	"testing"
)

func TestMemoryBudget(t *testing.T) {
	t.Cleanup(func() { debug.SetMemoryLimit(math.MaxInt64) })
	live := make([]byte, 32<<20) // a meeting bigger than a small budget
	for i := range live {
		live[i] = byte(i)
	}
	runtime.GC()
	for _, tc := range []struct {
		name    string
		budget  int64
		atLeast int64
		atMost  int64
	}{
		{"the budget when the heap is small next to it", 1 << 30, 1 << 30, 1 << 30},
		{"1.25 times the live heap when it outgrows the budget", 1 << 20, 40 << 20, 1 << 30},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := newMemoryBudget(tc.budget).adjust()
			if got < tc.atLeast || got > tc.atMost {
				t.Errorf("limit=%d MiB, want %d–%d MiB", got>>20, tc.atLeast>>20, tc.atMost>>20)
			}
			if set := debug.SetMemoryLimit(-1); set != got {
				t.Errorf("runtime limit=%d, want %d", set, got)
			}
		})
	}
	runtime.KeepAlive(live)
}

// Allocation sampling is off unless GODEBUG asks for it, and then it is
// the rate the runtime read from GODEBUG.
func TestAllocationSampling(t *testing.T) {
	for _, tc := range []struct {
		godebug string
		want    int
	}{
		{"", 0},
		{"gctrace=1", 0},
		{"memprofilerate=1", runtime.MemProfileRate},
		{"gctrace=1,memprofilerate=4096", runtime.MemProfileRate},
	} {
		if got := allocationSampling(tc.godebug); got != tc.want {
			t.Errorf("allocationSampling(%q)=%d, want %d", tc.godebug, got, tc.want)
		}
	}
}
