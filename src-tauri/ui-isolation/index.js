// Isolation application: every IPC message from the main frame passes
// through this sandboxed iframe before Tauri core sees it, so a compromised
// or buggy frontend cannot reach commands the app never meant to expose.
// The capability ACL in Rust is the authority; this is defence in depth.

// Daybook's own commands (src-tauri/src/command_names.rs) and the two event calls the window
// needs to hear progress and auto-lock. src-tauri/tests/security.rs keeps this list in step.
const ALLOWED_COMMANDS = new Set([
  'plugin:event|listen',
  'plugin:event|unlisten',
  'status',
  'create_journal',
  'unlock',
  'lock',
  'quick_exit',
  'change_passphrase',
  'activity',
  'get_settings',
  'set_settings',
  'vocabulary',
  'timeline',
  'timeline_total',
  'get_incident',
  'add_incident',
  'edit_incident',
  'delete_incident',
  'incident_history',
  'pick_attachments',
  'attach_dropped',
  'cancel_work',
  'attachment_bytes',
  'describe_attachment',
  'list_orders',
  'add_order',
  'edit_order',
  'pick_order_papers',
  'order_pages_status',
  'list_people',
  'add_person',
  'edit_person',
  'pick_person_photo',
  'pick_phone_backups',
  'pick_iphone_backup',
  'prepare_dropped_backups',
  'import_pending_backups',
  'message_threads',
  'message_thread',
  'mark_restrained_number',
  'incident_from_messages',
  'cite_messages',
  'other_conversations',
  'export_report',
  'export_officer_sheet',
  'export_notice',
  'export_packet',
  'packet_locations',
  'open_export',
])

window.__TAURI_ISOLATION_HOOK__ = (payload) => {
  if (!ALLOWED_COMMANDS.has(payload.cmd)) {
    // Throwing drops the message; it never reaches the core.
    throw new Error(`Daybook: IPC command not allowed: ${payload.cmd}`)
  }
  return payload
}
