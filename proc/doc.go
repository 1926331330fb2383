// Package proc is the small contract between a process and whatever hosts it.
//
// A process (a coordination server, a client, a workload worker) is a
// deterministic state machine: the host hands it events one at a time through
// Handle, and the process acts on the world only through its Env (clock,
// connections, datagrams, timers, disk, seeded randomness, logging and
// observations). Two hosts implement Env: the deterministic simulator (package
// sim) and the real runtime (package live, TCP + wall clock + files).
//
// Rules for processes (they are what makes a simulated run reproducible):
//   - never call time.Now, time.Sleep or timers, never start goroutines, never
//     lock, never touch net, os or global randomness: use Env;
//   - Handle must not block and must not retain Env across a restart (a
//     restarted process gets a new Start with a new Env);
//   - never let map iteration order reach anything observable (messages,
//     disk, logs, observations): sort keys first.
//
// proc imports only the standard library and must never import sim, live or
// any server package.
package proc
