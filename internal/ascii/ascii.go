package ascii

const (
	ones  = 0x0101010101010101
	highs = 0x8080808080808080
)

// PrintablePrefix returns the length of the longest prefix of s made of
// bytes 0x20 to 0x7e (space to tilde).
func PrintablePrefix[T ~string | ~[]byte](s T) int {
	i := 0
	for ; i+8 <= len(s); i += 8 {
		w := uint64(s[i]) | uint64(s[i+1])<<8 | uint64(s[i+2])<<16 | uint64(s[i+3])<<24 |
			uint64(s[i+4])<<32 | uint64(s[i+5])<<40 | uint64(s[i+6])<<48 | uint64(s[i+7])<<56
		// A byte below 0x20, or above 0x7e, sets its high bit in one of
		// these (the classic "has less" and "has more" tests).
		if (w-ones*0x20)&^w&highs != 0 || ((w+ones*1)|w)&highs != 0 {
			break
		}
	}
	for ; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c > 0x7e {
			return i
		}
	}
	return i
}
