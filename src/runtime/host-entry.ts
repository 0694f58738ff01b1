// --add-host entries for /etc/hosts, apart from the runtime spec so that parsing the flag (the
// build does) does not load the spec's tables.
/** An `--add-host` entry: `ip` is an address or HOST_GATEWAY. */
export interface HostEntry {
  host: string;
  ip: string;
}

/** docker's special --add-host value for the host as the container reaches it. */
export const HOST_GATEWAY = 'host-gateway';
