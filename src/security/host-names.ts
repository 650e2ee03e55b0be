import { isIPv6 } from 'node:net';

/**
 * Host and origin names as the DNS-rebinding defence compares them. Pure functions: the
 * middleware uses them per call, the config validates its lists with them, main.ts asks whether
 * the bind address is loopback.
 */

/** A host, an IPv6 address in brackets, then an optional port; nothing else (no user, path or spaces). */
const HOST_AND_PORT = /^(\[[0-9A-Fa-f:.]+\]|[^\s:[\]/\\?#@]+)(?::(\d{1,5}))?$/;
/** After the URL parser: lower case and punycode. */
const DNS_NAME = /^([a-z0-9_-]+\.)*[a-z0-9_-]+$/;
const ORIGIN = /^(https?):\/\/([^\s/\\?#@]+)\/?$/i;

/**
 * Splits `host[:port]` and canonicalises the name as a browser's URL parser would: lower case,
 * IDNA, IPv4 as a dotted quad, IPv6 compressed and in brackets, without a trailing dot.
 * Undefined when it is not a host name at all.
 */
export function parseHost(text: string): { name: string; port?: string } | undefined {
  const match = HOST_AND_PORT.exec(text);
  if (!match) {
    return undefined;
  }
  try {
    const name = new URL(`http://${match[1]}`).hostname.replace(/\.$/, '');
    // The URL parser lets through characters no DNS name has (*, !, $, …): a "*" stays a wildcard only.
    return DNS_NAME.test(name) || name.startsWith('[') ? { name, port: match[2] } : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Names that always reach this machine: localhost and its subdomains (RFC 6761; browsers never
 * resolve them elsewhere), 127.0.0.0/8, ::1 and IPv4-mapped 127.x. A page that a rebinding
 * attack serves carries its own name in Host, never one of these.
 */
export function isLoopbackName(name: string): boolean {
  return (
    name === 'localhost' ||
    name.endsWith('.localhost') ||
    /^127\.\d+\.\d+\.\d+$/.test(name) ||
    name === '[::1]' ||
    /^\[::ffff:7f[0-9a-f]{2}:[0-9a-f]{1,4}\]$/.test(name)
  );
}

/** A listen or publish address: a name, a bare IP or a bracketed IPv6 one, without a port. */
export function isAddress(text: string): boolean {
  const host = parseHost(isIPv6(text) ? `[${text}]` : text);
  return host !== undefined && host.port === undefined;
}

/** Whether a listen address (C3PO_HOST: a name or a bare IP) is reachable from this machine only. */
export function isLoopbackBind(host: string): boolean {
  const name = parseHost(isIPv6(host) ? `[${host}]` : host)?.name;
  // *.localhost is a browser rule; what the resolver makes of it when listening is not ours to assume.
  return name !== undefined && !name.endsWith('.localhost') && isLoopbackName(name);
}

/** A parsed C3PO_ALLOWED_HOSTS: exact names, and `*.example.com` entries as suffixes. */
export interface HostList {
  names: Set<string>;
  /** ".example.com" for an entry "*.example.com": any name below it, not the name itself. */
  suffixes: string[];
  /** Entries that are not host names, for the config error. */
  invalid: string[];
}

export function parseHostList(text: string): HostList {
  const list: HostList = { names: new Set(), suffixes: [], invalid: [] };
  for (const entry of splitList(text)) {
    const wildcard = entry.startsWith('*.');
    const rest = wildcard ? entry.slice(2) : entry;
    const host = parseHost(isIPv6(rest) ? `[${rest}]` : rest);
    // A port would be silently ignored (Host ports are), so say so; a wildcard over an IP means nothing.
    if (!host || host.port !== undefined || (wildcard && (/^[\d.]+$/.test(host.name) || host.name.startsWith('[')))) {
      list.invalid.push(entry);
    } else if (wildcard) {
      list.suffixes.push(`.${host.name}`);
    } else {
      list.names.add(host.name);
    }
  }
  return list;
}

export function hostListed(name: string, list: HostList): boolean {
  return list.names.has(name) || list.suffixes.some((suffix) => name.endsWith(suffix));
}

/** `scheme://host[:port]` as browsers serialise it (default port dropped), or undefined when not an http(s) origin. */
export function normalizeOrigin(text: string): string | undefined {
  const match = ORIGIN.exec(text);
  if (!match || !parseHost(match[2])) {
    return undefined;
  }
  try {
    return new URL(`${match[1]}://${match[2]}`).origin;
  } catch {
    return undefined;
  }
}

/** A parsed C3PO_ALLOWED_ORIGINS: normalised origins, and the entries that are not origins. */
export function parseOriginList(text: string): { origins: Set<string>; invalid: string[] } {
  const origins = new Set<string>();
  const invalid: string[] = [];
  for (const entry of splitList(text)) {
    const origin = normalizeOrigin(entry);
    if (origin) {
      origins.add(origin);
    } else {
      invalid.push(entry);
    }
  }
  return { origins, invalid };
}

function splitList(text: string): string[] {
  return text
    .split(',')
    .map((entry) => entry.trim())
    .filter((entry) => entry !== '');
}
