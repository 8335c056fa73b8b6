use std::process::ExitCode;

fn main() -> ExitCode {
    jijiao::store::configure_process();
    jijiao::cli::main()
}
