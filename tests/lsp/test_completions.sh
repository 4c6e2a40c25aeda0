#!/usr/bin/env bash
# ctest lsp/completions: `luxc completions bash|zsh|fish` from the CLI definition. bash: the
# script registers `complete -F _luxc luxc` and its function completes subcommands, flags, flag
# values, .lux files and diagnostic codes for partial words; zsh and fish: the scripts parse
# (`zsh -n`, `fish -n`) and fish lists the subcommands; an unknown shell is refused (exit 2).
set -uo pipefail
luxc=$(realpath "$1")
fail=0
expect() {  # expect WHAT GOT WANT-SUBSTRING
  if [[ " $2 " != *" $3 "* ]]; then echo "FAIL: $1: got '$2', want '$3'"; fail=1; fi
}
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
touch "$dir/app.lux" "$dir/notes.txt"
complete_words() {  # complete_words WORD... (the last one is the partial word)
  bash -c 'source <("$0" completions bash) || exit 1
    COMP_WORDS=("luxc" "$@"); COMP_CWORD=$#; _luxc; echo "${COMPREPLY[*]}"' "$luxc" "$@"
}
got=$(bash -c 'source <("$0" completions bash); complete -p luxc' "$luxc")
expect "complete -p" "$got" "_luxc"
expect "subcommands for 'ch'" "$(complete_words ch)" "check"
expect "subcommands for ''" "$(complete_words '')" "lsp"
expect "subcommands for 'co'" "$(complete_words co)" "completions"
expect "flags of check" "$(complete_words check --d)" "--dump-model"
expect "flags of build" "$(complete_words build --re)" "--release"
expect "values of --color" "$(complete_words --color al)" "always"
expect "explain codes" "$(complete_words explain E210)" "E2101"
expect "completions shells" "$(cd "$dir" && complete_words completions z)" "zsh"
expect ".lux files" "$(cd "$dir" && complete_words check a)" "app.lux"
if [[ "$(cd "$dir" && complete_words check n)" == *notes.txt* ]]; then echo "FAIL: a .txt file offered for check"; fail=1; fi
"$luxc" completions zsh > "$dir/luxc.zsh" && zsh -n "$dir/luxc.zsh" || { echo "FAIL: zsh -n"; fail=1; }
grep -q "compdef _luxc luxc" "$dir/luxc.zsh" || { echo "FAIL: zsh script registers _luxc"; fail=1; }
"$luxc" completions fish > "$dir/luxc.fish" && fish -n "$dir/luxc.fish" || { echo "FAIL: fish -n"; fail=1; }
got=$(fish -c "source $dir/luxc.fish; complete -C 'luxc che'" | cut -f1 | tr '\n' ' ')
expect "fish subcommands for 'che'" "$got" "check"
err=$("$luxc" completions tcsh 2>&1 >/dev/null)
[[ $? -ne 0 && "$err" == *"tcsh"* ]] || { echo "FAIL: an unknown shell is refused: $err"; fail=1; }
[[ $fail -eq 0 ]] && echo "all passed"
exit $fail
