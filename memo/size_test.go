package memo

import (
	"testing"
	"unsafe"

	"github.com/stretchr/testify/require"
)

// TestModelOverheadParts ties ModelOverhead to the structs it counts: a
// field added to Model or slot that moves it to another size class fails
// here (and TestHeapPerModel measures the whole).
func TestModelOverheadParts(t *testing.T) {
	require.Equal(t, int64(128), AllocSize(int64(unsafe.Sizeof(Model{}))), "Model")
	require.Equal(t, int64(48), AllocSize(int64(unsafe.Sizeof(slot{}))), "slot")
	require.Equal(t, int64(128+48+MapEntryBytes), int64(ModelOverhead))
}
