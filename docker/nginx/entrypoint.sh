#!/bin/sh
# Renders the site with the public HTTPS port that redirects name (EMS_HTTPS_PORT, 443 by
# default: then no port in the address) and starts nginx. The root file system stays read-only.
set -eu
mkdir -p /tmp/nginx
port=${EMS_HTTPS_PORT:-443}
if [ "$port" = 443 ]; then suffix=""; else suffix=":$port"; fi
sed "s/@HTTPS_PORT_SUFFIX@/$suffix/g" /etc/nginx/templates/ems.conf >/tmp/nginx/ems.conf
exec "$@"
