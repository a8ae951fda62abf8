//! What the end-to-end tests share besides launching the app (common/): reading the PDFs
//! they export, writing a phone backup too large to import in an instant, and dropping a
//! file on the app's window the way a file manager does.

use std::process::Command;

use crate::common::App;
use crate::sms_backup;

pub fn pdf_text(pdf: &std::path::Path) -> String {
    let out = Command::new("pdftotext")
        .args([pdf.to_str().expect("utf-8 path"), "-"])
        .output()
        .expect("pdftotext");
    assert!(out.status.success(), "{} is a readable PDF", pdf.display());
    String::from_utf8_lossy(&out.stdout).into_owned()
}

pub fn pdf_pages(pdf: &std::path::Path) -> usize {
    let out = Command::new("pdfinfo").arg(pdf).output().expect("pdfinfo");
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .find_map(|l| l.strip_prefix("Pages:"))
        .and_then(|n| n.trim().parse().ok())
        .unwrap_or_else(|| panic!("{} has a page count", pdf.display()))
}

/// The text with every run of white space made one space, so a phrase is found wherever
/// pdftotext broke its lines.
pub fn flat(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Writes an SMS Backup & Restore file of `count` MMS from `number`, each with a 1.5 MB
/// picture (pseudo-random bytes behind a JPEG header, base64 as the app writes it), record by
/// record so it is never held in memory. Returns its size in bytes.
pub fn write_large_backup(path: &std::path::Path, number: &str, count: usize) -> u64 {
    use std::io::Write;
    let empty = sms_backup::messages_file(&[]);
    let (head, tail) = empty.split_at(empty.find("</smses>").expect("the closing tag"));
    let head = head.replace("count=\"0\"", &format!("count=\"{count}\""));
    let mut out = std::io::BufWriter::new(std::fs::File::create(path).expect("the large backup"));
    out.write_all(head.as_bytes()).expect("write");
    let mut seed = 0x9E37_79B9_7F4A_7C15_u64;
    let mut picture = vec![0u8; 1_500_000];
    for i in 0..count {
        for chunk in picture.chunks_mut(8) {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            chunk.copy_from_slice(&seed.to_le_bytes()[..chunk.len()]);
        }
        picture[..4].copy_from_slice(&[0xFF, 0xD8, 0xFF, 0xE0]);
        let record = sms_backup::mms(
            number,
            1_772_900_000_000 + i as i64 * 60_000,
            1,
            Some("Look who's here."),
            Some(("image/jpeg", Some(picture.as_slice()))),
            &[(number, 137)],
        );
        out.write_all(record.as_bytes()).expect("write");
    }
    out.write_all(tail.as_bytes()).expect("write");
    out.flush().expect("write");
    std::fs::metadata(path).expect("the large backup").len()
}

/// Drops `file` on the app's window the way a file manager does. WebDriver cannot drag a file
/// from outside the page, so a second X client does: this test binary again, running
/// `drag_source` (a GTK window offering the file as `text/uri-list`) on the app's display, and
/// xdotool presses the mouse on it, moves onto the app's window and lets go.
///
/// Exercised, as with a real drop: the X drag-and-drop protocol between two programs,
/// WebKitGTK's drop signals, wry's and Tauri's handling of them into `WindowEvent::DragDrop`,
/// the shell's handler in main.rs (it keeps the paths and emits `files-dropped`), the
/// listener in messages.js and the `import_dropped_backups` command. Not exercised: a file
/// manager itself, and Wayland (the app runs on X here, as under XWayland).
pub async fn drop_on_window(app: &App, file: &std::path::Path) {
    use std::io::BufRead;
    use std::process::Stdio;
    let mut source = Command::new(std::env::current_exe().expect("this test binary"))
        .args(["drag_source", "--exact", "--ignored", "--nocapture"])
        .env("DAYBOOK_E2E_DRAG_FILE", file)
        .env("DISPLAY", &app.display)
        .env("HOME", app.home())
        .env("XDG_DATA_HOME", app.home().join(".local/share"))
        .env("NO_AT_BRIDGE", "1")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("the drag source starts");
    let stdout = source.stdout.take().expect("its output");
    let ready = std::io::BufReader::new(stdout)
        .lines()
        .map_while(Result::ok)
        .find_map(|l| {
            l.strip_prefix("DRAG SOURCE AT ").map(|at| {
                at.split_whitespace()
                    .filter_map(|n| n.parse::<i32>().ok())
                    .collect::<Vec<_>>()
            })
        });
    let (sx, sy) = match ready.as_deref() {
        Some(&[x, y]) => (x, y),
        _ => {
            let _ = source.kill();
            panic!("the drag source did not show its window");
        }
    };
    let xdotool = |args: &[String]| {
        let status = Command::new("xdotool")
            .args(args)
            .env("DISPLAY", &app.display)
            .status()
            .expect("xdotool");
        assert!(status.success(), "xdotool {args:?}");
    };
    let to = |x: i32, y: i32| vec!["mousemove".to_string(), x.to_string(), y.to_string()];
    // Press on the source, move past GTK's drag threshold, then in steps onto the middle of
    // the app's window, and let go there.
    let (tx, ty) = app_window_middle(app);
    xdotool(&to(sx, sy));
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    xdotool(&["mousedown".into(), "1".into()]);
    for step in 1..=20 {
        xdotool(&to(sx + (tx - sx) * step / 20, sy + (ty - sy) * step / 20));
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    xdotool(&["mouseup".into(), "1".into()]);
    // The source ends once the drop is over; if it did not, the checks that follow say so.
    for _ in 0..50 {
        if source.try_wait().ok().flatten().is_some() {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    let _ = source.kill();
    let _ = source.wait();
}

/// The middle of the app's window on the screen (xdotool's geometry of the visible window
/// titled "Daybook").
pub fn app_window_middle(app: &App) -> (i32, i32) {
    let out = Command::new("xdotool")
        .args([
            "search",
            "--onlyvisible",
            "--name",
            "^Daybook$",
            "getwindowgeometry",
            "--shell",
        ])
        .env("DISPLAY", &app.display)
        .output()
        .expect("xdotool");
    let shell = String::from_utf8_lossy(&out.stdout);
    let value = |name: &str| -> i32 {
        shell
            .lines()
            .find_map(|l| l.strip_prefix(&format!("{name}=")))
            .and_then(|v| v.trim().parse().ok())
            .unwrap_or_else(|| panic!("the app window's {name} in {shell:?}"))
    };
    (
        value("X") + value("WIDTH") / 2,
        value("Y") + value("HEIGHT") / 2,
    )
}
