package aidel_test

import (
	"fmt"
	"strings"

	"github.com/libsia/sia/index/aidel"
)

// An ordered map over string keys: bulk load, inserts, a retrain (which
// absorbs the inserted keys incrementally), point reads and a range scan.
func Example() {
	ix, err := aidel.New[int](aidel.Config{FeatureBytes: 8, Threshold: 4})
	if err != nil {
		panic(err)
	}
	var keys [][]byte
	var vals []int
	for i := range 1000 {
		keys = append(keys, fmt.Appendf(nil, "user%05d", 2*i))
		vals = append(vals, 2*i)
	}
	if err := ix.BulkLoad(keys, vals); err != nil {
		panic(err)
	}
	for i := 1; i < 200; i += 2 {
		ix.Put(fmt.Appendf(nil, "user%05d", i), i)
	}
	ix.Delete([]byte("user00004"))
	if _, err := ix.RetrainAll(); err != nil {
		panic(err)
	}
	v, ok := ix.Get([]byte("user00007"))
	fmt.Println(v, ok, ix.Len())
	var scan []string
	ix.Range([]byte("user00003"), func(k []byte, v int) bool {
		scan = append(scan, fmt.Sprintf("%s=%d", k, v))
		return v < 6
	})
	fmt.Println(strings.Join(scan, " "))
	st := ix.Stats()
	fmt.Println(st.Pending, st.ColdTrains)
	// Output:
	// 7 true 1099
	// user00003=3 user00005=5 user00006=6
	// 0 0
}
