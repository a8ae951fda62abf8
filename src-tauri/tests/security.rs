//! The desktop shell's security settings, read from the files the build uses: a test fails if
//! the CSP lets in any remote origin, 'unsafe-eval' or inline script, if a capability grants
//! file-system, shell, dialog, opener or asset access to the web side, or if the command list,
//! the capability file, the isolation hook and the registered handlers drift apart.

use std::collections::BTreeSet;
use std::path::PathBuf;

include!("../src/command_names.rs");

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn read(path: &str) -> String {
    std::fs::read_to_string(root().join(path)).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn config() -> serde_json::Value {
    serde_json::from_str(&read("../tauri.conf.json")).expect("tauri.conf.json is JSON")
}

/// Sources that never reach the network: the app's own files, Tauri's IPC, and in-memory blobs
/// for images and audio decrypted in Rust.
const LOCAL_SOURCES: &[&str] = &["'self'", "'none'", "ipc:", "http://ipc.localhost", "blob:"];

fn csp_problems(csp: &str) -> Vec<String> {
    let mut problems = Vec::new();
    let mut seen = BTreeSet::new();
    for directive in csp.split(';').map(str::trim).filter(|d| !d.is_empty()) {
        let mut parts = directive.split_whitespace();
        let name = parts.next().unwrap_or_default();
        seen.insert(name.to_string());
        for source in parts {
            if source.contains("unsafe-") {
                problems.push(format!("{name} allows {source}"));
            } else if !LOCAL_SOURCES.contains(&source) {
                problems.push(format!("{name} allows the outside source {source}"));
            } else if source == "blob:" && !matches!(name, "img-src" | "media-src") {
                problems.push(format!("{name} allows blob:"));
            } else if source == "http://ipc.localhost" && name != "connect-src" {
                problems.push(format!("{name} allows {source}"));
            }
        }
    }
    for needed in [
        "default-src",
        "script-src",
        "object-src",
        "base-uri",
        "frame-ancestors",
    ] {
        if !seen.contains(needed) {
            problems.push(format!("{needed} is not set"));
        }
    }
    problems
}

#[test]
fn the_csp_allows_no_remote_origin_and_no_eval() {
    let config = config();
    let csp = config["app"]["security"]["csp"]
        .as_str()
        .expect("a CSP string is set");
    assert_eq!(csp_problems(csp), Vec::<String>::new(), "CSP: {csp}");
    assert_eq!(config["app"]["security"]["pattern"]["use"], "isolation");
    assert_eq!(config["app"]["security"]["assetProtocol"]["enable"], false);
    assert_eq!(config["app"]["security"]["freezePrototype"], true);
    assert_eq!(config["app"]["windows"][0]["title"], "Daybook");
}

#[test]
fn the_csp_check_itself_catches_what_it_must() {
    for bad in [
        "default-src 'self' https://example.com; script-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'",
        "default-src 'self'; script-src 'self' 'unsafe-eval'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'",
        "default-src 'self'; script-src 'self' blob:; object-src 'none'; base-uri 'none'; frame-ancestors 'none'",
        "default-src *; script-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'",
        "default-src 'self'; script-src 'self'; object-src 'none'; base-uri 'none'",
        "default-src 'self'; script-src 'self'; img-src data:; object-src 'none'; base-uri 'none'; frame-ancestors 'none'",
    ] {
        assert!(!csp_problems(bad).is_empty(), "not caught: {bad}");
    }
}

fn capability_permissions() -> Vec<String> {
    let capability: serde_json::Value =
        serde_json::from_str(&read("capabilities/default.json")).expect("capability is JSON");
    capability["permissions"]
        .as_array()
        .expect("permissions list")
        .iter()
        .map(|p| {
            p.as_str()
                .expect("permissions are plain identifiers, without scopes")
                .to_string()
        })
        .collect()
}

const EVENT_PERMISSIONS: &[&str] = &["core:event:allow-listen", "core:event:allow-unlisten"];

#[test]
fn capabilities_grant_only_daybooks_commands() {
    let granted = capability_permissions();
    for permission in &granted {
        for forbidden in [
            "fs", "shell", "dialog", "opener", "asset", "http", "process",
        ] {
            assert!(
                !permission.starts_with(&format!("{forbidden}:")) && !permission.contains("asset"),
                "the window must not be granted {permission}"
            );
        }
    }
    let expected: BTreeSet<String> = COMMANDS
        .iter()
        .map(|c| format!("allow-{}", c.replace('_', "-")))
        .chain(EVENT_PERMISSIONS.iter().map(|p| p.to_string()))
        .collect();
    assert_eq!(granted.iter().cloned().collect::<BTreeSet<_>>(), expected);
    assert_eq!(
        granted.len(),
        expected.len(),
        "no permission is listed twice"
    );
    // No other capability file can widen this one.
    let files: Vec<_> = std::fs::read_dir(root().join("capabilities"))
        .expect("capabilities folder")
        .map(|e| e.expect("entry").file_name())
        .collect();
    assert_eq!(files, vec![std::ffi::OsString::from("default.json")]);
}

#[test]
fn the_isolation_hook_lets_through_exactly_the_same_commands() {
    let hook = read("ui-isolation/index.js");
    let start = hook
        .find("new Set([")
        .expect("ALLOWED_COMMANDS set literal");
    let end = start + hook[start..].find("])").expect("end of the set");
    let allowed: BTreeSet<String> = hook[start..end]
        .split('\'')
        .skip(1)
        .step_by(2)
        .map(str::to_string)
        .collect();
    let expected: BTreeSet<String> = COMMANDS
        .iter()
        .map(|c| c.to_string())
        .chain(["plugin:event|listen".into(), "plugin:event|unlisten".into()])
        .collect();
    assert_eq!(allowed, expected);
}

#[test]
fn every_listed_command_is_registered_and_no_other() {
    let main = read("src/main.rs");
    let start = main.find("generate_handler![").expect("handler list") + "generate_handler![".len();
    let end = start + main[start..].find("])").expect("end of handler list");
    // Commands live in commands.rs and (the exports) in export.rs.
    let registered: BTreeSet<&str> = main[start..end]
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|s| {
            s.strip_prefix("commands::")
                .or_else(|| s.strip_prefix("export::"))
                .unwrap_or(s)
        })
        .collect();
    let expected: BTreeSet<&str> = COMMANDS.iter().copied().collect();
    assert_eq!(registered, expected);
}

#[test]
fn no_plugin_that_exposes_files_or_processes_is_a_dependency() {
    let manifest = read("Cargo.toml");
    for crate_name in [
        "tauri-plugin-fs",
        "tauri-plugin-shell",
        "tauri-plugin-http",
        "tauri-plugin-process",
    ] {
        assert!(
            !manifest.contains(&format!("{crate_name} =")),
            "{crate_name} must not be a direct dependency"
        );
    }
    assert!(!manifest.contains("protocol-asset"));
}
