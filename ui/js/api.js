// The only door to the Rust side. Every call goes through Tauri's IPC, then the isolation
// hook (src-tauri/ui-isolation), then the capability check, then a command in
// src-tauri/src/commands.rs.

const tauri = window.__TAURI__

export async function call(command, args = {}) {
  try {
    return await tauri.core.invoke(command, args)
  } catch (error) {
    // Most commands refuse with a sentence; a few with { message, ... } that says what the
    // window can offer next (e.g. `without_order`), kept on the error as `details`.
    const failure = new Error(typeof error === 'string' ? error : (error?.message ?? String(error)))
    if (error && typeof error === 'object') failure.details = error
    throw failure
  }
}

export function on(event, handler) {
  return tauri.event.listen(event, (e) => handler(e.payload))
}
