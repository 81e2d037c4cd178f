// The sliding window of one Puter account's calls per 10 s: grants counted in 100 ms slots of a ring, so adding one,
// moving the window on and counting what is in it cost O(1) amortised, whatever the rate.

// The sliding window counts grants in 100 ms slots. A grant counts for 106 slots, so it leaves the window at least
// 10.5 s after it was made: Puter's window is 10 s from when a call reaches it, which is later than the grant here by
// the time to send it; a grant that left this window first would be the 31st in Puter's.
const SLOT_MS = 100
const SPAN = 106
const RING = 128 // a power of two above SPAN: slot s lives at s & (RING - 1)

/** Grants per 100 ms slot over the last SPAN slots: the ring, the newest slot it was moved to, the grants in it. */
export interface GrantWindow {
  ring: Uint32Array
  head: number
  count: number
}

/** An empty window whose newest slot holds `at`. */
export function newWindow (at: number): GrantWindow {
  return { ring: new Uint32Array(RING), head: Math.floor(at / SLOT_MS), count: 0 }
}

/** Counts one grant in the newest slot (after advance()). */
export function addGrant (w: GrantWindow): void {
  w.ring[w.head & (RING - 1)]++
  w.count++
}

/** Moves the window to `at`: the slots that fell out of it are emptied and their grants no longer count. */
export function advance (bucket: GrantWindow, at: number): void {
  const current = Math.floor(at / SLOT_MS)
  if (current <= bucket.head) return
  if (current - bucket.head >= SPAN) {
    bucket.ring.fill(0)
    bucket.count = 0
  } else {
    for (let s = bucket.head + 1; s <= current; s++) {
      const i = (s - SPAN) & (RING - 1)
      bucket.count -= bucket.ring[i]
      bucket.ring[i] = 0
    }
  }
  bucket.head = current
}

/** When the oldest grant in the window leaves it (`at` when none). */
export function oldestLeavesAt (bucket: GrantWindow, at: number): number {
  for (let s = bucket.head - SPAN + 1; s <= bucket.head; s++) {
    if (bucket.ring[s & (RING - 1)] > 0) return (s + SPAN) * SLOT_MS
  }
  return at
}
