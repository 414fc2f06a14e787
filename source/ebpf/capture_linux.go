//go:build linux && amd64

package ebpf

import (
	"errors"
	"fmt"
	"io"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"github.com/cilium/ebpf"
	"github.com/cilium/ebpf/features"
	"github.com/cilium/ebpf/link"
	"github.com/cilium/ebpf/ringbuf"
	"github.com/cilium/ebpf/rlimit"
	"golang.org/x/sys/unix"

	"github.com/tapir-dev/tapir/event"
)

// poll is how often the reader looks at the ring buffer when the kernel
// has not woken it: records are added without a wake-up until wakeBytes
// wait, so that a busy host does not wake the reader once per record.
const poll = 5 * time.Millisecond

// Kernel counter indexes, as in bpf/tapir.c.
const (
	countLostRecords = iota
	countLostBytes
	countCutCalls
	countCutBytes
	countFaults
	countFaultBytes
	countLostCloses
	countMax
)

// Filter bits, as in bpf/tapir.c.
const (
	filterPID  = 1
	filterUID  = 2
	filterComm = 4
)

// probes are the functions probed, in attach order; the first two are
// required.
var probes = []struct {
	symbol string
	entry  func(*tapirPrograms) *ebpf.Program
	ret    bool
}{
	{"SSL_write", func(p *tapirPrograms) *ebpf.Program { return p.SslWrite }, true},
	{"SSL_read", func(p *tapirPrograms) *ebpf.Program { return p.SslRead }, true},
	{"SSL_write_ex", func(p *tapirPrograms) *ebpf.Program { return p.SslWriteEx }, true},
	{"SSL_read_ex", func(p *tapirPrograms) *ebpf.Program { return p.SslReadEx }, true},
	{"SSL_free", func(p *tapirPrograms) *ebpf.Program { return p.SslFree }, false},
}

// Capture is a live capture: BPF programs loaded and attached, and the
// ring buffer they write to. Next is meant for one goroutine; Stop and
// Close may be called from any.
type Capture struct {
	objs    tapirObjects
	rd      *ringbuf.Reader
	targets []Target
	skipped []string

	mu    sync.Mutex // guards links
	links []link.Link

	dec      *decoder
	rec      ringbuf.Record
	next     int // index of the next queued event of dec
	cur      event.Event
	stopping atomic.Bool
	closed   atomic.Bool
}

// Open checks the kernel, loads the BPF programs and attaches them. It
// returns a one-line error naming what is missing when capture cannot work
// here.
func Open(opts *Options) (*Capture, error) {
	if opts == nil {
		opts = &Options{}
	}
	o, err := opts.withDefaults()
	if err != nil {
		return nil, err
	}
	if err := checkKernel(); err != nil {
		return nil, err
	}
	targets, err := findTargets(&o)
	if err != nil {
		return nil, err
	}
	if err := rlimit.RemoveMemlock(); err != nil && os.Geteuid() != 0 {
		return nil, notPermitted(err)
	}

	spec, err := loadTapir()
	if err != nil {
		return nil, err
	}
	spec.Maps[tapirMapEvents].MaxEntries = uint32(o.RingBuffer)
	var flags uint32
	if len(o.PIDs) > 0 {
		flags |= filterPID
	}
	if len(o.UIDs) > 0 {
		flags |= filterUID
	}
	if len(o.Comms) > 0 {
		flags |= filterComm
	}
	wake := uint64(o.RingBuffer / 8)
	for name, v := range map[string]any{tapirVarFilterFlags: flags, tapirVarMaxCall: uint32(o.MaxCall), tapirVarWakeBytes: wake} {
		if err := spec.Variables[name].Set(v); err != nil {
			return nil, fmt.Errorf("ebpf: setting %s: %w", name, err)
		}
	}

	c := &Capture{}
	if err := spec.LoadAndAssign(&c.objs, nil); err != nil {
		if errors.Is(err, os.ErrPermission) {
			return nil, notPermitted(err)
		}
		return nil, fmt.Errorf("ebpf: loading the BPF programs: %w", err)
	}
	if err := c.setFilters(&o); err != nil {
		c.Close()
		return nil, err
	}
	if c.rd, err = ringbuf.NewReader(c.objs.Events); err != nil {
		c.Close()
		return nil, fmt.Errorf("ebpf: ring buffer reader: %w", err)
	}
	if err := c.attachTracepoints(); err != nil {
		c.Close()
		return nil, err
	}
	for _, t := range targets {
		if err := c.attach(&t); err != nil {
			if t.Given {
				c.Close()
				return nil, err
			}
			c.skipped = append(c.skipped, err.Error())
			continue
		}
		c.targets = append(c.targets, t)
	}
	if len(c.targets) == 0 {
		c.Close()
		if len(c.skipped) > 0 {
			return nil, fmt.Errorf("ebpf: no library could be attached: %s", c.skipped[0])
		}
		return nil, ErrNoLibSSL
	}
	c.dec = newDecoder(clockOffset())
	c.rd.SetDeadline(time.Now().Add(poll))
	return c, nil
}

