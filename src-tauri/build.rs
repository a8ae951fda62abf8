//! The Tauri config lives at the workspace root (next to `ui/`), not in this
//! crate, so point tauri-build at it explicitly.

include!("src/command_names.rs");

fn main() {
    // The Tauri config and frontend live outside this crate, so Cargo would
    // not otherwise notice edits to them.
    for path in [
        "../tauri.conf.json",
        "../ui",
        "ui-isolation",
        "capabilities",
        "icons",
    ] {
        println!("cargo:rerun-if-changed={path}");
    }

    // `config_path` instead of changing the working directory: tauri-build
    // still reads `Cargo.toml` (feature check) and `capabilities/` relative
    // to the working directory, and those belong to this crate.
    let attributes = tauri_build::Attributes::new()
        .config_path("../tauri.conf.json")
        // Every app command must be listed here so the ACL generates its
        // `allow-<command>` permission.
        .app_manifest(tauri_build::AppManifest::new().commands(COMMANDS));

    if let Err(error) = tauri_build::try_build(attributes) {
        panic!("tauri-build failed: {error:#}");
    }
}
