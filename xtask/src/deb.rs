//! The Debian package: a staged file tree, its control file, and `dpkg-deb --build`.

use std::ffi::OsString;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Command;

use crate::{run_command, AppConfig, XtaskError};

/// The package's name on the system (`apt list --installed` shows it).
const PACKAGE: &str = "daybook";
/// The command-line program beside the app.
const CLI: &str = "daybook";
/// Shown as the desktop entry's tooltip and as the package's summary in `apt show`: the menu
/// of a shared computer must not say what the app is for.
const SUMMARY: &str = "Private journal";
/// The rest of `apt show daybook`: plain, and just as silent about what the journal is for.
const DESCRIPTION: &str = "Daybook keeps a private, encrypted journal of dated entries and \
files, and makes PDF reports from it.";
const MAINTAINER: &str = "Daybook developers <daybook@localhost>";

/// Loaded at run time, so not shared libraries `dpkg-shlibdeps` can see: GStreamer's MP4/MOV
/// demuxer (qtdemux, in -good) and video converters (-base), for the stills of phone videos.
const RUNTIME_DEPENDS: &[&str] = &["gstreamer1.0-plugins-base", "gstreamer1.0-plugins-good"];
/// Wanted but not required: H.264/HEVC decoding for video stills (Ubuntu keeps it in
/// universe), and libheif's HEVC decoder, a package of its own from libheif 1.16 on (Debian 13,
/// Ubuntu 24.04; built into Debian 12's libheif1, and apt skips a recommendation that does not
/// exist).
const RECOMMENDS: &[&str] = &["gstreamer1.0-libav", "libheif-plugin-libde265"];

/// Stages the tree under `release_dir/package/` and archives it; returns the .deb's path.
pub fn make(root: &Path, release_dir: &Path, config: &AppConfig) -> Result<PathBuf, XtaskError> {
    let binaries = [release_dir.join(&config.main_binary), release_dir.join(CLI)];
    let mut depends = shared_library_depends(&binaries)?;
    depends.extend(RUNTIME_DEPENDS.iter().map(|name| name.to_string()));
    let arch = run_command(
        {
            let mut command = Command::new("dpkg");
            command.arg("--print-architecture");
            command
        },
        "dpkg --print-architecture",
    )?
    .trim()
    .to_owned();
    let version = env!("CARGO_PKG_VERSION");

    let out_dir = release_dir.join("package");
    let tree = out_dir.join(format!("{PACKAGE}_{version}_{arch}"));
    if tree.exists() {
        std::fs::remove_dir_all(&tree).map_err(|source| file_error(&tree, source))?;
    }
    for binary in &binaries {
        let name = binary.file_name().unwrap_or_default();
        install(binary, &tree.join("usr/bin").join(name), 0o755)?;
    }
    for icon in &config.icons {
        let source = root.join(icon);
        let (width, height) = png_size(&source)?;
        let to = tree.join(format!(
            "usr/share/icons/hicolor/{width}x{height}/apps/{}.png",
            config.main_binary
        ));
        install(&source, &to, 0o644)?;
    }
    let entry = tree.join(format!(
        "usr/share/applications/{}.desktop",
        config.product_name
    ));
    write(&entry, &desktop_entry(config), 0o644)?;

    let data = staged(&tree)?;
    let control = Control {
        version,
        arch: &arch,
        installed_kib: installed_kib(&data),
        depends: &depends,
        recommends: RECOMMENDS,
    };
    write(&tree.join("DEBIAN/control"), &control.render(), 0o644)?;
    write(&tree.join("DEBIAN/md5sums"), &md5sums(&tree, &data)?, 0o644)?;
    set_folder_modes(&tree, &data)?;

    let deb = out_dir.join(format!("{PACKAGE}_{version}_{arch}.deb"));
    let mut command = Command::new("dpkg-deb");
    command
        .args(["--root-owner-group", "-Zxz", "--build"])
        .arg(&tree)
        .arg(&deb)
        .stdout(std::process::Stdio::null());
    run_command(command, "dpkg-deb --build")?;
    Ok(deb)
}

/// The `DEBIAN/control` file (Debian Policy 5.3).
struct Control<'a> {
    version: &'a str,
    arch: &'a str,
    installed_kib: u64,
    depends: &'a [String],
    recommends: &'a [&'a str],
}

impl Control<'_> {
    fn render(&self) -> String {
        let mut text = format!(
            "Package: {PACKAGE}\nVersion: {}\nArchitecture: {}\nMaintainer: {MAINTAINER}\n\
             Installed-Size: {}\nSection: utils\nPriority: optional\n",
            self.version, self.arch, self.installed_kib
        );
        if !self.depends.is_empty() {
            text.push_str(&format!("Depends: {}\n", self.depends.join(", ")));
        }
        if !self.recommends.is_empty() {
            text.push_str(&format!("Recommends: {}\n", self.recommends.join(", ")));
        }
        // The extended description is indented by one space on each line.
        text.push_str(&format!("Description: {SUMMARY}\n {DESCRIPTION}\n"));
        text
    }
}

