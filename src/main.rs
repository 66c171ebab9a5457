//! Thin entry point: everything lives in the library so tests and generators can reach it.
fn main() -> std::process::ExitCode {
    taskdb::main_entry()
}
