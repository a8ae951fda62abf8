//! `daybook`: the command-line face of the journal. All work happens in the library.

fn main() -> std::process::ExitCode {
    daybook::cli::main()
}
