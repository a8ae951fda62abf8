//! How the window paints on Linux. WebKitGTK composites the page's layers through OpenGL.
//! On a computer without a graphics driver (no `/dev/dri` render node: most virtual machines,
//! computers with no driver installed) Mesa runs that OpenGL on the CPU (llvmpipe), and
//! compositing then costs more than drawing the page without it: on such a machine the
//! timeline's first rows came 190 -> 126 ms after unlock and scrolling's worst frames
//! (p99) 138 -> 71 ms with compositing off (docs/performance.md, "The window's own paint").
//! With a render node nothing changes: a GPU composites best.

use std::ffi::{OsStr, OsString};

/// WebKitGTK's switch, read by its processes as they start.
const SWITCH: &str = "WEBKIT_DISABLE_COMPOSITING_MODE";

/// Turns compositing off when OpenGL would be software, unless the switch is already set
/// (the person's own choice stands). Call before any thread starts: it sets the process's
/// environment, which WebKit's processes inherit.
pub fn choose() {
    let render_nodes: Vec<OsString> = std::fs::read_dir("/dev/dri")
        .map(|dir| dir.flatten().map(|entry| entry.file_name()).collect())
        .unwrap_or_default();
    if compositing_off(
        std::env::var_os(SWITCH).is_some(),
        std::env::var_os("LIBGL_ALWAYS_SOFTWARE").as_deref(),
        &render_nodes,
    ) {
        std::env::set_var(SWITCH, "1");
    }
}

/// Whether to turn compositing off: not when the switch is set already; yes when Mesa is told
/// to draw in software, or when no GPU render node (`renderD128`, ...) exists to draw with.
fn compositing_off(
    switch_set: bool,
    always_software: Option<&OsStr>,
    dri_entries: &[OsString],
) -> bool {
    if switch_set {
        return false;
    }
    let told_software = always_software.is_some_and(|value| !value.is_empty() && value != "0");
    let has_gpu = dri_entries
        .iter()
        .any(|name| name.to_string_lossy().starts_with("renderD"));
    told_software || !has_gpu
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(list: &[&str]) -> Vec<OsString> {
        list.iter().map(OsString::from).collect()
    }

    #[test]
    fn off_only_when_opengl_would_be_software() {
        let gpu = names(&["by-path", "card0", "renderD128"]);
        let no_render_node = names(&["card0"]);
        assert!(!compositing_off(false, None, &gpu), "a GPU composites");
        assert!(compositing_off(false, None, &[]), "no /dev/dri");
        assert!(compositing_off(false, None, &no_render_node));
        assert!(compositing_off(false, Some(OsStr::new("1")), &gpu));
        assert!(!compositing_off(false, Some(OsStr::new("0")), &gpu));
        assert!(!compositing_off(false, Some(OsStr::new("")), &gpu));
    }

    #[test]
    fn a_switch_already_set_stands() {
        assert!(!compositing_off(true, None, &[]));
        assert!(!compositing_off(true, Some(OsStr::new("1")), &[]));
    }
}
