//! The `seqsim` binary: parses arguments and hands over to the library.

fn main() -> std::process::ExitCode {
    seqsim::cli::main()
}
