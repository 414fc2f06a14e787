/* SPDX-License-Identifier: (MIT OR GPL-2.0) */
/*
 * The few kernel types tapir.c needs, written out instead of a generated
 * vmlinux.h so that generation depends on nothing but clang and this
 * directory. Kernel structs are declared with preserve_access_index: their
 * field offsets are relocated at load time against the running kernel's BTF
 * (CO-RE), so only the field names and types here matter, not the layout.
 */
#ifndef TAPIR_H
#define TAPIR_H

typedef unsigned char __u8;
typedef unsigned short __u16;
typedef unsigned int __u32;
typedef unsigned long long __u64;
typedef signed char __s8;
typedef short __s16;
typedef int __s32;
typedef long long __s64;
typedef __u16 __be16;
typedef __u32 __be32;
typedef __u32 __wsum;

typedef __u8 u8;
typedef __u16 u16;
typedef __u32 u32;
typedef __u64 u64;
typedef __s32 s32;
typedef __s64 s64;

/* From include/uapi/linux/bpf.h: the map types and flags used here. */
enum {
	BPF_MAP_TYPE_HASH = 1,
	BPF_MAP_TYPE_PERCPU_ARRAY = 6,
	BPF_MAP_TYPE_LRU_HASH = 9,
	BPF_MAP_TYPE_RINGBUF = 27,
};

enum {
	BPF_ANY = 0,
	BPF_NOEXIST = 1,
};

enum {
	BPF_RB_NO_WAKEUP = 1,
	BPF_RB_FORCE_WAKEUP = 2,
};

enum {
	BPF_RB_AVAIL_DATA = 0,
};

/* The context of a raw tracepoint: the tracepoint's arguments. */
struct bpf_raw_tracepoint_args {
	__u64 args[0];
};

/*
 * x86-64 registers, in the order of the kernel's struct pt_regs (which is
 * also the user-space ABI's user_regs_struct): the context of a uprobe, and
 * the first argument of the sys_enter tracepoint.
 */
struct pt_regs {
	unsigned long r15, r14, r13, r12, bp, bx, r11, r10, r9, r8;
	unsigned long ax, cx, dx, si, di, orig_ax, ip, cs, flags, sp, ss;
};

/* The System V calling convention: arguments and return value. */
#define ARG1(ctx) ((ctx)->di)
#define ARG2(ctx) ((ctx)->si)
#define ARG3(ctx) ((ctx)->dx)
#define ARG4(ctx) ((ctx)->cx)
#define RET(ctx) ((ctx)->ax)
/* The first argument of a system call, as saved on entry. */
#define SYSCALL_ARG1(regs) ((regs)->di)

/* x86-64 system call numbers of the calls a socket BIO makes. */
enum {
	NR_read = 0,
	NR_write = 1,
	NR_readv = 19,
	NR_writev = 20,
	NR_sendto = 44,
	NR_recvfrom = 45,
	NR_sendmsg = 46,
	NR_recvmsg = 47,
};

enum {
	AF_INET = 2,
	AF_INET6 = 10,
};

/* CO-RE views of the kernel's socket: only the fields read. */
struct in6_addr {
	union {
		__u8 u6_addr8[16];
	} in6_u;
} __attribute__((preserve_access_index));

struct sock_common {
	__be32 skc_daddr;
	__be32 skc_rcv_saddr;
	__be16 skc_dport;
	__u16 skc_num;
	unsigned short skc_family;
	struct in6_addr skc_v6_daddr;
	struct in6_addr skc_v6_rcv_saddr;
} __attribute__((preserve_access_index));

struct sock {
	struct sock_common __sk_common;
} __attribute__((preserve_access_index));

#endif
