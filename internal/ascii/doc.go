// Package ascii finds runs of printable ASCII quickly, eight bytes at a
// time — the common case of the text that formatters escape and that
// parsers classify as text — and decodes the UTF-8 past them strictly.
package ascii
