#!/bin/sh
# Each PALOGNO id names one log line: an id used twice cannot be searched
# for, nor documented, as one message.
dir="${srcdir:-.}/mod_prefork_app"
dups=$(grep -rho 'PALOGNO([0-9]*)' "$dir" | sort | uniq -d)
if [ -n "$dups" ]; then
    echo "PALOGNO ids used more than once:" $dups
    exit 1
fi
exit 0
