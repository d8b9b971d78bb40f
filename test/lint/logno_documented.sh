#!/bin/sh
# docs/messages.md is the admin's reference of the log lines: every PALOGNO
# id the module uses must have its entry there, and the page must name no
# id that the module does not use.
top="${srcdir:-.}"
doc="$top/docs/messages.md"
if [ ! -f "$doc" ]; then
    echo "$doc: not found"
    exit 1
fi
# Both as " ID ID ... ", for the case patterns below.
used=" $(grep -ho 'PALOGNO([0-9]*)' "$top"/mod_prefork_app/*.c \
         | sed 's/PALOGNO(\([0-9]*\))/PA\1/' | sort -u | tr '\n' ' ')"
named=" $(grep -o 'PA[0-9][0-9][0-9][0-9][0-9]' "$doc" | sort -u \
          | tr '\n' ' ')"
missing=
for id in $used; do
    case "$named" in
        *" $id "*) ;;
        *) missing="$missing $id" ;;
    esac
done
unknown=
for id in $named; do
    case "$used" in
        *" $id "*) ;;
        *) unknown="$unknown $id" ;;
    esac
done
rc=0
if [ -n "$missing" ]; then
    echo "PALOGNO ids missing from docs/messages.md:$missing"
    rc=1
fi
if [ -n "$unknown" ]; then
    echo "ids in docs/messages.md that no source file uses:$unknown"
    rc=1
fi
exit $rc
