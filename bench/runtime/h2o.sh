# Sourced by bench/runtime/run.sh and callgrind.sh. h2o_config DIR PORT prints the configuration
# of the h2o competitor: one thread on 127.0.0.1:PORT serving bench/runtime/hello.json (the
# body bench_server.cpp answers, as a static file) at /hello, access log to /dev/null, its pid
# and error log in DIR. h2o is the Debian package (`apt-get install h2o`).
h2o_config() {
  local dir=$1 port=$2 root
  root=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
  cat <<CONF
listen:
  host: 127.0.0.1
  port: $port
num-threads: 1
access-log: /dev/null
error-log: $dir/h2o-error.log
pid-file: $dir/h2o.pid
hosts:
  default:
    paths:
      /hello:
        file.file: $root/hello.json
CONF
  # h2o refuses to run as root without a user to switch to.
  if [ "$(id -u)" = 0 ]; then echo "user: root"; fi
}
