#!/usr/bin/env bash
# Builds the Debian package: the release binary, its man pages and shell completions generated
# from the command definitions, then `cargo deb --no-build`. Prints the path of the .deb.
#
#   packaging/build-deb.sh            # target/debian/jijiao_<version>-1_<arch>.deb
#
# Needs cargo-deb (`cargo install cargo-deb --locked`); .ci/run installs it.
set -euo pipefail
cd "$(dirname "$0")/.."

target=${CARGO_TARGET_DIR:-target}
if [ "$target" != target ]; then
    # The asset paths in Cargo.toml ([package.metadata.deb]) name target/.
    echo "build-deb.sh: build with the default target directory (unset CARGO_TARGET_DIR)" >&2
    exit 2
fi

cargo build --release --locked
bin=target/release/jijiao

gen=target/packaging
rm -rf "$gen"
mkdir -p "$gen/man" "$gen/completions"

# One page per command and sub-command: jijiao.1, jijiao-import.1, jijiao-audit-verify.1 …
# compressed without a timestamp, so the same sources give the same package.
"$bin" generate man --list | while IFS= read -r page; do
    "$bin" generate man "$page" >"$gen/man/$page.1"
    gzip -9n "$gen/man/$page.1"
done
"$bin" generate completions bash >"$gen/completions/jijiao.bash"
"$bin" generate completions zsh >"$gen/completions/_jijiao"
"$bin" generate completions fish >"$gen/completions/jijiao.fish"

# Stripped: the line tables of the release profile would make the package five times larger.
cargo deb --no-build --locked --strip
