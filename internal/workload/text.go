package workload

import (
	"math/rand/v2"
	"strconv"
)

// words is the vocabulary of generated text.
var words = []string{
	"account", "active", "address", "amount", "archive", "balance", "batch", "billing",
	"blue", "bridge", "cache", "campaign", "cart", "catalog", "channel", "checkout",
	"city", "cloud", "cluster", "comment", "config", "contact", "coupon", "credit",
	"customer", "daily", "dashboard", "delivery", "device", "discount", "document", "draft",
	"east", "email", "engine", "event", "export", "feature", "filter", "forest",
	"garden", "gateway", "green", "group", "harbor", "history", "import", "invoice",
	"item", "journey", "kernel", "label", "ledger", "limit", "market", "member",
	"message", "metric", "monthly", "mountain", "network", "north", "notice", "offer",
	"order", "package", "page", "partner", "payment", "pending", "picture", "plan",
	"policy", "portal", "price", "product", "profile", "project", "quarter", "queue",
	"record", "region", "release", "report", "request", "review", "river", "route",
	"sample", "schedule", "search", "season", "secure", "service", "session", "setting",
	"shipment", "signal", "silver", "south", "stable", "status", "storage", "store",
	"stream", "summary", "support", "system", "target", "team", "ticket", "token",
	"total", "track", "travel", "update", "upload", "user", "valley", "vendor",
	"version", "video", "volume", "warehouse", "weekly", "west", "window", "winter",
}

var firstNames = []string{
	"Ada", "Alan", "Amara", "Bao", "Carmen", "Chen", "Dmitri", "Elena", "Farah", "Grace",
	"Hiro", "Ines", "Jonas", "Kofi", "Lena", "Malik", "Nadia", "Oskar", "Priya", "Quinn",
	"Rosa", "Sami", "Tariq", "Uma", "Viktor", "Wen", "Yara", "Zoe",
}

var lastNames = []string{
	"Okafor", "Lindqvist", "Nakamura", "Moreau", "Schmidt", "Kowalski", "Haddad", "Silva",
	"Novak", "Fischer", "Rossi", "Tanaka", "Ivanova", "Mensah", "Costa", "Andersen",
}

var statuses = []string{"active", "pending", "shipped", "cancelled", "archived", "draft"}

// text builds text with a random stream.
type text struct{ rng *rand.Rand }

func (t text) word() string { return words[t.rng.IntN(len(words))] }

// appendWords appends n space-separated words.
func (t text) appendWords(b []byte, n int) []byte {
	for i := range n {
		if i > 0 {
			b = append(b, ' ')
		}
		b = append(b, t.word()...)
	}
	return b
}

// appendSentence appends a capitalised sentence of 6 to 20 words.
func (t text) appendSentence(b []byte) []byte {
	start := len(b)
	b = t.appendWords(b, 6+t.rng.IntN(15))
	if b[start] >= 'a' && b[start] <= 'z' {
		b[start] -= 'a' - 'A'
	}
	return append(b, '.')
}

// appendHex appends n random lower-case hex digits.
func (t text) appendHex(b []byte, n int) []byte {
	const digits = "0123456789abcdef"
	for i := 0; i < n; i++ {
		b = append(b, digits[t.rng.IntN(16)])
	}
	return b
}

// appendUUID appends a random version 4 UUID.
func (t text) appendUUID(b []byte) []byte {
	b = t.appendHex(b, 8)
	b = append(b, '-')
	b = t.appendHex(b, 4)
	b = append(b, "-4"...)
	b = t.appendHex(b, 3)
	b = append(b, '-', "89ab"[t.rng.IntN(4)])
	b = t.appendHex(b, 3)
	b = append(b, '-')
	return t.appendHex(b, 12)
}

// appendToken appends n random base64url characters.
func (t text) appendToken(b []byte, n int) []byte {
	const chars = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
	for i := 0; i < n; i++ {
		b = append(b, chars[t.rng.IntN(len(chars))])
	}
	return b
}

// appendDate appends an ISO 8601 time in 2024.
func (t text) appendDate(b []byte) []byte {
	b = append(b, "2024-"...)
	b = append2(b, 1+t.rng.IntN(12))
	b = append(b, '-')
	b = append2(b, 1+t.rng.IntN(28))
	b = append(b, 'T')
	b = append2(b, t.rng.IntN(24))
	b = append(b, ':')
	b = append2(b, t.rng.IntN(60))
	b = append(b, ':')
	b = append2(b, t.rng.IntN(60))
	return append(b, 'Z')
}

