package sink

import "sync"

// queue is a FIFO of records bounded by their total size, safe for
// concurrent use: producers push without blocking (a record that does not
// fit is refused), a single consumer peeks at what is queued, writes it
// and then removes what it delivered, so records stay counted against the
// bound until they are gone.
type queue struct {
	mu    sync.Mutex
	recs  [][]byte
	head  int // recs[head:] are queued
	bytes int
	max   int
	// ready has a token whenever records may be waiting.
	ready chan struct{}
}

func newQueue(max int) *queue {
	return &queue{max: max, ready: make(chan struct{}, 1)}
}

// push queues rec (not copied: the caller hands it over) and reports
// whether it fit.
func (q *queue) push(rec []byte) bool {
	q.mu.Lock()
	if q.bytes+len(rec) > q.max {
		q.mu.Unlock()
		return false
	}
	q.recs = append(q.recs, rec)
	q.bytes += len(rec)
	q.mu.Unlock()
	q.signal()
	return true
}

func (q *queue) signal() {
	select {
	case q.ready <- struct{}{}:
	default:
	}
}

// peek appends the queued records to dst, oldest first, leaving them
// queued.
func (q *queue) peek(dst [][]byte) [][]byte {
	q.mu.Lock()
	dst = append(dst, q.recs[q.head:]...)
	q.mu.Unlock()
	return dst
}

// remove drops the n oldest records, which the consumer delivered.
func (q *queue) remove(n int) {
	q.mu.Lock()
	for i := q.head; i < q.head+n; i++ {
		q.bytes -= len(q.recs[i])
		q.recs[i] = nil
	}
	q.head += n
	if q.head == len(q.recs) {
		q.recs, q.head = q.recs[:0], 0
	} else if q.head > 1024 && q.head > len(q.recs)/2 {
		k := copy(q.recs, q.recs[q.head:])
		clear(q.recs[k:])
		q.recs, q.head = q.recs[:k], 0
	}
	q.mu.Unlock()
}

// drain empties the queue and returns how many records and bytes it held.
func (q *queue) drain() (recs, bytes int) {
	q.mu.Lock()
	recs, bytes = len(q.recs)-q.head, q.bytes
	clear(q.recs)
	q.recs, q.head, q.bytes = q.recs[:0], 0, 0
	q.mu.Unlock()
	return recs, bytes
}

// len returns the number of queued records.
func (q *queue) len() int {
	q.mu.Lock()
	defer q.mu.Unlock()
	return len(q.recs) - q.head
}
