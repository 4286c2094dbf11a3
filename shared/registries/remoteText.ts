// The three kinds of remote a person types (pf push's own grammar), recognised the same way on both sides: the
// editor validates and offers them, the server parses them whole (server/src/remotes/remoteRef.ts).

export type RemoteKind = 'oci' | 'file' | 's3';

const FORMS: Record<RemoteKind, RegExp> = {
  oci: /^oci:\/\/[^/\s]+\/\S+$/,
  file: /^file:\/\/.+$/,
  s3: /^s3:\/\/[a-z0-9][a-z0-9.-]{1,61}[a-z0-9](\/.*)?$/,
};

export const REMOTE_FORMS = 'oci://host:port/repo[:tag], file://PATH or s3://bucket/prefix';

export function remoteKind(text: string): RemoteKind | undefined {
  return (Object.keys(FORMS) as RemoteKind[]).find((k) => FORMS[k].test(text));
}

/** An oci:// reference that names its tag (`oci://host:5000/agents/demo:coder`): a push uses it as is. */
export function ociHasTag(text: string): boolean {
  const path = text.replace(/^oci:\/\/[^/]+\//, '');
  return /:[^/]+$/.test(path) || path.includes('@');
}

/**
 * Where a remote's credentials are kept (one secret per registry host, or per bucket): `host:port` for
 * oci://, `s3://bucket` for S3; file:// takes none.
 */
export function credentialKeyOf(text: string): string | undefined {
  switch (remoteKind(text)) {
    case 'oci':
      return /^oci:\/\/([^/]+)\//.exec(text)?.[1];
    case 's3':
      return /^(s3:\/\/[^/]+)/.exec(text)?.[1];
    default:
      return undefined;
  }
}

/** The registry a reference is in: an OCI repository without its tag; a folder or prefix's parent, where listing finds it. */
export function registryOf(remote: string): string {
  if (remoteKind(remote) === 'oci') {
    return remote
      .replace(/@sha256:[0-9a-f]+$/, '')
      .replace(/:([^/:]+)$/, (m, tag: string) => (/^\d+$/.test(tag) ? m : ''));
  }
  const parent = remote.replace(/\/+$/, '').replace(/\/[^/]+$/, '');
  return parent.endsWith('://') || parent === '' ? remote : parent;
}
