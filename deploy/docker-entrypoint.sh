#!/bin/sh
# The container image's entry point. It behaves like the official Redis image's, so the ways
# people start that image start this one:
#
#   docker run IMAGE                                   strata-server on every interface, /data
#   docker run IMAGE --maxmemory 1gb --maxmemory-policy allkeys-lru
#   docker run IMAGE /etc/strata/strata.conf [--port 7000]
#   docker run IMAGE redis-server --save ""            as with the Redis image: the server
#   docker run IMAGE redis-cli -h some-host            any other command runs as given
#
# - Arguments that start with '-', or a first argument ending in ".conf", are strata-server's.
# - Without a config file, the server listens on every interface with protected mode off, unless
#   the arguments say otherwise: in a container the published ports are the boundary, and the
#   server's own defaults (loopback only) would make it unreachable. With a config file, only what
#   the file leaves unsaid gets those values: a file without `bind` listens everywhere, a file
#   without `protected-mode` turns it off.
# - Started as root, it gives the working directory (/data) to the unprivileged user and runs the
#   server as that user (named strata, and redis as well, so that `chown redis:redis` works); started as another user (docker run --user), it runs the server as is.
# - The server replaces this script (exec), so `docker stop`'s SIGTERM reaches it: it saves when
#   save points are set and exits 0.
#
# STRATA_USER names the unprivileged user (default strata); the tests use it to run this script
# outside a container.
set -eu

case "${1:-}" in
  -* | *.conf) set -- strata-server "$@" ;;
  '') set -- strata-server ;;
  # Runbooks written for the Redis image name the server redis-server.
  redis-server) shift; set -- strata-server "$@" ;;
esac

if [ "$1" = strata-server ]; then
  user="${STRATA_USER:-strata}"
  if [ "$(id -u)" = 0 ]; then
    # Files restored into the volume by root (a copied dump.rdb) must be the server's to write.
    find . ! -user "$user" -exec chown "$user:$(id -gn "$user")" '{}' +
    exec setpriv --reuid="$user" --regid="$(id -g "$user")" --init-groups -- "$0" "$@"
  fi

  # What the server writes (dumps, logs) is for its user alone, unless the umask was chosen.
  if [ "$(umask)" = 0022 ]; then
    umask 0077
  fi

  config=''
  if [ $# -ge 2 ] && [ "${2#-}" = "$2" ] && [ -f "$2" ]; then
    config="$2"
  fi
  # in_config NAME: whether the config file sets directive NAME.
  in_config() {
    [ -n "$config" ] && grep -Eqi "^[[:space:]]*$1([[:space:]]|\$)" "$config"
  }
  bind_set=''
  protected_set=''
  for arg in "$@"; do
    case "$arg" in
      --bind) bind_set=1 ;;
      --protected-mode) protected_set=1 ;;
    esac
  done
  if [ -z "$bind_set" ] && ! in_config bind; then
    set -- "$@" --bind '* -::*'
  fi
  if [ -z "$protected_set" ] && ! in_config protected-mode; then
    set -- "$@" --protected-mode no
  fi
fi

exec "$@"