func append2(b []byte, n int) []byte {
	return append(b, byte('0'+n/10), byte('0'+n%10))
}

// appendJSONString appends s quoted; s never needs escaping here.
func appendJSONString(b []byte, s string) []byte {
	b = append(b, '"')
	b = append(b, s...)
	return append(b, '"')
}

// appendRecord appends a JSON object describing a user, an order or a
// product, about 150 to 400 bytes.
func (t text) appendRecord(b []byte, id int) []byte {
	b = append(b, `{"id":`...)
	b = strconv.AppendInt(b, int64(id), 10)
	switch t.rng.IntN(3) {
	case 0:
		first, last := firstNames[t.rng.IntN(len(firstNames))], lastNames[t.rng.IntN(len(lastNames))]
		b = append(b, `,"name":"`...)
		b = append(b, first...)
		b = append(b, ' ')
		b = append(b, last...)
		b = append(b, `","email":"`...)
		for _, c := range []byte(first) {
			b = append(b, c|0x20)
		}
		b = append(b, '.')
		for _, c := range []byte(last) {
			b = append(b, c|0x20)
		}
		b = append(b, `@example.com","role":`...)
		b = appendJSONString(b, t.word())
		b = append(b, `,"created_at":"`...)
		b = t.appendDate(b)
		b = append(b, `","verified":`...)
		b = strconv.AppendBool(b, t.rng.IntN(4) != 0)
	case 1:
		b = append(b, `,"order_id":"ord_`...)
		b = t.appendToken(b, 14)
		b = append(b, `","status":`...)
		b = appendJSONString(b, statuses[t.rng.IntN(len(statuses))])
		b = append(b, `,"currency":"EUR","total_cents":`...)
		b = strconv.AppendInt(b, int64(100+t.rng.IntN(500000)), 10)
		b = append(b, `,"items":`...)
		b = strconv.AppendInt(b, int64(1+t.rng.IntN(9)), 10)
		b = append(b, `,"updated_at":"`...)
		b = t.appendDate(b)
		b = append(b, '"')
	default:
		b = append(b, `,"sku":"`...)
		b = t.appendToken(b, 8)
		b = append(b, `","title":"`...)
		b = t.appendWords(b, 2+t.rng.IntN(4))
		b = append(b, `","description":"`...)
		b = t.appendSentence(b)
		b = append(b, `","price":`...)
		b = strconv.AppendFloat(b, float64(t.rng.IntN(100000))/100, 'f', 2, 64)
		b = append(b, `,"tags":[`...)
		for i := range 1 + t.rng.IntN(4) {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendJSONString(b, t.word())
		}
		b = append(b, "]"...)
	}
	return append(b, '}')
}

// appendJSONBody appends a JSON document: one record, or a page of n
// records with paging metadata.
func (t text) appendJSONBody(b []byte, n int) []byte {
	if n == 0 {
		return t.appendRecord(b, 1+t.rng.IntN(99999))
	}
	page := 1 + t.rng.IntN(20)
	b = append(b, `{"data":[`...)
	base := page * n
	for i := range n {
		if i > 0 {
			b = append(b, ',')
		}
		b = t.appendRecord(b, base+i)
	}
	b = append(b, `],"page":`...)
	b = strconv.AppendInt(b, int64(page), 10)
	b = append(b, `,"per_page":`...)
	b = strconv.AppendInt(b, int64(n), 10)
	b = append(b, `,"total":`...)
	b = strconv.AppendInt(b, int64(base+n+t.rng.IntN(5000)), 10)
	return append(b, '}')
}

// appendHTML appends an HTML page of about paras paragraphs.
func (t text) appendHTML(b []byte, paras int) []byte {
	b = append(b, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>"...)
	b = t.appendWords(b, 3)
	b = append(b, "</title>\n<link rel=\"stylesheet\" href=\"/static/css/main."...)
	b = t.appendHex(b, 8)
	b = append(b, ".css\">\n</head>\n<body>\n<nav><a href=\"/\">Home</a> <a href=\"/account\">Account</a></nav>\n<main>\n<h1>"...)
	b = t.appendWords(b, 4)
	b = append(b, "</h1>\n"...)
	for range paras {
		b = append(b, "<p>"...)
		for range 1 + t.rng.IntN(4) {
			b = t.appendSentence(b)
			b = append(b, ' ')
		}
		b = append(b, "</p>\n"...)
	}
	b = append(b, "</main>\n<script src=\"/static/js/app."...)
	b = t.appendHex(b, 8)
	return append(b, ".js\"></script>\n</body>\n</html>\n"...)
}
