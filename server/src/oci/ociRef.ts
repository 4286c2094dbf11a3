// `oci://host:port/repo[:tag]`, as pf push and pf pull take it. Loopback hosts speak http, others https, as
// in pf; PF_OCI_SCHEME=https|http overrides that (a TLS registry on loopback, a plain one on a private host).
import { InvalidInputError } from '../store/errors';
import { quoteShort } from '../../../shared/format';

export interface OciRef {
  /** `http://127.0.0.1:5000` */
  base: string;
  host: string;
  repo: string;
  tag: string;
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
  const colon = repo.lastIndexOf(':');
  if (colon > repo.lastIndexOf('/')) {
    tag = repo.slice(colon + 1);
    repo = repo.slice(0, colon);
  } else if (!opts.tagOptional) {
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
  if (!TAG.test(tag)) {
    throw new InvalidInputError(`not a tag: ${quoteShort(tag)}`);
  }
  const forced = (opts.env ?? process.env).PF_OCI_SCHEME;
  const scheme = forced === 'https' || forced === 'http' ? forced : isLoopback(host) ? 'http' : 'https';
  return { base: `${scheme}://${host}`, host, repo, tag };
}
