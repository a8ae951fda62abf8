# Sourced by scripts/run and scripts/test: installs the Debian/Ubuntu packages Daybook needs
# to build and test, and a Rust toolchain if there is none. Only what is missing is installed.

# Build: a C toolchain for SQLCipher and the vendored OpenSSL (which needs perl and make), and
# the WebKitGTK stack the Tauri window runs on. Phone pictures and videos are decoded by
# libheif (HEIC/HEIF/AVIF) and GStreamer with its libav plugin (H.264/HEVC MP4 and MOV stills),
# both Debian-maintained system libraries that get security updates.
DAYBOOK_BUILD_PACKAGES="build-essential pkg-config perl make curl file libwebkit2gtk-4.1-dev libgtk-3-dev libayatana-appindicator3-dev librsvg2-dev libsoup-3.0-dev libjavascriptcoregtk-4.1-dev libheif-dev libgstreamer1.0-dev libgstreamer-plugins-base1.0-dev gstreamer1.0-plugins-base gstreamer1.0-plugins-good gstreamer1.0-libav"
# Tests: PDF tools to read exports back, a virtual display and WebDriver for the real window.
# xdotool types paths into the app's native file dialogs in the end-to-end tests.
# exiftool, heif-enc and ffmpeg make the phone-evidence fixtures (GPS, thumbnails, HEIC, video).
DAYBOOK_TEST_PACKAGES="poppler-utils qpdf xvfb xauth webkit2gtk-driver xdotool libimage-exiftool-perl libheif-examples ffmpeg"

daybook_sudo() {
    if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

# daybook_install_packages PACKAGE...: apt-get installs those not installed yet.
daybook_install_packages() {
    local missing=()
    for pkg in "$@"; do
        dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
    done
    if [ ${#missing[@]} -gt 0 ]; then
        echo "Installing: ${missing[*]}"
        daybook_sudo apt-get update -qq
        DEBIAN_FRONTEND=noninteractive daybook_sudo apt-get install -y -qq "${missing[@]}" >/dev/null
    fi
}

# Rust from rustup when cargo is missing (Debian's own rustc is too old for our dependencies).
daybook_ensure_rust() {
    if ! command -v cargo >/dev/null 2>&1 && [ -x "$HOME/.cargo/bin/cargo" ]; then
        export PATH="$HOME/.cargo/bin:$PATH"
    fi
    if ! command -v cargo >/dev/null 2>&1; then
        echo "Installing Rust (rustup)..."
        curl --proto '=https' --tlsv1.2 -sSf https://sh.rustup.rs | sh -s -- -y --profile minimal --component clippy,rustfmt
        export PATH="$HOME/.cargo/bin:$PATH"
    fi
}

# tauri-driver (WebDriver for Tauri apps; it runs WebKitWebDriver) for the end-to-end tests.
daybook_ensure_tauri_driver() {
    if ! command -v tauri-driver >/dev/null 2>&1 && [ ! -x "$HOME/.cargo/bin/tauri-driver" ]; then
        echo "Installing tauri-driver..."
        cargo install tauri-driver --version 2.1.0 --locked --quiet
    fi
}
