// SPDX-License-Identifier: (MIT OR GPL-2.0)
/*
 * tapir's capture program: uprobes on OpenSSL's SSL_read/SSL_write (and
 * their _ex forms) hand the plaintext of every call to user space through a
 * ring buffer, with the process, the socket's file descriptor and the TCP
 * 4-tuple; a uprobe on SSL_free reports the end of a connection.
 *
 * Connection identity is learnt inside the SSL call, without kprobes: the
 * sys_enter raw tracepoint notes the fd of each read/write/send/recv system
 * call a thread makes while it is inside an SSL call, and the
 * sock_send_length/sock_recv_length tracepoints that fire inside that system
 * call confirm it is a socket and give its addresses.
 *
 * Regenerate the Go bindings with `go generate ./source/ebpf/` (needs clang).
 */

#include "tapir.h"
#include "libbpf/bpf_helpers.h"

char LICENSE[] SEC("license") = "Dual MIT/GPL";

/* Bytes of payload in one ring buffer record; a longer call is split. */
#define CHUNK 16384

/* Record kinds. */
enum {
	KIND_DATA = 1,
	KIND_CLOSE = 2,
};

/* Directions, as in Go's event.Dir. */
enum {
	DIR_OUT = 0,
	DIR_IN = 1,
};

/* Filter bits of filter_flags. */
enum {
	FILTER_PID = 1,
	FILTER_UID = 2,
	FILTER_COMM = 4,
};

/* Indexes of the per-CPU counters. */
enum {
	COUNT_LOST_RECORDS, /* records that did not fit in the ring buffer */
	COUNT_LOST_BYTES,   /* their payload bytes (cut bytes included) */
	COUNT_CUT_CALLS,    /* calls longer than max_call */
	COUNT_CUT_BYTES,    /* bytes past max_call, not copied */
	COUNT_FAULTS,       /* calls whose buffer could not be read */
	COUNT_FAULT_BYTES,  /* bytes not copied because of that */
	COUNT_LOST_CLOSES,  /* close records that did not fit */
	COUNT_MAX,
};

/* Set by the loader before the program is loaded. */
const volatile u32 filter_flags = 0;
/* Bytes copied at most from one call; the rest is reported in orig_len. */
const volatile u32 max_call = 4 << 20;
/* Wake the reader when this many bytes wait in the ring buffer; below it
 * records are added silently and the reader polls. */
const volatile u64 wake_bytes = 1 << 20;

/* One record of the ring buffer: a header and up to CHUNK bytes. */
struct record {
	u64 ts;       /* bpf_ktime_get_ns at the call's return */
	u64 ssl;      /* the SSL object's address */
	u32 pid;      /* process (tgid) */
	u32 tid;      /* thread */
	s32 fd;       /* socket fd, -1 if not seen */
	u32 len;      /* payload bytes in data */
	u32 orig_len; /* when not 0: the bytes of the call from this record on */
	u32 lost[2];  /* bytes of this connection lost before this record, by direction */
	u16 family;   /* AF_INET, AF_INET6, or 0 if unknown */
	u16 sport;    /* this process's port */
	u16 dport;    /* the peer's port */
	u8 kind;
	u8 dir;
	u8 saddr[16]; /* IPv4 in the first 4 bytes */
	u8 daddr[16];
	char comm[16];
	u8 data[CHUNK];
};

/* A call in progress on one thread, saved at entry for the return probe. */
struct call {
	u64 ssl;
	u64 buf;
	u64 lenp; /* _ex: where the byte count is written; 0 otherwise */
	s64 fd;   /* fd of the last socket system call seen in the call, or -1 */
	u8 dir;
	u8 pad[7];
};

/* What is known of one SSL object of one process. */
struct conn_key {
	u64 ssl;
	u32 pid;
	u32 pad;
};