/// Named only "Daybook", in the office category, with a neutral tooltip.
fn desktop_entry(config: &AppConfig) -> String {
    format!(
        "[Desktop Entry]\nType=Application\nName={name}\nComment={SUMMARY}\nExec={exec}\n\
         Icon={exec}\nTerminal=false\nCategories=Office;\nStartupWMClass={exec}\n",
        name = config.product_name,
        exec = config.main_binary,
    )
}

/// The packages holding the shared libraries the binaries link, with the minimum versions
/// their symbols need, found the way Debian's own packages get them. dpkg-shlibdeps wants a
/// source tree, so it runs in a throwaway one with a minimal debian/control.
fn shared_library_depends(binaries: &[PathBuf]) -> Result<Vec<String>, XtaskError> {
    let tree = std::env::temp_dir().join(format!("daybook-shlibdeps-{}", std::process::id()));
    write(
        &tree.join("debian/control"),
        &format!("Source: {PACKAGE}\n\nPackage: {PACKAGE}\nArchitecture: any\n"),
        0o644,
    )?;
    let mut command = Command::new("dpkg-shlibdeps");
    command.current_dir(&tree).arg("-O");
    for binary in binaries {
        let mut arg = OsString::from("-e");
        arg.push(binary);
        command.arg(arg);
    }
    let output = run_command(command, "dpkg-shlibdeps");
    let _ = std::fs::remove_dir_all(&tree);
    parse_shlibdeps(&output?)
}

fn parse_shlibdeps(output: &str) -> Result<Vec<String>, XtaskError> {
    let depends: Vec<String> = output
        .lines()
        .find_map(|line| line.strip_prefix("shlibs:Depends="))
        .unwrap_or_default()
        .split(',')
        .map(str::trim)
        .filter(|name| !name.is_empty())
        .map(str::to_owned)
        .collect();
    if depends.is_empty() {
        return Err(XtaskError::NoDependencies(output.to_owned()));
    }
    Ok(depends)
}

/// Width and height from a PNG's IHDR chunk, which the format puts first.
fn png_size(path: &Path) -> Result<(u32, u32), XtaskError> {
    let bytes = std::fs::read(path).map_err(|source| file_error(path, source))?;
    let signature = b"\x89PNG\r\n\x1a\n";
    let number = |at: usize| {
        bytes
            .get(at..at + 4)
            .and_then(|b| b.try_into().ok())
            .map(u32::from_be_bytes)
    };
    match (
        bytes.starts_with(signature) && bytes.get(12..16) == Some(b"IHDR"),
        number(16),
        number(20),
    ) {
        (true, Some(width), Some(height)) => Ok((width, height)),
        _ => Err(XtaskError::NotPng(path.to_path_buf())),
    }
}

/// Debian's Installed-Size: the data's size in KiB, each file rounded up.
fn installed_kib(data: &Staged) -> u64 {
    data.files.iter().map(|(_, size)| size.div_ceil(1024)).sum()
}

/// `md5sums` for `dpkg --verify`: every installed file, relative to the root.
fn md5sums(tree: &Path, data: &Staged) -> Result<String, XtaskError> {
    let mut command = Command::new("md5sum");
    command.current_dir(tree).arg("--");
    for (path, _) in &data.files {
        command.arg(path);
    }
    run_command(command, "md5sum")
}

/// What was staged outside DEBIAN/: its folders, and its files relative to the tree with
/// their sizes, sorted. Read once, for the size, the checksums and the folder modes.
struct Staged {
    folders: Vec<PathBuf>,
    files: Vec<(PathBuf, u64)>,
}

fn staged(tree: &Path) -> Result<Staged, XtaskError> {
    let mut found = Staged {
        folders: vec![tree.to_path_buf()],
        files: Vec::new(),
    };
    let mut pending = vec![tree.to_path_buf()];
    while let Some(folder) = pending.pop() {
        let entries = std::fs::read_dir(&folder).map_err(|source| file_error(&folder, source))?;
        for entry in entries {
            let entry = entry.map_err(|source| file_error(&folder, source))?;
            let path = entry.path();
            let meta = entry
                .metadata()
                .map_err(|source| file_error(&path, source))?;
            let relative = path.strip_prefix(tree).unwrap_or(&path).to_path_buf();
            if meta.is_dir() {
                if relative != Path::new("DEBIAN") {
                    found.folders.push(path.clone());
                    pending.push(path);
                }
            } else {
                found.files.push((relative, meta.len()));
            }
        }
    }
    found.files.sort();
    Ok(found)
}

