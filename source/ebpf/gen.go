package ebpf

// The BPF program and its Go bindings (tapir_x86_bpfel.go and .o) are
// committed, so building needs no clang. After changing bpf/, regenerate
// with clang and llvm-strip installed:
//
//	go generate ./source/ebpf/
//
// The flags make the output reproducible: .ci/run checks that regenerating
// changes nothing.

//go:generate go tool bpf2go -cc clang -strip llvm-strip -target amd64 tapir bpf/tapir.c -- -I./bpf -mcpu=v3 -O2 -g -Wall -Werror
