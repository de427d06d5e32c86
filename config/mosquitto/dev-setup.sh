#!/usr/bin/env bash
# Writes a development Mosquitto 2.x broker with TLS, passwords and an ACL into DIR:
#
#   config/mosquitto/dev-setup.sh DIR [PORT]     # PORT: the TLS listener, default 8883
#   mosquitto -c DIR/mosquitto.conf
#
# DIR/ca.crt         the throw-away CA clients trust (mqtt.tls.ca); DIR/ca.key can issue client certificates
# DIR/credentials.env SCADA_PASSWORD, EDGE1_PASSWORD, EDGE2_PASSWORD, VIEWER_PASSWORD (generated)
# DIR/passwd, DIR/acl the users scada (host), edge1 and edge2 (edge nodes), viewer (read only)
#
# Needs openssl and Mosquitto's mosquitto_passwd. For a real plant, see README "Securing the broker".
set -euo pipefail

usage() { echo "usage: $0 DIR [PORT]" >&2; exit 2; }
[[ $# -ge 1 && $# -le 2 ]] || usage
dir=$1
port=${2:-8883}
[[ $port =~ ^[0-9]+$ && $port -ge 1 && $port -le 65535 ]] || { echo "$0: bad port: $port" >&2; exit 2; }
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
for tool in openssl mosquitto_passwd; do
  command -v "$tool" >/dev/null || { echo "$0: $tool not found (Debian: apt-get install openssl mosquitto)" >&2; exit 1; }
done
mkdir -p "$dir"
dir=$(cd "$dir" && pwd)
[[ ! -e $dir/ca.key ]] || { echo "$0: $dir already holds a setup (ca.key); use an empty directory" >&2; exit 1; }
umask 077 # keys, passwords and the password file: readable by their owner only

ssl() { openssl "$@" 2>/dev/null; }
ec=(-newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes)

# A throw-away CA, and a server certificate for this machine's names.
ssl req -x509 "${ec[@]}" -keyout "$dir/ca.key" -out "$dir/ca.crt" -days 825 -subj "/CN=sparkstate dev CA"
ssl req "${ec[@]}" -keyout "$dir/server.key" -out "$dir/server.csr" -subj "/CN=localhost"
printf 'subjectAltName=DNS:localhost,DNS:%s,IP:127.0.0.1,IP:::1\n' "$(hostname)" >"$dir/server.ext"
ssl x509 -req -in "$dir/server.csr" -CA "$dir/ca.crt" -CAkey "$dir/ca.key" -CAcreateserial \
  -out "$dir/server.crt" -days 825 -extfile "$dir/server.ext"
rm -f "$dir/server.csr" "$dir/server.ext"
chmod 644 "$dir/ca.crt"

# Passwords: written as user:password, then hashed in place (never on a command line).
pw() { openssl rand -hex 16; }
scada=$(pw) edge1=$(pw) edge2=$(pw) viewer=$(pw)
printf 'scada:%s\nedge1:%s\nedge2:%s\nviewer:%s\n' "$scada" "$edge1" "$edge2" "$viewer" >"$dir/passwd"
mosquitto_passwd -U "$dir/passwd"
printf 'SCADA_PASSWORD=%s\nEDGE1_PASSWORD=%s\nEDGE2_PASSWORD=%s\nVIEWER_PASSWORD=%s\n' \
  "$scada" "$edge1" "$edge2" "$viewer" >"$dir/credentials.env"

cp "$here/acl" "$dir/acl"
mkdir -p "$dir/data"

# Started by root, Mosquitto switches to user "mosquitto", which cannot read this directory.
run_as=''
[[ $(id -u) != 0 ]] || run_as=$'# Made by root: without this line Mosquitto would switch to user "mosquitto", which cannot read DIR.\nuser root'

cat >"$dir/mosquitto.conf" <<CONF
# Mosquitto 2.x for Sparkplug B with TLS, passwords and an ACL (written by sparkstate's
# config/mosquitto/dev-setup.sh). For a plant, keep this file and replace:
#   cafile/certfile/keyfile  your plant CA's certificate, and a server certificate it issued
#   password_file            one user per edge node, user name = edge node id (mosquitto_passwd)
#   acl_file                 the same rules: they use %u, so a new edge node needs no new line

# One password file and ACL for every listener.
per_listener_settings false
allow_anonymous false
password_file $dir/passwd
acl_file $dir/acl

# Retained STATE messages survive a broker restart.
persistence true
persistence_location $dir/data/

# TLS only: there is no plain listener.
listener $port
cafile $dir/ca.crt
certfile $dir/server.crt
keyfile $dir/server.key
tls_version tlsv1.2
# Mutual TLS: also demand a client certificate issued by cafile.
#require_certificate true
$run_as
CONF

echo "broker written to $dir: mosquitto -c $dir/mosquitto.conf (TLS on port $port; CA $dir/ca.crt; passwords in $dir/credentials.env)"
