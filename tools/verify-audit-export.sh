#!/usr/bin/env bash
# Verify ASN Digital's audit trail from its exports alone (docs/audit-format.md).
#
#   tools/verify-audit-export.sh [--key-id ID | --public-key BASE64] [--all] EXPORT.csv CHECKPOINTS.jsonl
#
# EXPORT.csv is the auditors' CSV export of the whole trail (/jejak-audit/?export=csv, no
# filters); CHECKPOINTS.jsonl is `manage.py export_audit_checkpoints`. The script recomputes
# every link of the hash chain with sha256sum, from position 1, and checks the latest signed
# checkpoint (every one with --all): its signature with openssl, and its hash against the
# chain at its position. Pin the signing key with --key-id (its 16 hex digits, published by the
# archive) or --public-key; without either the key in CHECKPOINTS.jsonl is trusted as given.
#
# Needs bash, coreutils (sha256sum, base64, sort, od) and openssl 3; no project code.
# Exit status: 0 verified, 1 the trail or a checkpoint is wrong, 2 usage or unreadable input.
set -euo pipefail
export LC_ALL=C

GENESIS=0000000000000000000000000000000000000000000000000000000000000000
# DER SubjectPublicKeyInfo of an Ed25519 key, before its 32 raw bytes (RFC 8410).
SPKI_PREFIX=302a300506032b6570032100
US=$'\x1f'  # separates the fields of the work files: never in a canonical text (JSON escapes it)

fail() { echo "FAILED: $*" >&2; exit 1; }
usage() { echo "usage: $0 [--key-id ID | --public-key BASE64] [--all] EXPORT.csv CHECKPOINTS.jsonl" >&2; exit 2; }

pinned_id="" pinned_key="" all=0
while [[ $# -gt 0 ]]; do
    case $1 in
        --key-id) pinned_id=${2:-}; shift 2 || usage ;;
        --public-key) pinned_key=${2:-}; shift 2 || usage ;;
        --all) all=1; shift ;;
        --help | -h) usage ;;
        --) shift; break ;;
        -*) usage ;;
        *) break ;;
    esac
