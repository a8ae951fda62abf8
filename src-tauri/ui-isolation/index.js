// Isolation application: every IPC message from the main frame passes
// through this sandboxed iframe before Tauri core sees it, so a compromised
// or buggy frontend cannot reach commands the app never meant to expose.
// The capability ACL in Rust is the authority; this is defence in depth.

// Keep in step with AppManifest::commands in src-tauri/build.rs.
// Empty: the shell has no commands yet, so nothing is let through.
const ALLOWED_COMMANDS = new Set([])

window.__TAURI_ISOLATION_HOOK__ = (payload) => {
  if (!ALLOWED_COMMANDS.has(payload.cmd)) {
    // Throwing drops the message; it never reaches the core.
    throw new Error(`Daybook: IPC command not allowed: ${payload.cmd}`)
  }
  return payload
}
