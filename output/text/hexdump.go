package text

// appendHexDump appends p as a canonical hex dump, the layout of
// `hexdump -C`: an eight-digit offset, sixteen bytes in two groups of
// eight, and the bytes again as ASCII between bars, "." standing for any
// byte that does not print. Unlike hexdump it does not fold repeated lines
// and does not end with the total length.
func appendHexDump(dst, p []byte) []byte {
	for off := 0; off < len(p); off += 16 {
		line := p[off:min(off+16, len(p))]
		dst = appendHex32(dst, uint32(off))
		dst = append(dst, ' ')
		for i := range 16 {
			if i == 8 {
				dst = append(dst, ' ')
			}
			if i < len(line) {
				dst = append(dst, ' ', hexDigits[line[i]>>4], hexDigits[line[i]&0xf])
			} else {
				dst = append(dst, "   "...)
			}
		}
		dst = append(dst, "  |"...)
		for _, b := range line {
			if b < 0x20 || b > 0x7e {
				b = '.'
			}
			dst = append(dst, b)
		}
		dst = append(dst, "|\n"...)
	}
	return dst
}

// appendHex32 appends v as eight lower-case hex digits.
func appendHex32(dst []byte, v uint32) []byte {
	for shift := 28; shift >= 0; shift -= 4 {
		dst = append(dst, hexDigits[v>>uint(shift)&0xf])
	}
	return dst
}
