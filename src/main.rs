use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    jijiao::cli::run(jijiao::cli::Cli::parse())
}
