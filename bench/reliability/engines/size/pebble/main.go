// Command pebble is a c-shared library that opens a Pebble store, commits
// a batch with sync and iterates it: the code a memo on Pebble would link.
package main

import "C"

import "github.com/cockroachdb/pebble/v2"

//export sia_size_probe
func sia_size_probe() C.int {
	db, err := pebble.Open("/nonexistent/probe", &pebble.Options{})
	if err != nil {
		return -1
	}
	b := db.NewBatch()
	_ = b.Set([]byte("k"), []byte("v"), nil)
	_ = b.Commit(pebble.Sync)
	it, _ := db.NewIter(nil)
	for it.First(); it.Valid(); it.Next() {
	}
	_ = it.Close()
	_ = db.Close()
	return 0
}

func main() {}
