// Package serverproc runs the zabsim server as a real server: StartServer
// and StartServerHandle host it in a live Node; Load reads what `zabsim
// server` starts from (zoo.cfg and its dynamic file, JVM system properties
// from the command line and $SERVER_JVMFLAGS/$JVMFLAGS, myid, the JAAS
// login file); Run is the process's life (start, AdminServer and
// Prometheus endpoints, stop on a signal or when the server stops
// serving). The AdminServer (`/commands/*` JSON) and `/metrics` serve
// answers the server computes on its loop.
//
// serverproc may import live, proc and the server packages; it must not
// import the other live packages, clients or workloads, and never sim,
// scenarios or cmd.
package serverproc