// checkKernel names the first kernel feature capture needs and lacks.
func checkKernel() error {
	if _, err := os.Stat("/sys/kernel/btf/vmlinux"); err != nil {
		return errors.New("ebpf: the kernel has no BTF (/sys/kernel/btf/vmlinux is missing): capture needs a kernel built with CONFIG_DEBUG_INFO_BTF=y")
	}
	uprobes := false
	for _, p := range []string{"/sys/bus/event_source/devices/uprobe/type", "/sys/kernel/tracing/uprobe_events", "/sys/kernel/debug/tracing/uprobe_events"} {
		if _, err := os.Stat(p); err == nil {
			uprobes = true
			break
		}
	}
	if !uprobes {
		return errors.New("ebpf: the kernel has no uprobes (no uprobe PMU or uprobe_events): capture needs CONFIG_UPROBE_EVENTS=y")
	}
	if err := features.HaveMapType(ebpf.RingBuf); err != nil {
		if errors.Is(err, os.ErrPermission) || errors.Is(err, unix.EPERM) {
			return notPermitted(err)
		}
		return fmt.Errorf("ebpf: the kernel has no BPF ring buffer (needs Linux 5.8 or later): %w", err)
	}
	return nil
}

func notPermitted(err error) error {
	return fmt.Errorf("ebpf: not permitted to load BPF programs: run as root (or with CAP_BPF, CAP_PERFMON and CAP_SYS_RESOURCE): %w", err)
}

// findTargets lists the files to attach to: discovered ones, then Libs.
func findTargets(o *Options) ([]Target, error) {
	var out []Target
	seen := map[fileID]bool{}
	if !o.NoDiscover {
		found, err := Discover()
		if err != nil && len(found) == 0 {
			return nil, fmt.Errorf("ebpf: looking for libssl: %w", err)
		}
		for _, t := range found {
			id, _ := idOf(t.Path)
			seen[id] = true
			out = append(out, t)
		}
	}
	for _, p := range o.Libs {
		id, ok := idOf(p)
		if !ok {
			return nil, fmt.Errorf("ebpf: --libssl %s: no such file", p)
		}
		if seen[id] {
			for i := range out {
				if oid, _ := idOf(out[i].Path); oid == id {
					out[i].Given = true
				}
			}
			continue
		}
		seen[id] = true
		out = append(out, Target{Path: p, Given: true})
	}
	if len(out) == 0 {
		return nil, ErrNoLibSSL
	}
	return out, nil
}

func (c *Capture) setFilters(o *Options) error {
	one := uint8(1)
	for _, pid := range o.PIDs {
		if err := c.objs.FilterPids.Put(pid, one); err != nil {
			return fmt.Errorf("ebpf: pid filter: %w", err)
		}
	}
	for _, uid := range o.UIDs {
		if err := c.objs.FilterUids.Put(uid, one); err != nil {
			return fmt.Errorf("ebpf: uid filter: %w", err)
		}
	}
	for _, name := range o.Comms {
		var k [16]byte
		copy(k[:], name)
		if err := c.objs.FilterComms.Put(k, one); err != nil {
			return fmt.Errorf("ebpf: comm filter: %w", err)
		}
	}
	return nil
}

func (c *Capture) attachTracepoints() error {
	l, err := link.AttachRawTracepoint(link.RawTracepointOptions{Name: "sys_enter", Program: c.objs.SysEnter})
	if err != nil {
		return fmt.Errorf("ebpf: attaching the sys_enter raw tracepoint: %w", err)
	}
	c.links = append(c.links, l)
	for _, p := range []struct {
		name string
		prog *ebpf.Program
	}{{"sock_send_length", c.objs.SockSendLength}, {"sock_recv_length", c.objs.SockRecvLength}} {
		l, err := link.AttachTracing(link.TracingOptions{Program: p.prog})
		if err != nil {
			return fmt.Errorf("ebpf: attaching the %s BTF tracepoint (Linux 6.x): %w", p.name, err)
		}
		c.links = append(c.links, l)
	}
	return nil
}

