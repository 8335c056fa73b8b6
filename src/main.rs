use std::process::ExitCode;

fn main() -> ExitCode {
    jijiao::cli::main()
}
