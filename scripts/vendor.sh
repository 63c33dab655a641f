#!/usr/bin/env bash
# Refresh the pinned front-end builds under src/crowdset/web/static/vendor/ from the npm registry.
# Each entry: npm package@version, the file inside the package, the name it is stored under.
# Nothing is fetched at run time: the files are committed, with their licences.
# Arguments, if any, name the packages to refresh (e.g. scripts/vendor.sh @annotorious/annotorious).
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
dest="$here/src/crowdset/web/static/vendor"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
PINS=(
  "htmx.org@2.0.8 dist/htmx.min.js htmx.min.js"
  "wavesurfer.js@7.12.12 dist/wavesurfer.esm.js wavesurfer.esm.js"
  "wavesurfer.js@7.12.12 dist/plugins/regions.esm.js regions.esm.js"
  "echarts@5.6.0 dist/echarts.min.js echarts.min.js"
  "@annotorious/annotorious@3.8.10 dist/annotorious.es.js annotorious.es.js"
  "@annotorious/annotorious@3.8.10 dist/annotorious.css annotorious.css"
)
for pin in "${PINS[@]}"; do
  read -r spec file name <<<"$pin"
  pkg=${spec%@*}
  if [ $# -gt 0 ] && [[ " $* " != *" $pkg "* ]]; then continue; fi
  (cd "$work" && npm pack --silent "$spec" >/dev/null)
  tgz=$(ls "$work"/*.tgz | head -n 1)
  mkdir -p "$work/x" && tar xzf "$tgz" -C "$work/x"
  mkdir -p "$dest/$pkg"
  cp "$work/x/package/$file" "$dest/$pkg/$name"
  cp "$work/x/package/LICENSE"* "$dest/$pkg/" 2>/dev/null || true
  # Some packages (@annotorious/annotorious) ship no licence file: it is committed by hand, from the
  # project's repository; refuse to vendor without one.
  if ! ls "$dest/$pkg"/LICENSE* >/dev/null 2>&1; then
    echo "no LICENSE in $spec: add $dest/$pkg/LICENSE from the project's repository" >&2
    exit 1
  fi
  # ES builds are imported from the browser as they are: no bare module specifiers allowed.
  if [[ $name == *.js ]] && grep -Eq '^import .* from "[^./]' "$dest/$pkg/$name"; then
    echo "$spec $file imports other packages; vendor a self-contained build" >&2
    exit 1
  fi
  echo "$spec" > "$dest/$pkg/VERSION"
  rm -rf "$work/x" "$tgz"
  echo "vendored $spec -> $dest/$pkg/$name"
done