// attach puts the uprobes on one target and records what was probed.
func (c *Capture) attach(t *Target) error {
	ex, err := link.OpenExecutable(t.Path)
	if err != nil {
		return fmt.Errorf("ebpf: %s: %w", t.Path, err)
	}
	var links []link.Link
	fail := func(err error) error {
		for _, l := range links {
			l.Close()
		}
		return err
	}
	for i, p := range probes {
		l, err := ex.Uprobe(p.symbol, p.entry(&c.objs.tapirPrograms), nil)
		if errors.Is(err, link.ErrNoSymbol) {
			if i < 2 {
				return fail(fmt.Errorf("ebpf: %s has no %s symbol (stripped, or not OpenSSL): pass an unstripped binary or its libssl", t.Path, p.symbol))
			}
			continue
		}
		if err != nil {
			return fail(fmt.Errorf("ebpf: uprobe on %s in %s: %w", p.symbol, t.Path, err))
		}
		links = append(links, l)
		if p.ret {
			l, err := ex.Uretprobe(p.symbol, c.objs.SslRet, nil)
			if err != nil {
				return fail(fmt.Errorf("ebpf: uretprobe on %s in %s: %w", p.symbol, t.Path, err))
			}
			links = append(links, l)
		}
		t.Symbols = append(t.Symbols, p.symbol)
	}
	c.mu.Lock()
	c.links = append(c.links, links...)
	c.mu.Unlock()
	return nil
}

// clockOffset is what turns the kernel's monotonic clock (bpf_ktime_get_ns)
// into Unix time.
func clockOffset() int64 {
	var a, b unix.Timespec
	unix.ClockGettime(unix.CLOCK_MONOTONIC, &a)
	now := time.Now().UnixNano()
	unix.ClockGettime(unix.CLOCK_MONOTONIC, &b)
	return now - (a.Nano()+b.Nano())/2
}

// Targets returns the files the probes were attached to.
func (c *Capture) Targets() []Target { return c.targets }

// Skipped returns why discovered libraries could not be attached.
func (c *Capture) Skipped() []string { return c.skipped }

// Next returns the next event, in ring buffer order. The Event and its
// Data are valid until the next call to Next. After Stop it returns the
// events still in the ring buffer, then io.EOF; after Close, io.EOF.
func (c *Capture) Next() (*event.Event, error) {
	for {
		if c.next < len(c.dec.queue) {
			c.cur = c.dec.queue[c.next]
			c.next++
			return &c.cur, nil
		}
		c.dec.queue, c.next = c.dec.queue[:0], 0
		if c.closed.Load() {
			return nil, io.EOF
		}
		err := c.rd.ReadInto(&c.rec)
		switch {
		case err == nil:
			if err := c.dec.decode(c.rec.RawSample); err != nil {
				return nil, err
			}
		case errors.Is(err, os.ErrDeadlineExceeded):
			c.rd.SetDeadline(time.Now().Add(poll))
		case errors.Is(err, ringbuf.ErrFlushed):
			if c.stopping.Load() {
				return nil, io.EOF
			}
		case errors.Is(err, ringbuf.ErrClosed), errors.Is(err, os.ErrClosed):
			return nil, io.EOF
		default:
			return nil, fmt.Errorf("ebpf: reading the ring buffer: %w", err)
		}
	}
}

// Stop detaches the probes, so no new events come, and makes Next return
// what is still in the ring buffer and then io.EOF. It is safe to call more
// than once and from any goroutine.
func (c *Capture) Stop() {
	c.detach()
	if c.stopping.CompareAndSwap(false, true) && c.rd != nil {
		c.rd.Flush()
	}
}

func (c *Capture) detach() {
	c.mu.Lock()
	links := c.links
	c.links = nil
	c.mu.Unlock()
	var wg sync.WaitGroup
	for _, l := range links {
		wg.Add(1)
		go func() {
			defer wg.Done()
			l.Close()
		}()
	}
	wg.Wait()
}

// Close detaches the probes and frees the programs and maps; events still
// in the ring buffer are lost. It unblocks a pending Next and is safe to
// call more than once.
func (c *Capture) Close() error {
	if c.closed.Swap(true) {
		return nil
	}
	c.detach()
	var err error
	if c.rd != nil {
		err = c.rd.Close()
	}
	return errors.Join(err, c.objs.Close())
}

// Stats reads the kernel's loss counters. It may be called at any time
// before Close.
func (c *Capture) Stats() (Stats, error) {
	var v [countMax]uint64
	for i := range v {
		var per []uint64
		if err := c.objs.Counters.Lookup(uint32(i), &per); err != nil {
			return Stats{}, fmt.Errorf("ebpf: reading counters: %w", err)
		}
		for _, n := range per {
			v[i] += n
		}
	}
	return Stats{
		LostRecords: v[countLostRecords], LostBytes: v[countLostBytes],
		CutCalls: v[countCutCalls], CutBytes: v[countCutBytes],
		Faults: v[countFaults], FaultBytes: v[countFaultBytes],
		LostCloses: v[countLostCloses],
	}, nil
}
