// `oci://host:port/repo[:tag]` as pf push and pf pull take it, and `oci://host:port/repo@sha256:<hex>` for a
// manifest by digest (pulls only). The scheme follows pf: http to loopback and to any explicit port but 443,
// https otherwise (no port, or 443); PF_OCI_SCHEME=https|http overrides it (a TLS registry on port 5000).
import { InvalidInputError } from '../store/errors';
import { quoteShort } from '../../../shared/common/format';

export interface OciRef {
  /** `http://127.0.0.1:5000` */
  base: string;
  host: string;
  repo: string;
  tag: string;
  /** `sha256:<hex>` when the reference names a manifest by digest (then `tag` is that digest too). */
  digest?: string;
}

// The distribution spec's repository name grammar (lower-case path components) and tag grammar.
const REPO = /^[a-z0-9]+(?:(?:\.|_|__|-+)[a-z0-9]+)*(?:\/[a-z0-9]+(?:(?:\.|_|__|-+)[a-z0-9]+)*)*$/;
const TAG = /^[A-Za-z0-9_][A-Za-z0-9._-]{0,127}$/;

export function isLoopback(host: string): boolean {
  const name = host.replace(/:\d+$/, '').replace(/^\[|\]$/g, '');
  return name === 'localhost' || name === '::1' || /^127\.\d+\.\d+\.\d+$/.test(name);
}

export function parseOciRef(text: string, opts: { tagOptional?: boolean; env?: NodeJS.ProcessEnv } = {}): OciRef {
  const m = /^oci:\/\/([^/]+)\/(.+)$/.exec(text);
  if (!m) {
    throw new InvalidInputError(`not an OCI reference: ${quoteShort(text)} (expected oci://host:port/repo[:tag])`);
  }
  const host = m[1];
  let repo = m[2];
  let tag = 'latest';
  let digest: string | undefined;
  const at = repo.indexOf('@');
  if (at >= 0) {
    digest = repo.slice(at + 1);
    repo = repo.slice(0, at);
    if (!/^sha256:[0-9a-f]{64}$/.test(digest)) {
      throw new InvalidInputError(`not a manifest digest: ${quoteShort(digest)} (expected sha256: and 64 hex digits)`);
    }
    tag = digest;
  }
  const colon = repo.lastIndexOf(':');
  if (digest === undefined && colon > repo.lastIndexOf('/')) {
    tag = repo.slice(colon + 1);
    repo = repo.slice(0, colon);
  } else if (digest === undefined && !opts.tagOptional) {
    tag = 'latest';
  }
  if (!/^[A-Za-z0-9.-]+(:\d{1,5})?$|^\[[0-9a-fA-F:]+\](:\d{1,5})?$/.test(host)) {
    throw new InvalidInputError(`not a registry host: ${quoteShort(host)}`);
  }
  if (!REPO.test(repo)) {
    throw new InvalidInputError(
      `not a repository name: ${JSON.stringify(repo)} (lower-case letters, digits, separators)`,
    );
  }
  if (digest === undefined && !TAG.test(tag)) {
    throw new InvalidInputError(`not a tag: ${quoteShort(tag)}`);
  }
  const forced = (opts.env ?? process.env).PF_OCI_SCHEME;
  const scheme = forced === 'https' || forced === 'http' ? forced : pfScheme(host);
  return { base: `${scheme}://${host}`, host, repo, tag, ...(digest ? { digest } : {}) };
}

/** pf's rule: plain http to loopback and to any explicit port other than 443; https to 443 or no port. */
function pfScheme(host: string): 'http' | 'https' {
  if (isLoopback(host)) {
    return 'http';
  }
  const port = /:(\d+)$/.exec(host)?.[1];
  return port !== undefined && port !== '443' ? 'http' : 'https';
}
