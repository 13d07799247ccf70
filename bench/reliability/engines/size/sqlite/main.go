// Command sqlite is a c-shared library that opens SQLite (Wasm build,
// github.com/ncruces/go-sqlite3), writes in a transaction and reads back:
// the code a memo on SQLite would link.
package main

import "C"

import "github.com/ncruces/go-sqlite3"

//export sia_size_probe
func sia_size_probe() C.int {
	db, err := sqlite3.Open("/nonexistent/probe.sqlite")
	if err != nil {
		return -1
	}
	_ = db.Exec("BEGIN; CREATE TABLE t (id INTEGER PRIMARY KEY, rec BLOB); COMMIT")
	st, _, err := db.Prepare("SELECT id, rec FROM t")
	if err == nil {
		for st.Step() {
		}
		_ = st.Close()
	}
	_ = db.Close()
	return 0
}

func main() {}
