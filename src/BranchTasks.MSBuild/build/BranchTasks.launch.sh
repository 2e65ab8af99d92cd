# BranchTasks launcher for "localAuth": "token" (Unix). BranchTasks.targets makes `dotnet run` and
# `dotnet watch` start the app as
#   /bin/sh BranchTasks.launch.sh <file> <variable> <command> [arguments...]
# The connection string carries the tunnel's password, so it must not be an argument (every user can read
# arguments in ps). It is read from <file> (mode 0600, written by the ensure step) with the shell's own
# `read`, exported as <variable> (ConnectionStrings__<name>, which Host/WebApplication read with no code),
# and `exec` replaces this shell with the app: same pid, so Ctrl+C and dotnet watch reach the app itself.

file=$1
variable=$2
shift 2

value=
if [ -f "$file" ] && [ -r "$file" ]; then
    # read fails at a last line without a newline but still sets the value; an empty value is caught below.
    IFS= read -r value < "$file" || :
fi

if [ -z "$value" ]; then
    echo "branchtasks : error BT0507: The connection string file '$file' is missing or empty. The ensure step of \`dotnet run\` writes it on every run (\"localAuth\": \"token\"); run \`dotnet run\` again, and make sure nothing deletes files in BranchTasks' state directory while the app starts." >&2
    exit 1
fi

export "$variable=$value"
value=
exec "$@"
