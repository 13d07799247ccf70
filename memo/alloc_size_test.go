package memo

import (
	"testing"

	"github.com/stretchr/testify/require"
)

// TestAllocSizeEdges: AllocSize at its edges — nothing for a size of 0 or
// less, the smallest class for 1 byte, the largest class exactly, whole
// 8 KiB pages past it.
func TestAllocSizeEdges(t *testing.T) {
	last := sizeClasses[len(sizeClasses)-1]
	for _, tc := range [][2]int64{{-1, 0}, {0, 0}, {1, 8}, {8, 8}, {9, 16}, {last, last}, {last + 1, (last + 8192) &^ 8191}} {
		require.Equal(t, tc[1], AllocSize(tc[0]), "AllocSize(%d)", tc[0])
	}
}
