#!/bin/sh
# Checks every file listed in SHA256SUMS against its SHA-256, without Daybook.
# In a terminal, in the packet folder:   sh check-packet.sh
# Prints OK, or the first file that is missing or does not match (and then exits 1).
cd "$(dirname "$0")" || exit 2
if command -v sha256sum >/dev/null 2>&1; then
    hash() { sha256sum "$1" | cut -d ' ' -f 1; }
elif command -v shasum >/dev/null 2>&1; then
    hash() { shasum -a 256 "$1" | cut -d ' ' -f 1; }
else
    echo "Neither sha256sum nor shasum is installed on this computer."
    exit 2
fi
count=0
while IFS= read -r line || [ -n "$line" ]; do
    [ -n "$line" ] || continue
    expected=${line%%  *}
    file=${line#*  }
    if [ ! -f "$file" ]; then
        echo "MISSING: $file"
        exit 1
    fi
    actual=$(hash "$file")
    if [ "$actual" != "$expected" ]; then
        echo "MISMATCH: $file"
        echo "  SHA256SUMS says $expected"
        echo "  the file has    $actual"
        exit 1
    fi
    count=$((count + 1))
done < SHA256SUMS
echo "OK: all $count files match SHA256SUMS."
