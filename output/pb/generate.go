package pb

// The generated code is committed, so building needs neither protoc nor
// protoc-gen-go; regenerate after editing tapir.proto:
//
//	apt-get install protobuf-compiler
//	go install google.golang.org/protobuf/cmd/protoc-gen-go@v1.36.12
//	go generate ./output/pb

//go:generate protoc --go_out=. --go_opt=paths=source_relative tapir.proto
