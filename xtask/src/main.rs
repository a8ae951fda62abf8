//! `cargo xtask package`: builds the release binaries and makes the Debian package a person
//! installs with `sudo apt install ./daybook_VERSION_ARCH.deb`.
//!
//! The package is laid out as Tauri's bundler lays out its .deb (binaries in /usr/bin, icons in
//! the hicolor theme under the main binary's name, a desktop entry named after the product),
//! but staged here and archived by Debian's own `dpkg-deb`, with dependencies found by
//! `dpkg-shlibdeps` from the binaries themselves. Why not the bundler: tauri-cli assumes the
//! folder holding tauri.conf.json is the app's crate, and ours is the workspace root above
//! the core; tauri-bundler 2.10 as a library adds 172 crates (an OpenPGP stack for RPM
//! signing, an AV1 encoder through `image`'s default features, ring, zstd, lzma) to do what
//! dpkg-deb does, and in the workspace it would switch those `image` codecs on in the core's
//! own test builds. See docs/packaging.md.

mod deb;

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};

#[derive(Debug, thiserror::Error)]
pub enum XtaskError {
    #[error("usage: cargo xtask package [--skip-build]")]
    Usage,
    #[error("could not run {program}: {source}")]
    Spawn {
        program: String,
        source: std::io::Error,
    },
    #[error("{program} failed ({status})")]
    Failed {
        program: String,
        status: std::process::ExitStatus,
    },
    #[error("{path}: {source}")]
    File {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("tauri.conf.json: {0}")]
    Config(String),
    #[error("{0} is not a PNG file")]
    NotPng(PathBuf),
    #[error("dpkg-shlibdeps printed no dependencies: {0}")]
    NoDependencies(String),
}

fn main() -> ExitCode {
    match run(std::env::args_os().skip(1).collect()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("xtask: {error}");
            ExitCode::FAILURE
        }
    }
}

fn run(args: Vec<OsString>) -> Result<(), XtaskError> {
    let (task, flags) = args.split_first().ok_or(XtaskError::Usage)?;
    if task != "package" {
        return Err(XtaskError::Usage);
    }
    let skip_build = match flags {
        [] => false,
        [flag] if flag == "--skip-build" => true,
        _ => return Err(XtaskError::Usage),
    };
    let root = workspace_root();
    let release_dir = target_dir(&root).join("release");
    if !skip_build {
        build_release(&root)?;
    }
    let config = AppConfig::read(&root.join("tauri.conf.json"))?;
    let made = deb::make(&root, &release_dir, &config)?;
    let size = std::fs::metadata(&made)
        .map_err(|source| XtaskError::File {
            path: made.clone(),
            source,
        })?
        .len();
    println!(
        "package: {} ({:.1} MB)",
        made.display(),
        size as f64 / 1_000_000.0
    );
    Ok(())
}

fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_else(|| PathBuf::from(".."))
}

fn target_dir(root: &Path) -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .map(|dir| {
            if dir.is_absolute() {
                dir
            } else {
                root.join(dir)
            }
        })
        .unwrap_or_else(|| root.join("target"))
}

/// The app is built with its default features, which include Tauri's `custom-protocol`: the
/// UI is served from the binary, never from a development server.
fn build_release(root: &Path) -> Result<(), XtaskError> {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let mut command = Command::new(cargo);
    command.current_dir(root).args([
        "build",
        "--release",
        "--locked",
        "--package",
        "daybook",
        "--bin",
        "daybook",
        "--package",
        "daybook-desktop",
        "--bin",
        "daybook-desktop",
    ]);
    run_command(command, "cargo build --release").map(drop)
}

/// What the package takes from tauri.conf.json, so the names and icons are set once.
pub struct AppConfig {
    pub product_name: String,
    pub main_binary: String,
    /// Paths relative to the workspace root, where tauri.conf.json is.
    pub icons: Vec<String>,
}

impl AppConfig {
    fn read(path: &Path) -> Result<AppConfig, XtaskError> {
        let text = std::fs::read_to_string(path).map_err(|source| XtaskError::File {
            path: path.to_path_buf(),
            source,
        })?;
        Self::parse(&text)
    }

    fn parse(text: &str) -> Result<AppConfig, XtaskError> {
        let json: serde_json::Value =
            serde_json::from_str(text).map_err(|e| XtaskError::Config(e.to_string()))?;
        let text_at = |pointer: &str| {
            json.pointer(pointer)
                .and_then(serde_json::Value::as_str)
                .map(str::to_owned)
                .ok_or_else(|| XtaskError::Config(format!("no text at {pointer}")))
        };
        let icons = json
            .pointer("/bundle/icon")
            .and_then(serde_json::Value::as_array)
            .map(|icons| {
                icons
                    .iter()
                    .filter_map(serde_json::Value::as_str)
                    .map(str::to_owned)
                    .collect::<Vec<_>>()
            })
            .filter(|icons| !icons.is_empty())
            .ok_or_else(|| XtaskError::Config("no icons at /bundle/icon".into()))?;
        Ok(AppConfig {
            product_name: text_at("/productName")?,
            main_binary: text_at("/mainBinaryName")?,
            icons,
        })
    }
}

/// Runs a program to completion, its error output shown as it comes; returns what it printed.
pub fn run_command(mut command: Command, program: &str) -> Result<String, XtaskError> {
    let output = command
        .stderr(std::process::Stdio::inherit())
        .output()
        .map_err(|source| XtaskError::Spawn {
            program: program.into(),
            source,
        })?;
    if !output.status.success() {
        return Err(XtaskError::Failed {
            program: program.into(),
            status: output.status,
        });
    }
    Ok(String::from_utf8_lossy(&output.stdout).into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_package_takes_its_names_and_icons_from_the_apps_config() {
        let config = AppConfig::read(&workspace_root().join("tauri.conf.json"))
            .expect("tauri.conf.json reads");
        assert_eq!(config.product_name, "Daybook");
        assert_eq!(config.main_binary, "daybook-desktop");
        assert!(config
            .icons
            .iter()
            .any(|icon| icon.ends_with("128x128.png")));
    }

    #[test]
    fn a_config_without_icons_is_refused_by_name() {
        let error = AppConfig::parse(r#"{"productName": "Daybook", "mainBinaryName": "d"}"#)
            .err()
            .map(|e| e.to_string());
        assert_eq!(
            error.as_deref(),
            Some("tauri.conf.json: no icons at /bundle/icon")
        );
    }
}