struct conn {
	s32 fd;
	u16 family;
	u16 sport;
	u16 dport;
	u16 pad;
	u32 lost[2];
	u8 saddr[16];
	u8 daddr[16];
};

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 16 << 20); /* set by the loader */
} events SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 65536);
	__type(key, u64); /* pid_tgid */
	__type(value, struct call);
} calls SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 131072);
	__type(key, struct conn_key);
	__type(value, struct conn);
} conns SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, u32);
	__type(value, struct record);
} scratch SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, COUNT_MAX);
	__type(key, u32);
	__type(value, u64);
} counters SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1024);
	__type(key, u32);
	__type(value, u8);
} filter_pids SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1024);
	__type(key, u32);
	__type(value, u8);
} filter_uids SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1024);
	__type(key, char[16]);
	__type(value, u8);
} filter_comms SEC(".maps");


static __always_inline void count(u32 idx, u64 n)
{
	u64 *v = bpf_map_lookup_elem(&counters, &idx);
	if (v)
		*v += n; /* per-CPU: no other writer */
}

/* allowed reports whether the current thread passes the filters. */
static __always_inline int allowed(void)
{
	if (!filter_flags)
		return 1;
	if (filter_flags & FILTER_PID) {
		u32 pid = bpf_get_current_pid_tgid() >> 32;
		if (!bpf_map_lookup_elem(&filter_pids, &pid))
			return 0;
	}
	if (filter_flags & FILTER_UID) {
		u32 uid = (u32)bpf_get_current_uid_gid();
		if (!bpf_map_lookup_elem(&filter_uids, &uid))
			return 0;
	}
	if (filter_flags & FILTER_COMM) {
		char comm[16] = {};
		bpf_get_current_comm(comm, sizeof(comm));
		if (!bpf_map_lookup_elem(&filter_comms, comm))
			return 0;
	}
	return 1;
}

static __always_inline int enter(struct pt_regs *ctx, u8 dir, int ex)
{
	if (!allowed())
		return 0;
	u64 id = bpf_get_current_pid_tgid();
	struct call c = {
		.ssl = ARG1(ctx),
		.buf = ARG2(ctx),
		.lenp = ex ? ARG4(ctx) : 0,
		.fd = -1,
		.dir = dir,
	};
	bpf_map_update_elem(&calls, &id, &c, BPF_ANY);
	struct conn_key k = {.ssl = c.ssl, .pid = id >> 32};
	if (!bpf_map_lookup_elem(&conns, &k)) {
		struct conn n = {.fd = -1};
		bpf_map_update_elem(&conns, &k, &n, BPF_NOEXIST);
	}
	return 0;
}

/* wake_flag batches wake-ups: the reader is woken only when enough waits. */
static __always_inline u64 wake_flag(void)
{
	if (bpf_ringbuf_query(&events, BPF_RB_AVAIL_DATA) >= wake_bytes)
		return BPF_RB_FORCE_WAKEUP;
	return BPF_RB_NO_WAKEUP;
}

/*
 * emit writes r's header and first len payload bytes to the ring buffer.
 * lost is what the record stands for (its bytes, and for the last record
 * of a cut call the bytes past the cut): when the record does not fit it is
 * added to the connection's lost count, which the next record that fits
 * carries so that user space marks the gap where it happened.
 */
static __always_inline void emit(struct record *r, u32 len, u32 lost, struct conn_key *k)
{
	struct conn *cn = bpf_map_lookup_elem(&conns, k);
	u8 dir = r->dir & 1;
	r->lost[0] = 0;
	r->lost[1] = 0;
	if (cn) {
		r->lost[0] = cn->lost[0];
		r->lost[1] = cn->lost[1];
	}
	if (len > CHUNK)
		len = CHUNK;
	if (bpf_ringbuf_output(&events, r, sizeof(*r) - CHUNK + len, wake_flag())) {
		if (r->kind == KIND_CLOSE) {
			count(COUNT_LOST_CLOSES, 1);
			return;
		}
		count(COUNT_LOST_RECORDS, 1);
		count(COUNT_LOST_BYTES, lost);
		if (cn)
			__sync_fetch_and_add(&cn->lost[dir], lost);
		return;
	}
	if (cn && (r->lost[0] || r->lost[1])) {
		__sync_fetch_and_sub(&cn->lost[0], r->lost[0]);
		__sync_fetch_and_sub(&cn->lost[1], r->lost[1]);
	}
}

