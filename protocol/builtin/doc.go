// Package builtin holds tapir's default detection list: every protocol
// tapir knows, in the order they are tried. It is the one package that
// imports them all, so package protocol imports none.
package builtin
