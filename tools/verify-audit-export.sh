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
# Needs bash, POSIX awk, coreutils (sha256sum, base64, sort, od) and openssl 3; no project code.
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
for tool in awk sha256sum base64 sort od openssl; do
    command -v "$tool" >/dev/null || { echo "$tool is needed" >&2; exit 2; }
done

work=$(mktemp -d)
trap 'rm -rf -- "$work"' EXIT

# --- 1. The CSV: one event a line (no cell holds a line break: the canonical text is ASCII
# JSON, its control characters escaped). Cells are RFC 4180: quoted when they hold a comma or a
# quote, a quote inside doubled. The file starts with a UTF-8 BOM; lines end with CRLF. POSIX
# awk splits the cells (bash's own regular expressions managed some 2,000 lines a second) and
# writes "position US Hash sebelumnya US Hash US Data" for each sealed event.
# shellcheck disable=SC2016  # the awk program is in single quotes on purpose
CSV_TO_EVENTS='
function bad(why) { printf "FAILED: line %d of the CSV: %s\n", NR, why > "/dev/stderr"; failed = 1; exit 1 }
NR == 1 && substr($0, 1, 3) == "\357\273\277" { $0 = substr($0, 4) }
{
    sub(/\r$/, "")
    if ($0 == "" && NR > 1) next
    s = $0; n = 0
    while (1) {
        if (substr(s, 1, 1) == "\"") {
            s = substr(s, 2); cell = ""
            while (1) {
                i = index(s, "\"")
                if (i == 0) bad("a quoted cell does not end")
                cell = cell substr(s, 1, i - 1); s = substr(s, i + 1)
                if (substr(s, 1, 1) != "\"") break
                cell = cell "\""; s = substr(s, 2)
            }
        } else {
            i = index(s, ",")
            if (i == 0) { cell = s; s = "" } else { cell = substr(s, 1, i - 1); s = substr(s, i) }
            if (index(cell, "\"")) bad("a quote inside an unquoted cell")
        }
        cells[++n] = cell
        if (s == "") break
        if (substr(s, 1, 1) != ",") bad("text after a quoted cell")
        s = substr(s, 2)
        if (s == "") { cells[++n] = ""; break }
    }
    if (NR == 1) {
        for (i = 1; i <= n; i++) column[cells[i]] = i
        if (!("Data" in column && "Posisi" in column && "Hash" in column && "Hash sebelumnya" in column))
            bad("the header lacks Data, Posisi, Hash or Hash sebelumnya (an export from before they were added?)")
        data = column["Data"]; pos = column["Posisi"]; hash = column["Hash"]; prev = column["Hash sebelumnya"]
        next
    }
    if (cells[pos] == "") { unsealed++; next }  # written moments before the export
    if (cells[pos] !~ /^[1-9][0-9]*$/) bad("the position \"" cells[pos] "\" is not a number")
    if (index(cells[data], US)) bad("a control character in the canonical text")
    print cells[pos] US cells[prev] US cells[hash] US cells[data]
}
END {
    if (failed) exit 1
    if (NR == 0) { print "FAILED: the CSV file is empty" > "/dev/stderr"; exit 1 }
    print unsealed + 0 > UNSEALED
}
'
awk -v US="$US" -v UNSEALED="$work/unsealed" "$CSV_TO_EVENTS" "$csv" >"$work/events" || exit 1
unsealed=$(<"$work/unsealed")

