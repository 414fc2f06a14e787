// Command tapir shows what programs say inside their TLS connections. See
// `tapir --help` and the README.
package main

import (
	"os"

	"github.com/tapir-dev/tapir/internal/cli"
)

func main() { os.Exit(cli.Main(os.Args[1:])) }