fn install(from: &Path, to: &Path, mode: u32) -> Result<(), XtaskError> {
    make_parent(to)?;
    std::fs::copy(from, to).map_err(|source| file_error(from, source))?;
    set_mode(to, mode)
}

fn write(path: &Path, text: &str, mode: u32) -> Result<(), XtaskError> {
    make_parent(path)?;
    std::fs::write(path, text).map_err(|source| file_error(path, source))?;
    set_mode(path, mode)
}

fn make_parent(path: &Path) -> Result<(), XtaskError> {
    match path.parent() {
        Some(parent) => {
            std::fs::create_dir_all(parent).map_err(|source| file_error(parent, source))
        }
        None => Ok(()),
    }
}

/// Folders are 0755 whatever the umask, as dpkg expects of a package's tree.
fn set_folder_modes(tree: &Path, data: &Staged) -> Result<(), XtaskError> {
    for folder in data.folders.iter().chain([&tree.join("DEBIAN")]) {
        set_mode(folder, 0o755)?;
    }
    Ok(())
}

fn set_mode(path: &Path, mode: u32) -> Result<(), XtaskError> {
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode))
        .map_err(|source| file_error(path, source))
}

fn file_error(path: &Path, source: std::io::Error) -> XtaskError {
    XtaskError::File {
        path: path.to_path_buf(),
        source,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config() -> AppConfig {
        AppConfig {
            product_name: "Daybook".into(),
            main_binary: "daybook-desktop".into(),
            icons: vec![],
        }
    }

    /// Words that would tell anyone looking at the menu or the package list what it is for.
    const TELLING: &[&str] = &[
        "abuse", "violen", "restrain", "protect", "order", "court", "police", "stalk", "harass",
        "evidence", "victim",
    ];

    #[test]
    fn the_menu_entry_is_named_daybook_and_says_nothing_of_what_it_is_for() {
        let entry = desktop_entry(&config());
        assert!(entry.lines().any(|line| line == "Name=Daybook"));
        assert!(entry.lines().any(|line| line == "Exec=daybook-desktop"));
        let visible = format!("{entry}{SUMMARY}{DESCRIPTION}").to_lowercase();
        for word in TELLING {
            assert!(!visible.contains(word), "{word:?} in what others can see");
        }
    }

    #[test]
    fn the_control_file_has_the_fields_dpkg_needs_in_its_format() {
        let depends = vec!["libc6 (>= 2.34)".to_string(), "libheif1 (>= 1.3.2)".into()];
        let text = Control {
            version: "0.1.0",
            arch: "amd64",
            installed_kib: 42,
            depends: &depends,
            recommends: &["gstreamer1.0-libav"],
        }
        .render();
        assert_eq!(
            text,
            "Package: daybook\nVersion: 0.1.0\nArchitecture: amd64\n\
             Maintainer: Daybook developers <daybook@localhost>\nInstalled-Size: 42\n\
             Section: utils\nPriority: optional\n\
             Depends: libc6 (>= 2.34), libheif1 (>= 1.3.2)\nRecommends: gstreamer1.0-libav\n\
             Description: Private journal\n Daybook keeps a private, encrypted journal of dated \
             entries and files, and makes PDF reports from it.\n"
        );
    }

    #[test]
    fn shlibdeps_output_becomes_the_dependency_list_and_silence_is_an_error() {
        let parsed = parse_shlibdeps(
            "shlibs:Depends=libc6 (>= 2.34), libgtk-3-0 (>= 3.21.4), libwebkit2gtk-4.1-0 (>= 2.39.5)\n",
        )
        .expect("a list");
        assert_eq!(
            parsed,
            [
                "libc6 (>= 2.34)",
                "libgtk-3-0 (>= 3.21.4)",
                "libwebkit2gtk-4.1-0 (>= 2.39.5)"
            ]
        );
        assert!(matches!(
            parse_shlibdeps("dpkg-shlibdeps: warning: nothing\n"),
            Err(XtaskError::NoDependencies(_))
        ));
    }

    #[test]
    fn icon_sizes_come_from_the_png_header_and_other_files_are_refused() {
        let dir = std::env::temp_dir().join(format!("xtask-png-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("temp folder");
        let icon = crate::workspace_root().join("src-tauri/icons/128x128.png");
        assert_eq!(png_size(&icon).expect("a PNG"), (128, 128));
        let not_png = dir.join("icon.png");
        std::fs::write(&not_png, b"GIF89a not a png at all").expect("write");
        assert!(matches!(png_size(&not_png), Err(XtaskError::NotPng(_))));
        let _ = std::fs::remove_dir_all(&dir);
    }
}
