// One grammar for remotes on both sides: the three kinds, a tag in an oci:// reference (used as given, never
// asked for again), the registry a reference lives in (what "Add to Registries" adds), and where credentials go.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { credentialKeyOf, ociHasTag, registryOf, remoteKind } from '../../shared/registries/remoteText';

test('the three kinds, and what is none of them', () => {
  assert.equal(remoteKind('oci://127.0.0.1:5055/agents/demo'), 'oci');
  assert.equal(remoteKind('file:///mnt/usb/snapshots'), 'file');
  assert.equal(remoteKind('file://relative/dir'), 'file');
  assert.equal(remoteKind('s3://pf-snapshots/team'), 's3');
  assert.equal(remoteKind('s3://pf-snapshots'), 's3');
  for (const bad of ['http://registry.example/agents', 'oci://host-only', 's3://UPPER/x', 's3://ab', 'file://']) {
    assert.equal(remoteKind(bad), undefined, bad);
  }
});

test('a tag in the reference is seen (the port is not a tag)', () => {
  assert.equal(ociHasTag('oci://127.0.0.1:5055/agents/demo:coder'), true);
  assert.equal(ociHasTag('oci://127.0.0.1:5055/agents/demo'), false);
  assert.equal(ociHasTag(`oci://127.0.0.1:5055/agents/demo@sha256:${'a'.repeat(64)}`), true);
});

test('the registry a pushed reference lives in, for the Registries view', () => {
  assert.equal(registryOf('oci://127.0.0.1:5055/agents/demo:coder'), 'oci://127.0.0.1:5055/agents/demo');
  assert.equal(registryOf('oci://127.0.0.1:5055/agents/demo'), 'oci://127.0.0.1:5055/agents/demo');
  assert.equal(registryOf('file:///mnt/usb/snapshots/before-refactor'), 'file:///mnt/usb/snapshots');
  assert.equal(registryOf('s3://pf-snapshots/team/before-refactor/'), 's3://pf-snapshots/team');
});

test('credentials are kept per registry host, or per bucket; a folder takes none', () => {
  assert.equal(credentialKeyOf('oci://127.0.0.1:5055/agents/demo'), '127.0.0.1:5055');
  assert.equal(credentialKeyOf('s3://pf-snapshots/team'), 's3://pf-snapshots');
  assert.equal(credentialKeyOf('file:///mnt/usb'), undefined);
});
