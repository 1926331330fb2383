package cluster

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
)

var zabsimBin struct {
	once sync.Once
	path string
	err  error
}

// ZabsimBinary returns the zabsim binary the live tier's tests run as
// server processes: $ZABSIM_BIN when set (make test-live builds it once),
// otherwise the command in cmdDir (a package path relative to the working
// directory, e.g. "../../cmd/zabsim"), built once per process into a temporary
// directory.
func ZabsimBinary(cmdDir string) (string, error) {
	if bin := os.Getenv("ZABSIM_BIN"); bin != "" {
		return bin, nil
	}
	zabsimBin.once.Do(func() {
		dir, err := os.MkdirTemp("", "zabsim-bin-")
		if err != nil {
			zabsimBin.err = err
			return
		}
		zabsimBin.path = filepath.Join(dir, "zabsim")
		out, err := exec.Command("go", "build", "-o", zabsimBin.path, cmdDir).CombinedOutput()
		if err != nil {
			zabsimBin.err = fmt.Errorf("go build %s: %v\n%s", cmdDir, err, out)
		}
	})
	return zabsimBin.path, zabsimBin.err
}
