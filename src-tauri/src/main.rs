//! Daybook desktop shell. It only shows a static page for now; journal
//! features stay in the `daybook` library and command-line tool until the
//! desktop app is built out.

// Release builds on Windows should not open a console window next to the app.
#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

fn main() {
    tauri::Builder::default()
        .run(tauri::generate_context!("../tauri.conf.json"))
        .expect("failed to start the Daybook window");
}