/* fill sets the header fields that every record of a call shares. */
static __always_inline void fill(struct record *r, u64 id, u64 ssl, u8 kind, u8 dir, struct conn *cn)
{
	r->ts = bpf_ktime_get_ns();
	r->ssl = ssl;
	r->pid = id >> 32;
	r->tid = (u32)id;
	r->kind = kind;
	r->dir = dir;
	r->len = 0;
	r->orig_len = 0;
	r->fd = -1;
	r->family = 0;
	r->sport = 0;
	r->dport = 0;
	if (cn) {
		r->fd = cn->fd;
		r->family = cn->family;
		r->sport = cn->sport;
		r->dport = cn->dport;
		__builtin_memcpy(r->saddr, cn->saddr, 16);
		__builtin_memcpy(r->daddr, cn->daddr, 16);
	}
	bpf_get_current_comm(r->comm, sizeof(r->comm));
}

struct copy_ctx {
	struct conn_key key;
	u64 buf;
	u64 keep;  /* bytes to copy */
	u64 total; /* bytes of the call */
};

/* copy_chunk sends the i-th CHUNK of the call's buffer. */
static long copy_chunk(u32 i, void *data)
{
	struct copy_ctx *cc = data;
	u32 zero = 0;
	struct record *r = bpf_map_lookup_elem(&scratch, &zero);
	if (!r)
		return 1;
	u64 off = (u64)i * CHUNK;
	if (off >= cc->keep)
		return 1;
	u64 n = cc->keep - off;
	if (n > CHUNK)
		n = CHUNK;
	u32 len = n;
	u32 lost = len;
	r->orig_len = 0;
	if (off + len >= cc->keep && cc->total > cc->keep) {
		u64 o = cc->total - off;
		r->orig_len = o > 0xffffffff ? 0xffffffff : o;
		lost = r->orig_len;
	}
	if (len == 0 || len > CHUNK)
		return 1;
	if (bpf_probe_read_user(r->data, len, (void *)(cc->buf + off))) {
		/* Unreadable (paged out): say what is missing and stop. */
		u64 o = cc->total - off;
		r->len = 0;
		r->orig_len = o > 0xffffffff ? 0xffffffff : o;
		count(COUNT_FAULTS, 1);
		count(COUNT_FAULT_BYTES, cc->keep - off);
		emit(r, 0, r->orig_len, &cc->key);
		return 1;
	}
	r->len = len;
	emit(r, len, lost, &cc->key);
	return 0;
}

static __always_inline int leave(struct pt_regs *ctx)
{
	u64 id = bpf_get_current_pid_tgid();
	struct call *cp = bpf_map_lookup_elem(&calls, &id);
	if (!cp)
		return 0;
	struct call c = *cp;
	bpf_map_delete_elem(&calls, &id);

	/* int, not long: -1 (want read) must not become a length. */
	int ret = (int)RET(ctx);
	if (ret <= 0)
		return 0;
	u64 n = ret;
	if (c.lenp) {
		/* _ex: 1 on success, the count is in the pointer argument. */
		if (ret != 1)
			return 0;
		if (bpf_probe_read_user(&n, sizeof(n), (void *)c.lenp))
			return 0;
	}
	if (n == 0)
		return 0;

	struct copy_ctx cc = {
		.key = {.ssl = c.ssl, .pid = id >> 32},
		.buf = c.buf,
		.keep = n,
		.total = n,
	};
	if (cc.keep > max_call) {
		cc.keep = max_call;
		count(COUNT_CUT_CALLS, 1);
		count(COUNT_CUT_BYTES, n - cc.keep);
	}
	u32 zero = 0;
	struct record *r = bpf_map_lookup_elem(&scratch, &zero);
	if (!r)
		return 0;
	fill(r, id, c.ssl, KIND_DATA, c.dir, bpf_map_lookup_elem(&conns, &cc.key));
	if (cc.keep == 0) {
		/* max_call 0: only the length is reported. */
		r->orig_len = n > 0xffffffff ? 0xffffffff : n;
		emit(r, 0, r->orig_len, &cc.key);
		return 0;
	}
	bpf_loop((cc.keep + CHUNK - 1) / CHUNK, copy_chunk, &cc, 0);
	return 0;
}

SEC("uprobe/SSL_write")
int ssl_write(struct pt_regs *ctx) { return enter(ctx, DIR_OUT, 0); }

