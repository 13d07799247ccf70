// Package keys generates the synthetic string-key families the learned
// index is tested and benchmarked on: uniformly random bytes, keys behind
// a shared prefix, URL-like text and fixed-length user IDs. Every
// generator is deterministic for a seed and returns distinct keys.
package keys

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"slices"
)

// Family names a key family.
type Family string

// The families.
const (
	Random Family = "random" // uniform bytes 0–255, fixed length
	Prefix Family = "prefix" // a few shared prefixes, then random text
	URL    Family = "url"    // https://www.<host>.<tld>/<path>, padded to length
	UserID Family = "userid" // 12 characters [0-9a-z] (length ignored)
)

// Families lists every family.
var Families = []Family{Random, Prefix, URL, UserID}

const alnum = "0123456789abcdefghijklmnopqrstuvwxyz"

var (
	hosts = []string{"example", "news", "shop", "wiki", "mail", "video", "maps", "blog", "docs", "cdn"}
	tlds  = []string{"com", "org", "net", "io", "de"}
	words = []string{"item", "user", "page", "post", "tag", "img", "api", "v1", "v2", "search", "cart"}
)

// Gen returns a generator of keys of family f with length n (UserID: 12)
// drawing from rng.
func Gen(f Family, n int, rng *rand.Rand) (func() []byte, error) {
	if n < 1 {
		return nil, fmt.Errorf("keys: length %d", n)
	}
	text := func(b []byte) {
		for i := range b {
			b[i] = alnum[rng.IntN(len(alnum))]
		}
	}
	switch f {
	case Random:
		return func() []byte {
			b := make([]byte, n)
			for i := range b {
				b[i] = byte(rng.Uint32())
			}
			return b
		}, nil
	case Prefix:
		prefixes := []string{"tenant/0001/order/", "tenant/0001/user/", "tenant/0042/order/", "t/"}
		return func() []byte {
			p := prefixes[rng.IntN(len(prefixes))]
			b := make([]byte, max(n, len(p)+4))
			copy(b, p)
			text(b[len(p):])
			return b
		}, nil
	case URL:
		return func() []byte {
			var s bytes.Buffer
			s.WriteString("https://www.")
			s.WriteString(hosts[rng.IntN(len(hosts))])
			s.WriteByte('.')
			s.WriteString(tlds[rng.IntN(len(tlds))])
			for first := true; first || s.Len() < n; first = false {
				s.WriteByte('/')
				s.WriteString(words[rng.IntN(len(words))])
				if rng.IntN(2) == 0 {
					fmt.Fprintf(&s, "/%d", rng.IntN(100000))
				}
			}
			return s.Bytes()
		}, nil
	case UserID:
		return func() []byte {
			b := make([]byte, 12)
			text(b)
			return b
		}, nil
	}
	return nil, fmt.Errorf("keys: unknown family %q", f)
}

// Distinct returns count distinct keys of family f and length n in random
// order.
func Distinct(f Family, n, count int, seed uint64) ([][]byte, error) {
	rng := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	g, err := Gen(f, n, rng)
	if err != nil {
		return nil, err
	}
	seen := make(map[string]struct{}, count)
	out := make([][]byte, 0, count)
	for tries := 0; len(out) < count; tries++ {
		if tries > 100*count+1000 {
			return nil, fmt.Errorf("keys: family %q length %d has too few distinct keys for %d", f, n, count)
		}
		k := g()
		if _, ok := seen[string(k)]; ok {
			continue
		}
		seen[string(k)] = struct{}{}
		out = append(out, k)
	}
	return out, nil
}

// Sorted returns a sorted copy of ks.
func Sorted(ks [][]byte) [][]byte {
	s := slices.Clone(ks)
	slices.SortFunc(s, bytes.Compare)
	return s
}
