module github.com/tapir-dev/tapir

go 1.26.8

require github.com/klauspost/compress v1.20.3

require github.com/google/go-cmp v0.7.0 // indirect
