#!/usr/bin/env bash
# Refresh the pinned front-end builds under src/crowdset/web/static/vendor/ from the npm registry.
# Each entry: npm package@version, the file inside the package, the name it is stored under.
# Nothing is fetched at run time: the files are committed, with their licences.
# Arguments, if any, name the packages to refresh (e.g. scripts/vendor.sh @annotorious/annotorious).
# Packages whose ES build imports other packages (@recogito/text-annotator) are bundled once, here,
# with a pinned esbuild into one self-contained module: see bundle_text_annotator below.
# The Chinese UI font (@fontsource/noto-sans-sc) is many unicode-range slices and a rewritten CSS: see
# vendor_cjk_font below.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
dest="$here/src/crowdset/web/static/vendor"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
ESBUILD=0.28.2
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

# @recogito/text-annotator ships an ES build with bare imports (uuid, @annotorious/core, ...). It is
# installed with every dependency pinned to an exact version (overrides; checked against npm ls after
# the install), bundled with esbuild into one ES module, and stored with the licences of everything
# bundled (THIRD_PARTY_LICENSES) and the exact versions (VERSION).
TEXT_ANNOTATOR=4.1.1
TEXT_ANNOTATOR_TREE=(  # name@version of each bundled package, as `npm ls --all` prints them
  @annotorious/core@3.8.10 colord@2.14.0 debounce@3.0.0 dequal@2.0.3 hotkeys-js@4.1.2
  nanoevents@10.0.0 nanoevents@9.1.0 nanoid@6.0.2 nanostores@1.5.5 poll@3.2.2 quickselect@3.0.0
  rbush@4.0.1 uuid@14.0.3
)
bundle_text_annotator() {
  local pkg=@recogito/text-annotator b="$work/text-annotator" out="$dest/@recogito/text-annotator"
  mkdir -p "$b" "$out"
  cat >"$b/package.json" <<JSON
{"name": "crowdset-vendor-build", "private": true,
 "dependencies": {"$pkg": "$TEXT_ANNOTATOR", "esbuild": "$ESBUILD"},
 "overrides": {"@annotorious/core": {".": "3.8.10", "nanoevents": "10.0.0", "nanoid": "6.0.2",
                                     "nanostores": "1.5.5", "uuid": "14.0.3", "dequal": "2.0.3"},
               "colord": "2.14.0", "debounce": "3.0.0", "dequal": "2.0.3", "hotkeys-js": "4.1.2",
               "nanoevents": "9.1.0", "poll": "3.2.2", "rbush": {".": "4.0.1", "quickselect": "3.0.0"},
               "uuid": "14.0.3"}}
JSON
  (cd "$b" && npm install --silent --no-audit --no-fund --ignore-scripts >/dev/null)
  local tree
  tree=$(cd "$b" && npm ls --all --parseable --long | sed -n 's/^[^:]*:\([^:]*\).*/\1/p' |
    grep -v -e "^$pkg@" -e '^esbuild@' -e '^@esbuild/' -e '^crowdset-vendor-build@' | sort -u)
  if [ "$tree" != "$(printf '%s\n' "${TEXT_ANNOTATOR_TREE[@]}" | sort -u)" ]; then
    printf 'dependency tree of %s@%s differs from TEXT_ANNOTATOR_TREE:\n%s\n' "$pkg" "$TEXT_ANNOTATOR" "$tree" >&2
    exit 1
  fi
  local m="$b/node_modules"
  (cd "$b" && "$m/.bin/esbuild" "$m/$pkg/dist/text-annotator.es.js" --bundle --format=esm --minify \
    --legal-comments=eof --define:process.env.NODE_ENV='"production"' \
    --banner:js="/* $pkg@$TEXT_ANNOTATOR bundled with its dependencies by scripts/vendor.sh (esbuild $ESBUILD); licences: THIRD_PARTY_LICENSES */" \
    --outfile="$out/text-annotator.es.js" --log-level=warning)
  cp "$m/$pkg/dist/text-annotator.css" "$out/"
  if grep -Eq '(^|[;}])import[^"]*"[^./]|import\("[^./]' "$out/text-annotator.es.js"; then
    echo "the $pkg bundle still imports other packages" >&2
    exit 1
  fi
  # The package ships no licence file: LICENSE is committed by hand from its repository (as for
  # @annotorious/annotorious, which is also the repository and licence of @annotorious/core).
  [ -f "$out/LICENSE" ] || { echo "add $out/LICENSE from github.com/recogito/text-annotator-js" >&2; exit 1; }
  {
    echo "Third-party software bundled in text-annotator.es.js, with its licence texts."
    echo
    for spec in "$pkg@$TEXT_ANNOTATOR" "${TEXT_ANNOTATOR_TREE[@]}"; do
      local name=${spec%@*} version=${spec##*@} dir lic
      dir=$(cd "$b" && npm ls --all --parseable --long | grep -F ":$spec" | head -n 1 | cut -d: -f1)
      lic=$(ls "$dir" | grep -i -E '^(licen[cs]e|copying)' | head -n 1 || true)
      echo "================================================================================"
      echo "$name $version ($(node -p "require('$dir/package.json').license"))"
      echo "================================================================================"
      if [ -n "$lic" ]; then cat "$dir/$lic"
      elif [ "$name" = "$pkg" ]; then cat "$out/LICENSE"
      elif [ "$name" = "@annotorious/core" ]; then cat "$dest/@annotorious/annotorious/LICENSE"
      else echo "no licence file for $spec" >&2; exit 1
      fi
      echo
    done
  } >"$out/THIRD_PARTY_LICENSES"
  {
    echo "$pkg@$TEXT_ANNOTATOR"
    echo "bundled with esbuild@$ESBUILD:"
    printf '  %s\n' "${TEXT_ANNOTATOR_TREE[@]}"
  } >"$out/VERSION"
  echo "bundled $pkg@$TEXT_ANNOTATOR -> $out/text-annotator.es.js"
}
if [ $# -eq 0 ] || [[ " $* " == *" @recogito/text-annotator "* ]]; then bundle_text_annotator; fi

# Noto Sans SC (OFL-1.1) so Chinese reads on machines without a CJK system font: the woff2 slices of the
# weights in CJK_FONT_WEIGHTS (unicode-range split, so a page downloads only the slices it uses) and one
# CSS of our own, built from the package's <weight>.css, that declares them under the family "Crowdset Sans
# SC" (a name no system font has, so what the pages use is always the shipped font) with woff2 sources only.
CJK_FONT=5.3.0
CJK_FONT_WEIGHTS=(400 700)
vendor_cjk_font() {
  local pkg=@fontsource/noto-sans-sc x="$work/cjk-font" out="$dest/@fontsource/noto-sans-sc"
  mkdir -p "$x"
  (cd "$work" && npm pack --silent "$pkg@$CJK_FONT" >/dev/null)
  tar xzf "$work"/fontsource-noto-sans-sc-"$CJK_FONT".tgz -C "$x"
  local license
  license=$(node -p "require('$x/package/package.json').license")
  if [ "$license" != "OFL-1.1" ] || ! grep -q "SIL Open Font License, Version 1.1" "$x/package/LICENSE"; then
    echo "$pkg@$CJK_FONT is not OFL-1.1 ($license)" >&2
    exit 1
  fi
  rm -rf "$out" && mkdir -p "$out/files"
  cp "$x/package/LICENSE" "$out/"
  {
    echo "/* $pkg@$CJK_FONT (OFL-1.1, see LICENSE), weights ${CJK_FONT_WEIGHTS[*]}, vendored by scripts/vendor.sh */"
    for w in "${CJK_FONT_WEIGHTS[@]}"; do
      sed -e "s/font-family: 'Noto Sans SC';/font-family: 'Crowdset Sans SC';/" \
          -e "s/, url([^)]*\.woff) format('woff')//" "$x/package/$w.css"
      grep -o "files/[^)]*\.woff2" "$x/package/$w.css" | while read -r f; do cp "$x/package/$f" "$out/files/"; done
    done
  } >"$out/noto-sans-sc.css"
  if grep -q "Noto Sans SC'\|\.woff)" "$out/noto-sans-sc.css"; then
    echo "the CSS of $pkg@$CJK_FONT changed shape; check vendor_cjk_font" >&2
    exit 1
  fi
  echo "$pkg@$CJK_FONT weights ${CJK_FONT_WEIGHTS[*]}" >"$out/VERSION"
  echo "vendored $pkg@$CJK_FONT -> $out ($(du -sh "$out/files" | cut -f1) of woff2)"
}
if [ $# -eq 0 ] || [[ " $* " == *" @fontsource/noto-sans-sc "* ]]; then vendor_cjk_font; fi