# --- 2. The checkpoints: JSON lines, the first {"type": "key", ...}. Every value is a number
# or a string of plain characters (base64, hex, ISO time), so a pattern reads them.
field() {  # field NAME LINE: the value of "NAME" in one JSON line, in $REPLY
    local re="\"$1\"[[:space:]]*:[[:space:]]*(\"([^\"]*)\"|([0-9]+))"
    REPLY=""
    [[ $2 =~ $re ]] || return 1
    REPLY=${BASH_REMATCH[2]}${BASH_REMATCH[3]}
}
key_of() {  # key_of BASE64: the key id, or fail
    local hex
    hex=$(printf '%s' "$1" | base64 -d 2>/dev/null | od -An -v -tx1 | tr -d ' \n') ||
        fail "the public key is not base64"
    [[ ${#hex} -eq 64 ]] || fail "the public key is not 32 bytes (Ed25519, raw)"
    hex=$(printf '%s' "$1" | base64 -d | sha256sum)
    printf '%s' "${hex:0:16}"
}

file_key="" lines=() latest="" covered=-1
declare -A wanted=()  # the positions checkpoints speak of
while IFS= read -r line || [[ -n $line ]]; do
    field type "$line" || true
    case $REPLY in
        key) field public_key "$line" || fail "the key line has no public_key"; file_key=$REPLY ;;
        checkpoint)
            lines+=("$line")
            field position "$line" || fail "a checkpoint without a position"
            wanted[$REPLY]=1
            # the latest: the highest position; of equals, the last in the file
            if [[ $REPLY -ge $covered ]]; then latest=$line covered=$REPLY; fi
            ;;
        "") [[ -z ${line//[[:space:]]/} ]] || fail "$checkpoints: a line without a type" ;;
    esac
done <"$checkpoints"
[[ ${#lines[@]} -gt 0 ]] || fail "$checkpoints holds no checkpoint"

# --- 3. The chain, in position order from 1: hash(n) = SHA-256("n\nhash(n-1)\ncanonical(n)").
# Each row's Hash sebelumnya must be the Hash of the row before (the first: 64 zeros), and its
# Hash the SHA-256 of its position, Hash sebelumnya and Data: by induction every Hash is then
# the chain's. The inputs are written to files and hashed CHUNK at a time (one sha256sum per
# chunk, not per event); a chunk is hashed before a broken link after it is reported, so the
# first broken position is the one named.
CHUNK=${VERIFY_AUDIT_CHUNK:-2000}  # smaller only in the tests, to cross chunk boundaries
[[ $CHUNK =~ ^[1-9][0-9]*$ ]] || usage
sort -t "$US" -k1,1n -s "$work/events" >"$work/sorted"
mkdir "$work/in"
declare -A chain=([0]=$GENESIS)
slots=() at=() claimed=() count=0
for ((i = 0; i < CHUNK; i++)); do slots+=("$i"); done
flush() {
    [[ $count -gt 0 ]] || return 0
    local i=0 sum _name
    (cd "$work/in" && sha256sum -- "${slots[@]:0:count}") >"$work/sums" || fail "sha256sum failed"
    while read -r sum _name; do
        [[ $sum == "${claimed[i]}" ]] ||
            fail "broken link at position ${at[i]}: its content does not match its hash"
        i=$((i + 1))
    done <"$work/sums"
    [[ $i -eq $count ]] || fail "sha256sum failed"
    count=0
}
expected=1 previous=$GENESIS broken=""
while IFS=$US read -r position prev_hash event_hash text; do
    if [[ $position -lt $expected ]]; then
        broken="position $position appears more than once: events were copied or forged"
        break
    fi
    if [[ $position -gt $expected ]]; then
        broken="broken link at position $expected: the export jumps to $position; events are missing (export the whole trail, with no filters)"
        break
    fi
    if [[ $prev_hash != "$previous" ]]; then
        broken="broken link at position $position: it does not point to the event before it"
        break
    fi
    if ! [[ $event_hash =~ ^[0-9a-f]{64}$ ]]; then
        broken="broken link at position $position: its hash is not 64 hex digits"
        break
    fi
    printf '%s\n%s\n%s' "$position" "$previous" "$text" >"$work/in/$count"
    at[count]=$position claimed[count]=$event_hash count=$((count + 1))
    [[ -z ${wanted[$position]:-} ]] || chain[$position]=$event_hash
    previous=$event_hash expected=$((expected + 1))
    [[ $count -lt $CHUNK ]] || flush
done <"$work/sorted"
flush
[[ -z $broken ]] || fail "$broken"
last=$((expected - 1))

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
    field position "$1" || fail "a checkpoint without a position"
    cp_position=$REPLY
    field hash "$1" || fail "checkpoint at position $cp_position: no hash"
    cp_hash=$REPLY
    field signed_at "$1" || fail "checkpoint at position $cp_position: no signed_at"
    cp_signed=$REPLY
    field signature "$1" || fail "checkpoint at position $cp_position: no signature"
    cp_signature=$REPLY
    field key_id "$1" || true
    cp_key_id=$REPLY
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
if [[ -z $pinned_id && -z $pinned_key ]]; then
    echo "note: the key was taken from $checkpoints: compare its id $key_id with the one the archive publishes (--key-id)"
fi
if [[ $unsealed -gt 0 ]]; then
    echo "note: $unsealed event(s) in the export were not sealed yet (no position) and are not covered"
fi