done
[[ $# -eq 2 ]] || usage
csv=$1 checkpoints=$2
[[ -r $csv ]] || { echo "cannot read $csv" >&2; exit 2; }
[[ -r $checkpoints ]] || { echo "cannot read $checkpoints" >&2; exit 2; }
for tool in sha256sum base64 sort od openssl; do
    command -v "$tool" >/dev/null || { echo "$tool is needed" >&2; exit 2; }
done

work=$(mktemp -d)
trap 'rm -rf -- "$work"' EXIT

# --- 1. The CSV: one event a line (every cell is on one line: the canonical text is ASCII JSON,
# its control characters escaped). Cells are RFC 4180: quoted when they hold a comma or a
# quote, a quote inside doubled. The file starts with a UTF-8 BOM; lines end with CRLF.
CELL='^("(([^"]|"")*)"|([^,"]*))(,|$)'
cells=()
split_csv() {
    local rest=$1
    cells=()
    while :; do
        [[ $rest =~ $CELL ]] || return 1
        if [[ ${BASH_REMATCH[1]:0:1} == '"' ]]; then
            cells+=("${BASH_REMATCH[2]//\"\"/\"}")
        else
            cells+=("${BASH_REMATCH[4]}")
        fi
        rest=${rest:${#BASH_REMATCH[0]}}
        [[ -n ${BASH_REMATCH[5]} ]] || break
    done
    [[ -z $rest ]]
}

data=-1 pos=-1 hash=-1 prev=-1 line_no=0 unsealed=0
: >"$work/events"
while IFS= read -r line || [[ -n $line ]]; do
    line_no=$((line_no + 1))
    line=${line%$'\r'}
    if [[ $line_no -eq 1 ]]; then
        line=${line#$'\xef\xbb\xbf'}
        split_csv "$line" || fail "line 1: not a CSV header"
        for i in "${!cells[@]}"; do
            case ${cells[i]} in
                Data) data=$i ;;
                Posisi) pos=$i ;;
                Hash) hash=$i ;;
                "Hash sebelumnya") prev=$i ;;
            esac
        done
        [[ $data -ge 0 && $pos -ge 0 && $hash -ge 0 && $prev -ge 0 ]] ||
            fail "the header lacks Data, Posisi, Hash or Hash sebelumnya (an export from before they were added?)"
        continue
    fi
    [[ -n $line ]] || continue
    split_csv "$line" || fail "line $line_no: not valid CSV"
    position=${cells[pos]:-}
    if [[ -z $position ]]; then  # written moments before the export, not sealed yet
        unsealed=$((unsealed + 1))
        continue
    fi
    [[ $position =~ ^[1-9][0-9]*$ ]] || fail "line $line_no: position '$position' is not a number"
    text=${cells[data]}
    [[ $text != *$US* ]] || fail "line $line_no (position $position): a control character in the canonical text"
    printf '%s\x1f%s\x1f%s\x1f%s\n' "$position" "${cells[prev]}" "${cells[hash]}" "$text" >>"$work/events"
done <"$csv"
[[ $line_no -ge 1 ]] || fail "$csv is empty"

# --- 2. The chain, in position order from 1: hash(n) = SHA-256("n\nhash(n-1)\ncanonical(n)").
sort -t "$US" -k1,1n -s "$work/events" >"$work/sorted"
declare -A chain=()
expected=1 previous=$GENESIS
while IFS=$US read -r position prev_hash event_hash text; do
    if [[ $position -lt $expected ]]; then
        fail "position $position appears more than once: events were copied or forged"
    fi
    if [[ $position -gt $expected ]]; then
        fail "broken link at position $expected: the export jumps to $position; events are missing (export the whole trail, with no filters)"
    fi
    [[ $prev_hash == "$previous" ]] ||
        fail "broken link at position $position: it does not point to the event before it"
    computed=$(printf '%s\n%s\n%s' "$position" "$previous" "$text" | sha256sum)
    computed=${computed%% *}
    [[ $computed == "$event_hash" ]] ||
        fail "broken link at position $position: its content does not match its hash"
    chain[$position]=$computed
    previous=$computed expected=$((expected + 1))
done <"$work/sorted"
last=$((expected - 1))
chain[0]=$GENESIS

# --- 3. The checkpoints: JSON lines, the first {"type": "key", ...}. Every value is a number
# or a string of plain characters (base64, hex, ISO time), so a pattern reads them.
field() {  # field NAME LINE: the value of "NAME" in one JSON line
    local re="\"$1\"[[:space:]]*:[[:space:]]*(\"([^\"]*)\"|([0-9]+))"
    [[ $2 =~ $re ]] || return 1
    printf '%s' "${BASH_REMATCH[2]}${BASH_REMATCH[3]}"
}
key_of() {  # key_of BASE64: the key id, or fail
    local hex
    hex=$(printf '%s' "$1" | base64 -d 2>/dev/null | od -An -v -tx1 | tr -d ' \n') ||
        fail "the public key is not base64"
    [[ ${#hex} -eq 64 ]] || fail "the public key is not 32 bytes (Ed25519, raw)"
    hex=$(printf '%s' "$1" | base64 -d | sha256sum)
    printf '%s' "${hex:0:16}"
}

file_key="" lines=()
while IFS= read -r line || [[ -n $line ]]; do
    case $(field type "$line" || true) in
        key) file_key=$(field public_key "$line") || fail "the key line has no public_key" ;;
        checkpoint) lines+=("$line") ;;
        "") [[ -z ${line//[[:space:]]/} ]] || fail "$checkpoints: a line without a type" ;;
    esac
done <"$checkpoints"
[[ ${#lines[@]} -gt 0 ]] || fail "$checkpoints holds no checkpoint"

key=${pinned_key:-$file_key}
[[ -n $key ]] || fail "no public key: none in $checkpoints and no --public-key"
key_id=$(key_of "$key")
if [[ -n $pinned_id && $key_id != "$pinned_id" ]]; then
    fail "the public key's id is $key_id, not the expected $pinned_id: a different key"
fi
if [[ -n $file_key && $file_key != "$key" ]]; then
    fail "the public key in $checkpoints is not the key given with --public-key"
fi
# The PEM openssl reads: the DER prefix, then the 32 raw bytes, in base64. The prefix is 12
# bytes, so its base64 (MCowBQYDK2VwAyEA) simply goes before the key's own base64.
spki_b64=$(printf '%s' "$SPKI_PREFIX" | sed 's/../\\x&/g')
spki_b64=$(printf '%b' "$spki_b64" | base64 -w 0)
{
    echo "-----BEGIN PUBLIC KEY-----"
    echo "$spki_b64$(printf '%s' "$key" | base64 -d | base64 -w 0)"
    echo "-----END PUBLIC KEY-----"
} >"$work/pub.pem"

check_checkpoint() {  # check_checkpoint JSON-LINE
    local cp_position cp_hash cp_signed cp_signature cp_key_id
    cp_position=$(field position "$1") || fail "a checkpoint without a position"
    cp_hash=$(field hash "$1") || fail "checkpoint at position $cp_position: no hash"
    cp_signed=$(field signed_at "$1") || fail "checkpoint at position $cp_position: no signed_at"
    cp_signature=$(field signature "$1") || fail "checkpoint at position $cp_position: no signature"
    cp_key_id=$(field key_id "$1" || true)
    if [[ -n $cp_key_id && $cp_key_id != "$key_id" ]]; then
        fail "checkpoint at position $cp_position was signed with key $cp_key_id, not $key_id"
    fi
    printf 'asn-digital audit checkpoint\n%s\n%s\n%s' "$cp_position" "$cp_hash" "$cp_signed" >"$work/msg"
    printf '%s' "$cp_signature" | base64 -d >"$work/sig" 2>/dev/null ||
        fail "checkpoint at position $cp_position: the signature is not base64"
    openssl pkeyutl -verify -pubin -inkey "$work/pub.pem" -rawin -in "$work/msg" \
        -sigfile "$work/sig" >/dev/null 2>&1 ||
        fail "checkpoint at position $cp_position: the signature is not valid for key $key_id"
    if [[ $cp_position -gt $last ]]; then
        fail "checkpoint at position $cp_position is beyond the export's last event ($last): events were removed, or the export is older than the checkpoint"
    fi
    [[ ${chain[$cp_position]} == "$cp_hash" ]] ||
        fail "checkpoint at position $cp_position does not match the chain: it was rewritten"
    echo "checkpoint at position $cp_position (signed $cp_signed, key $key_id): signature valid, matches the chain"
}

latest="" covered=-1
for line in "${lines[@]}"; do  # the latest: the highest position; of equals, the last in the file
    p=$(field position "$line") || fail "a checkpoint without a position"
    [[ $p =~ ^[0-9]+$ ]] || fail "a checkpoint's position '$p' is not a number"
    if [[ $p -ge $covered ]]; then latest=$line covered=$p; fi
done
if [[ $all -eq 1 ]]; then
    for line in "${lines[@]}"; do check_checkpoint "$line"; done
    checked=${#lines[@]}
else
    check_checkpoint "$latest"
    checked=1
fi

echo "audit export verified: $last events chained from position 1, $checked signed checkpoint(s) valid"
if [[ $covered -lt $last ]]; then
    echo "note: events $((covered + 1)) to $last are chained but no signed checkpoint covers them yet"
fi
if [[ $unsealed -gt 0 ]]; then
    echo "note: $unsealed event(s) in the export were not sealed yet (no position) and are not covered"
fi
