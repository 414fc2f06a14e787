// Package ascii finds runs of printable ASCII quickly, eight bytes at a
// time: the common case of the text that formatters escape and that
// parsers classify as text.
package ascii