SEC("uprobe/SSL_write_ex")
int ssl_write_ex(struct pt_regs *ctx) { return enter(ctx, DIR_OUT, 1); }

SEC("uprobe/SSL_read")
int ssl_read(struct pt_regs *ctx) { return enter(ctx, DIR_IN, 0); }

SEC("uprobe/SSL_read_ex")
int ssl_read_ex(struct pt_regs *ctx) { return enter(ctx, DIR_IN, 1); }

SEC("uretprobe")
int ssl_ret(struct pt_regs *ctx) { return leave(ctx); }

SEC("uprobe/SSL_free")
int ssl_free(struct pt_regs *ctx)
{
	u64 id = bpf_get_current_pid_tgid();
	struct conn_key k = {.ssl = ARG1(ctx), .pid = id >> 32};
	struct conn *cn = bpf_map_lookup_elem(&conns, &k);
	if (!cn)
		return 0; /* never seen: not traced, or filtered out */
	u32 zero = 0;
	struct record *r = bpf_map_lookup_elem(&scratch, &zero);
	if (r) {
		fill(r, id, k.ssl, KIND_CLOSE, 0, cn);
		emit(r, 0, 0, &k);
	}
	bpf_map_delete_elem(&conns, &k);
	return 0;
}

/* sys_enter notes the fd of a socket-like system call made inside an SSL call. */
SEC("raw_tp/sys_enter")
int sys_enter(struct bpf_raw_tracepoint_args *ctx)
{
	switch (ctx->args[1]) {
	case NR_read:
	case NR_write:
	case NR_readv:
	case NR_writev:
	case NR_sendto:
	case NR_recvfrom:
	case NR_sendmsg:
	case NR_recvmsg:
		break;
	default:
		return 0;
	}
	u64 id = bpf_get_current_pid_tgid();
	struct call *c = bpf_map_lookup_elem(&calls, &id);
	if (!c)
		return 0;
	struct pt_regs *regs = (struct pt_regs *)ctx->args[0];
	unsigned long fd = 0;
	bpf_probe_read_kernel(&fd, sizeof(fd), &SYSCALL_ARG1(regs));
	c->fd = (s32)fd;
	return 0;
}

/*
 * on_sock runs inside a socket send or receive: when the thread is inside
 * an SSL call, the fd noted by sys_enter is the connection's socket, and
 * the socket gives the addresses.
 */
static __always_inline void on_sock(struct sock *sk)
{
	u64 id = bpf_get_current_pid_tgid();
	struct call *c = bpf_map_lookup_elem(&calls, &id);
	if (!c || c->fd < 0)
		return;
	struct conn_key k = {.ssl = c->ssl, .pid = id >> 32};
	struct conn *cn = bpf_map_lookup_elem(&conns, &k);
	if (!cn)
		return;
	s32 fd = c->fd;
	c->fd = -1;
	if (cn->fd == fd && cn->family)
		return;
	cn->fd = fd;
	u16 family = sk->__sk_common.skc_family;
	if (family == AF_INET) {
		u32 s = sk->__sk_common.skc_rcv_saddr;
		u32 d = sk->__sk_common.skc_daddr;
		__builtin_memcpy(cn->saddr, &s, 4);
		__builtin_memcpy(cn->daddr, &d, 4);
	} else if (family == AF_INET6) {
		bpf_probe_read_kernel(cn->saddr, 16, &sk->__sk_common.skc_v6_rcv_saddr);
		bpf_probe_read_kernel(cn->daddr, 16, &sk->__sk_common.skc_v6_daddr);
	} else {
		cn->family = family;
		return;
	}
	cn->sport = sk->__sk_common.skc_num;
	u16 dport = sk->__sk_common.skc_dport;
	cn->dport = (dport >> 8) | (dport << 8);
	cn->family = family;
}

SEC("tp_btf/sock_send_length")
int sock_send_length(u64 *ctx)
{
	on_sock((struct sock *)ctx[0]);
	return 0;
}

SEC("tp_btf/sock_recv_length")
int sock_recv_length(u64 *ctx)
{
	on_sock((struct sock *)ctx[0]);
	return 0;
}
