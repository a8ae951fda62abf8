//! End-to-end harness: the real `daybook-desktop` binary in a real WebKit window on a private
//! Xvfb display, driven through tauri-driver and WebKitWebDriver. Native GTK file dialogs are
//! answered with xdotool, as a user would type a path into them.
//!
//! Each app gets its own temp HOME and XDG folders, so tests can check what the app leaves in
//! them (GTK's recent-files list, caches).
#![allow(dead_code)]

use std::net::TcpStream;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use fantoccini::elements::Element;
use fantoccini::{Client, ClientBuilder, Locator};

pub const PASSPHRASE: &str = "lamp river spoon orbit";
const WAIT: Duration = Duration::from_secs(30);

/// Kills a child process and everything it started (its process group: tauri-driver's
/// WebKitWebDriver and the app) when dropped, so no test leaves anything running.
struct Reaped(Child);

impl Drop for Reaped {
    fn drop(&mut self) {
        let _ = Command::new("kill")
            .args(["-KILL", "--", &format!("-{}", self.0.id())])
            .stderr(Stdio::null())
            .status();
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

pub struct App {
    pub client: Client,
    pub tmp: tempfile::TempDir,
    pub journal: PathBuf,
    pub display: String,
    pub started: Instant,
    _driver: Reaped,
    _xvfb: Reaped,
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free local port")
}

fn tool(name: &str) -> PathBuf {
    let home_bin = std::env::var_os("HOME")
        .map(|h| PathBuf::from(h).join(".cargo/bin").join(name))
        .filter(|p| p.exists());
    home_bin.unwrap_or_else(|| PathBuf::from(name))
}

fn start_xvfb() -> (Reaped, String) {
    for _ in 0..20 {
        let n = 100 + (std::process::id() as u16 % 400) + (free_port() % 100);
        if Path::new(&format!("/tmp/.X11-unix/X{n}")).exists() {
            continue;
        }
        let display = format!(":{n}");
        let child = Command::new("Xvfb")
            .process_group(0)
            .args([&display, "-screen", "0", "1400x1800x24", "-nolisten", "tcp"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("Xvfb runs (scripts/packages.sh installs xvfb)");
        let child = Reaped(child);
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline {
            if Path::new(&format!("/tmp/.X11-unix/X{n}")).exists() {
                return (child, display);
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }
    panic!("Xvfb did not start");
}

impl App {
    /// Starts the app on a new journal folder (not created yet).
    pub async fn start(args: &[&str]) -> App {
        let tmp = tempfile::tempdir().expect("temp dir");
        let journal = tmp.path().join("journal");
        Self::start_with(tmp, journal, args).await
    }

    pub async fn start_with(tmp: tempfile::TempDir, journal: PathBuf, args: &[&str]) -> App {
        let (xvfb, display) = start_xvfb();
        let home = tmp.path().join("home");
        for dir in ["", ".local/share", ".config", ".cache"] {
            std::fs::create_dir_all(home.join(dir)).expect("home folders");
        }
        let port = free_port();
        let native_port = free_port();
        let driver = Command::new(tool("tauri-driver"))
            .process_group(0)
            .args([
                "--port",
                &port.to_string(),
                "--native-port",
                &native_port.to_string(),
            ])
            .env("DISPLAY", &display)
            .env("NO_AT_BRIDGE", "1")
            .env("GTK_USE_PORTAL", "0")
            .env("HOME", &home)
            .env("XDG_DATA_HOME", home.join(".local/share"))
            .env("XDG_CONFIG_HOME", home.join(".config"))
            .env("XDG_CACHE_HOME", home.join(".cache"))
            .env("DAYBOOK_JOURNAL", &journal)
            .env("DAYBOOK_SCRYPT_LOG_N", "17")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("tauri-driver runs (scripts/test installs it with cargo install)");
        let driver = Reaped(driver);
        let deadline = Instant::now() + Duration::from_secs(20);
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(Instant::now() < deadline, "tauri-driver did not listen");
            std::thread::sleep(Duration::from_millis(50));
        }
        let mut caps = serde_json::Map::new();
        caps.insert("browserName".into(), "wry".into());
        caps.insert(
            "tauri:options".into(),
            serde_json::json!({
                "application": application(),
                "args": args,
            }),
        );
        // tauri-driver listens before its WebKitWebDriver does; a first session request can
        // be cut off, so try a few times.
        let mut attempt = 0;
        let (client, started) = loop {
            attempt += 1;
            let started = Instant::now();
            let connector = hyper_util::client::legacy::connect::HttpConnector::new();
            match ClientBuilder::new(connector)
                .capabilities(caps.clone())
                .connect(&format!("http://127.0.0.1:{port}"))
                .await
            {
                Ok(client) => break (client, started),
                Err(e) if attempt < 5 => {
                    eprintln!("WebDriver session attempt {attempt} failed: {e}");
                    tokio::time::sleep(Duration::from_millis(500)).await;
                }
                Err(e) => panic!("no WebDriver session with the app: {e}"),
            }
        };
        App {
            client,
            tmp,
            journal,
            display,
            started,
            _driver: driver,
            _xvfb: xvfb,
        }
    }

    pub fn home(&self) -> PathBuf {
        self.tmp.path().join("home")
    }

    pub async fn find(&self, css: &str) -> Element {
        self.client
            .wait()
            .at_most(WAIT)
            .for_element(Locator::Css(css))
            .await
            .unwrap_or_else(|e| panic!("{css} did not appear: {e}"))
    }

    pub async fn click(&self, css: &str) {
        let element = self.find(css).await;
        // WebKitWebDriver does not scroll a control below the fold of the app's scrolling
        // main area into view before clicking it; a user would scroll to it first.
        self.client
            .execute(
                "arguments[0].scrollIntoView({block: 'center'})",
                vec![serde_json::to_value(&element).expect("element reference")],
            )
            .await
            .unwrap_or_else(|e| panic!("scroll to {css}: {e}"));
        element
            .click()
            .await
            .unwrap_or_else(|e| panic!("click {css}: {e}"));
    }

    pub async fn fill(&self, css: &str, text: &str) {
        let element = self.find(css).await;
        element
            .clear()
            .await
            .unwrap_or_else(|e| panic!("clear {css}: {e}"));
        element
            .send_keys(text)
            .await
            .unwrap_or_else(|e| panic!("type into {css}: {e}"));
    }

    pub async fn text(&self, css: &str) -> String {
        self.find(css)
            .await
            .text()
            .await
            .unwrap_or_else(|e| panic!("text of {css}: {e}"))
    }

    /// Waits until the element's text contains `wanted`; returns the text.
    pub async fn wait_text(&self, css: &str, wanted: &str) -> String {
        let deadline = Instant::now() + WAIT;
        loop {
            if let Ok(element) = self.client.find(Locator::Css(css)).await {
                if let Ok(text) = element.text().await {
                    if text.contains(wanted) {
                        return text;
                    }
                    assert!(
                        Instant::now() < deadline,
                        "{css} never said {wanted:?}; it says {text:?}"
                    );
                }
            }
            assert!(Instant::now() < deadline, "{css} never appeared");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    pub async fn count(&self, css: &str) -> usize {
        self.client
            .find_all(Locator::Css(css))
            .await
            .map(|v| v.len())
            .unwrap_or(0)
    }

    pub async fn wait_count(&self, css: &str, n: usize) {
        let deadline = Instant::now() + WAIT;
        while self.count(css).await != n {
            assert!(
                Instant::now() < deadline,
                "expected {n} of {css}, saw {}",
                self.count(css).await
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    pub async fn js(&self, script: &str) -> serde_json::Value {
        self.client
            .execute(script, vec![])
            .await
            .unwrap_or_else(|e| panic!("script {script}: {e}"))
    }

    /// Types `path` into the native GTK file dialog whose title contains `title` (Ctrl+L opens
    /// its location field; in a save dialog the name field takes a full path).
    pub fn answer_file_dialog(&self, title: &str, path: &Path, save: bool) {
        let deadline = Instant::now() + WAIT;
        let window = loop {
            // Only mapped windows: GTK keeps an answered dialog as a hidden window, and a
            // second dialog with the same title (saving the officer sheet again) must not be
            // mistaken for it.
            let out = Command::new("xdotool")
                .args(["search", "--onlyvisible", "--name", title])
                .env("DISPLAY", &self.display)
                .output()
                .expect("xdotool runs (scripts/packages.sh installs it)");
            let ids = String::from_utf8_lossy(&out.stdout).to_string();
            if let Some(id) = ids.lines().last().filter(|l| !l.trim().is_empty()) {
                break id.trim().to_string();
            }
            assert!(Instant::now() < deadline, "no dialog titled {title:?}");
            std::thread::sleep(Duration::from_millis(200));
        };
        // Let GTK finish mapping the dialog before typing into it.
        std::thread::sleep(Duration::from_millis(800));
        let xdotool = |args: &[&str]| {
            let status = Command::new("xdotool")
                .args(args)
                .env("DISPLAY", &self.display)
                .status()
                .expect("xdotool");
            assert!(status.success(), "xdotool {args:?}");
        };
        xdotool(&["windowfocus", "--sync", &window]);
        if save {
            xdotool(&["key", "--window", &window, "ctrl+a"]);
        } else {
            xdotool(&["key", "--window", &window, "ctrl+l"]);
        }
        std::thread::sleep(Duration::from_millis(300));
        xdotool(&[
            "type",
            "--window",
            &window,
            "--delay",
            "15",
            &path.display().to_string(),
        ]);
        std::thread::sleep(Duration::from_millis(300));
        xdotool(&["key", "--window", &window, "Return"]);
    }

    /// Chooses the folder `path` in the native folder dialog titled `title`. GTK's folder
    /// chooser opens a folder typed in its location bar on the first Return; a second Return
    /// then chooses the folder it shows.
    pub fn answer_folder_dialog(&self, title: &str, path: &Path) {
        self.answer_file_dialog(title, path, false);
        let still_open = || {
            let out = Command::new("xdotool")
                .args(["search", "--onlyvisible", "--name", title])
                .env("DISPLAY", &self.display)
                .output()
                .expect("xdotool");
            String::from_utf8_lossy(&out.stdout)
                .lines()
                .last()
                .map(|id| id.trim().to_string())
                .filter(|id| !id.is_empty())
        };
        for _ in 0..3 {
            std::thread::sleep(Duration::from_millis(1000));
            let Some(window) = still_open() else { return };
            let status = Command::new("xdotool")
                .args(["key", "--window", &window, "Return"])
                .env("DISPLAY", &self.display)
                .status()
                .expect("xdotool");
            assert!(status.success(), "xdotool Return");
        }
        assert!(
            still_open().is_none(),
            "the folder dialog {title:?} stayed open"
        );
    }

    /// Form controls on the current screen that a screen reader could not name: no
    /// `<label for>`, no wrapping label, no aria-label. Returns their ids or types.
    pub async fn unlabelled_controls(&self) -> Vec<String> {
        let found = self
            .js(
                "return [...document.querySelectorAll('input, select, textarea')]
                   .filter(c => c.type !== 'hidden' && !c.closest('[hidden]'))
                   .filter(c => !(c.labels && c.labels.length) && !c.getAttribute('aria-label'))
                   .map(c => c.id || c.name || c.type);",
            )
            .await;
        serde_json::from_value(found).expect("a list of names")
    }

    /// What the person sees: the window's pixels as the X server shows them (ffmpeg's
    /// x11grab). WebDriver's own screenshot waits for minutes while a modal dialog is open
    /// when WebKitGTK paints without compositing, as the app chooses on a computer with no
    /// GPU (src-tauri/src/paint.rs), Xvfb included.
    pub async fn screenshot(&self, path: &Path) {
        let area = self
            .js("return [screenX, screenY, innerWidth, innerHeight]")
            .await;
        let at = |i: usize| area[i].as_i64().expect("the window's place and size");
        let grabbed = Command::new("ffmpeg")
            .args(["-y", "-loglevel", "error", "-f", "x11grab", "-video_size"])
            .arg(format!("{}x{}", at(2), at(3)))
            .arg("-i")
            .arg(format!("{}+{},{}", self.display, at(0), at(1)))
            .args(["-frames:v", "1"])
            .arg(path)
            .output()
            .expect("ffmpeg runs (scripts/packages.sh installs it)");
        assert!(
            grabbed.status.success(),
            "ffmpeg grabbed the window: {}",
            String::from_utf8_lossy(&grabbed.stderr)
        );
    }

    pub async fn close(self) {
        let _ = self.client.close().await;
    }
}

/// The app the tests drive: the one cargo built, or the one `DAYBOOK_APP` names (the
/// installed package's `/usr/bin/daybook-desktop`, in scripts/package-test).
pub fn application() -> PathBuf {
    std::env::var_os("DAYBOOK_APP")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_BIN_EXE_daybook-desktop")))
}

/// The running app's process ids (the shell and its WebKit web process), for memory figures.
pub fn app_pids() -> Vec<u32> {
    let mut pids = Vec::new();
    for name in [
        "daybook-desktop",
        "WebKitWebProcess",
        "WebKitNetworkProcess",
    ] {
        if let Ok(out) = Command::new("pgrep").args(["-x", name]).output() {
            pids.extend(
                String::from_utf8_lossy(&out.stdout)
                    .lines()
                    .filter_map(|l| l.trim().parse::<u32>().ok()),
            );
        }
    }
    pids
}

/// Resident memory of a process in KiB, from /proc.
pub fn rss_kib(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status
        .lines()
        .find(|l| l.starts_with("VmRSS:"))?
        .split_whitespace()
        .nth(1)?
        .parse()
        .ok()
}
