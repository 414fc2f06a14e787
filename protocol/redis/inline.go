package redis

// splitArgs splits an inline command line into arguments as Redis does:
// words separated by white space, where a word may be "double quoted"
// with C escapes (\n, \xHH, ...) or 'single quoted' with only \' as an
// escape, and a closing quote must end the word. ok is false for
// unbalanced quotes, which Redis refuses.
func splitArgs(line []byte) (args [][]byte, ok bool) {
	i := 0
	for {
		for i < len(line) && isSpace(line[i]) {
			i++
		}
		if i == len(line) {
			return args, true
		}
		var a []byte
		switch line[i] {
		case '"':
			i++
			for {
				if i >= len(line) {
					return args, false
				}
				c := line[i]
				switch {
				case c == '\\' && i+3 < len(line) && line[i+1] == 'x' && isHex(line[i+2]) && isHex(line[i+3]):
					a = append(a, unhex(line[i+2])<<4|unhex(line[i+3]))
					i += 4
					continue
				case c == '\\' && i+1 < len(line):
					i++
					switch c = line[i]; c {
					case 'n':
						c = '\n'
					case 'r':
						c = '\r'
					case 't':
						c = '\t'
					case 'b':
						c = '\b'
					case 'a':
						c = '\a'
					}
					a = append(a, c)
					i++
					continue
				case c == '"':
					i++
					if i < len(line) && !isSpace(line[i]) {
						return args, false
					}
					args = append(args, orEmpty(a))
				default:
					a = append(a, c)
					i++
					continue
				}
				break
			}
		case '\'':
			i++
			for {
				if i >= len(line) {
					return args, false
				}
				c := line[i]
				switch {
				case c == '\\' && i+1 < len(line) && line[i+1] == '\'':
					a = append(a, '\'')
					i += 2
					continue
				case c == '\'':
					i++
					if i < len(line) && !isSpace(line[i]) {
						return args, false
					}
					args = append(args, orEmpty(a))
				default:
					a = append(a, c)
					i++
					continue
				}
				break
			}
		default:
			j := i
			for j < len(line) && !isSpace(line[j]) {
				j++
			}
			args = append(args, line[i:j])
			i = j
		}
	}
}

func orEmpty(a []byte) []byte {
	if a == nil {
		return []byte{}
	}
	return a
}

func isSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f'
}

func isHex(c byte) bool {
	return c >= '0' && c <= '9' || c|0x20 >= 'a' && c|0x20 <= 'f'
}

func unhex(c byte) byte {
	if c <= '9' {
		return c - '0'
	}
	return c | 0x20 - 'a' + 10
}
