package rundir

import (
	"encoding/json"
	"strings"
)

// Role is what a server was doing, as the role timeline draws it.
type Role string

// Roles of the timeline. A live run's roles are the modes its servers
// report (srvr), which are among these.
const (
	RoleDown       Role = "down"
	RoleStarting   Role = "starting"
	RoleStandalone Role = "standalone"
	RoleLeader     Role = "leader"
	RoleFollower   Role = "follower"
	RoleObserver   Role = "observer"
	RoleLooking    Role = "looking"
	RolePaused     Role = "paused"
	RoleFailed     Role = "failed"
	// RoleUnreachable: a live server that does not answer srvr.
	RoleUnreachable Role = "unreachable"
)

// RoleChange is one change of a server's role, for the role timeline.
type RoleChange struct {
	TimeNS int64
	Node   string
	Role   Role
	// Syncing marks a leader or learner that has its role but does not
	// serve yet (discovery and synchronisation).
	Syncing bool
	Epoch   int64
}

// syncingSuffix marks a syncing role in roles.json and on the timeline.
const syncingSuffix = " (syncing)"

// Label is the role as roles.json and the timeline write it: "follower",
// "leader (syncing)".
func (c RoleChange) Label() string {
	if c.Syncing {
		return string(c.Role) + syncingSuffix
	}
	return string(c.Role)
}

// roleChangeJSON is roles.json's form of a role change.
type roleChangeJSON struct {
	TimeNS int64  `json:"time_ns"`
	Node   string `json:"node"`
	Role   string `json:"role"` // "down", "starting", "standalone", "leader", "follower", "looking", "observer", "failed", "paused"; a syncing one with " (syncing)"
	Epoch  int64  `json:"epoch,omitempty"`
}

// MarshalJSON writes the role change as roles.json holds it.
func (c RoleChange) MarshalJSON() ([]byte, error) {
	return json.Marshal(roleChangeJSON{TimeNS: c.TimeNS, Node: c.Node, Role: c.Label(), Epoch: c.Epoch})
}

// UnmarshalJSON reads a role change of roles.json.
func (c *RoleChange) UnmarshalJSON(b []byte) error {
	var j roleChangeJSON
	if err := json.Unmarshal(b, &j); err != nil {
		return err
	}
	role, syncing := strings.CutSuffix(j.Role, syncingSuffix)
	*c = RoleChange{TimeNS: j.TimeNS, Node: j.Node, Role: Role(role), Syncing: syncing, Epoch: j.Epoch}
	return nil
}
