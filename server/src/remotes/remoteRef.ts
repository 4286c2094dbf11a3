// A remote as pf push and pf pull take it: `oci://host:port/repo[:tag]`, `file://PATH` (one image in a folder) or
// `s3://BUCKET/PREFIX` (one image under a key prefix). One grammar for the CLI, the editor and the settings.
import * as path from 'node:path';
import { quoteShort } from '../../../shared/common/format';
import { parseOciRef, type OciRef } from '../oci/ociRef';
import { InvalidInputError } from '../store/errors';

export type RemoteRef =
  | { kind: 'oci'; oci: OciRef; text: string }
  | { kind: 'file'; dir: string; text: string }
  | { kind: 's3'; bucket: string; prefix: string; text: string };

/** S3's bucket naming rules (3-63 of lower-case letters, digits, dots and hyphens; a letter or digit at each end). */
const BUCKET = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;

export function parseRemote(
  text: string,
  opts: { tagOptional?: boolean; env?: NodeJS.ProcessEnv; platform?: NodeJS.Platform; cwd?: string } = {},
): RemoteRef {
  if (text.startsWith('oci://')) {
    return { kind: 'oci', oci: parseOciRef(text, opts), text };
  }
  if (text.startsWith('file://')) {
    return { kind: 'file', dir: fileRemotePath(text.slice('file://'.length), opts), text };
  }
  if (text.startsWith('s3://')) {
    const rest = text.slice('s3://'.length);
    const slash = rest.indexOf('/');
    const bucket = slash === -1 ? rest : rest.slice(0, slash);
    const prefix = (slash === -1 ? '' : rest.slice(slash + 1)).replace(/\/+$/, '');
    if (!BUCKET.test(bucket)) {
      throw new InvalidInputError(`not an S3 bucket name: ${quoteShort(bucket)} (expected s3://bucket/prefix)`);
    }
    if (prefix !== '' && prefix.split('/').some((part) => part === '' || part === '.' || part === '..')) {
      throw new InvalidInputError(`not an S3 key prefix: ${quoteShort(prefix)} (no empty, "." or ".." parts)`);
    }
    return { kind: 's3', bucket, prefix, text };
  }
  throw new InvalidInputError(
    `not a remote: ${quoteShort(text)} (expected oci://host:port/repo[:tag], file://PATH or s3://bucket/prefix)`,
  );
}

/**
 * The folder a `file://` remote names: the text after the scheme, as pf takes it (absolute, or relative to the
 * working folder). `file:///C:/snaps` is a Windows path (path.win32 on Windows; refused elsewhere).
 */
function fileRemotePath(rest: string, opts: { platform?: NodeJS.Platform; cwd?: string }): string {
  const platform = opts.platform ?? process.platform;
  if (rest === '') {
    throw new InvalidInputError('file:// needs a folder (file:///abs/path or file://relative/path)');
  }
  if (rest.includes('\0')) {
    throw new InvalidInputError('a file:// path cannot hold a NUL character');
  }
  const drive = /^\/?([A-Za-z]:[\\/].*)$/.exec(rest);
  if (drive) {
    if (platform !== 'win32') {
      throw new InvalidInputError(`${quoteShort(`file://${rest}`)} is a Windows path; this machine is not Windows`);
    }
    return path.win32.normalize(drive[1]);
  }
  const paths = platform === 'win32' ? path.win32 : path.posix;
  return paths.resolve(opts.cwd ?? process.cwd(), rest);
}

/** How a remote is written back to a person: the reference they gave, normalised. */
export function remoteText(ref: RemoteRef): string {
  switch (ref.kind) {
    case 'oci':
      return `oci://${ref.oci.host}/${ref.oci.repo}:${ref.oci.tag}`;
    case 'file':
      return `file://${ref.dir}`;
    case 's3':
      return `s3://${ref.bucket}${ref.prefix ? `/${ref.prefix}` : ''}`;
  }
}
