package sweep

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
)

// chunk is one Slurm array: the variant indices offset+local[i].
type chunk struct {
	offset int
	local  []int
}

// splitArrays groups variant indices into arrays whose task IDs stay below
// maxSize (the cluster's MaxArraySize: IDs run from 0 to MaxArraySize-1).
// Index i goes to the array of offset (i/maxSize)*maxSize as task ID
// i-offset. maxSize < 1 puts every index in one array at offset 0.
func splitArrays(indices []int, maxSize int) []chunk {
	sorted := append([]int(nil), indices...)
	sort.Ints(sorted)
	var out []chunk
	for _, i := range sorted {
		off := 0
		if maxSize > 0 {
			off = i / maxSize * maxSize
		}
		if len(out) == 0 || out[len(out)-1].offset != off {
			out = append(out, chunk{offset: off})
		}
		c := &out[len(out)-1]
		c.local = append(c.local, i-off)
	}
	return out
}

// arraySpec writes task IDs as sbatch --array does: ranges joined by
// commas ("0-3,5,7-9"), with "%P" when parallel caps the tasks running at
// once.
func arraySpec(ids []int, parallel int) string {
	var b strings.Builder
	for i := 0; i < len(ids); {
		j := i
		for j+1 < len(ids) && ids[j+1] == ids[j]+1 {
			j++
		}
		if b.Len() > 0 {
			b.WriteByte(',')
		}
		b.WriteString(strconv.Itoa(ids[i]))
		if j > i {
			fmt.Fprintf(&b, "-%d", ids[j])
		}
		i = j + 1
	}
	if parallel > 0 {
		fmt.Fprintf(&b, "%%%d", parallel)
	}
	return b.String()
}
