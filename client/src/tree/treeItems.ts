// How each kind of node looks: label, description, icon, tooltip, context value and click command.
import * as vscode from 'vscode';
import { markdownCode, markdownText } from '../../../shared/common/markdownText';
import { blobUri } from '../../../shared/blobs/blobUri';
import type { KnownProblems } from '../problems/knownProblems';
import { formatBytes, shortDigest } from './format';
import type { StoreNode } from './nodes';
import { LAYER_TITLES } from './layerLabels';
import { plural } from '../../../shared/common/format';
import { shortHex } from '../../../shared/blobs/digest';

export function treeItemFor(node: StoreNode, problems: KnownProblems, blobTotal: number | undefined): vscode.TreeItem {
  switch (node.kind) {
    case 'root': {
      const label = { images: 'Images', blobs: 'Blobs', remotes: 'Registries' }[node.section];
      const item = new vscode.TreeItem(
        label,
        node.section === 'remotes'
          ? vscode.TreeItemCollapsibleState.Collapsed
          : vscode.TreeItemCollapsibleState.Expanded,
      );
      item.id = `root:${node.section}`;
      item.iconPath = new vscode.ThemeIcon({ images: 'layers', blobs: 'database', remotes: 'cloud' }[node.section]);
      if (node.section === 'blobs') {
        item.description = blobTotal !== undefined ? plural(blobTotal, 'blob') : 'counting…';
      }
      item.contextValue = `root-${node.section}`;
      return item;
    }
    case 'image': {
      const { image, check } = node;
      const agent = image.agentKind ? `${image.agentKind} ${image.agentVersion ?? ''}`.trim() : undefined;
      // A snapshot is known by its name (`pf snapshot --name`); the agent and the time say which run it was.
      const item = new vscode.TreeItem(
        image.name ?? agent ?? image.fileName,
        vscode.TreeItemCollapsibleState.Collapsed,
      );
      // The same image can show as a parent or child of others: each row needs its own id.
      item.id = node.via ? `image:${node.via}:${image.digest}` : `image:${image.digest}`;
      const role = node.via?.split(' ')[0];
      const ledgerBad = check?.ledger === 'bad';
      const secrets = check?.secrets.length ?? 0;
      item.description = [
        role,
        ledgerBad ? 'record not intact' : undefined,
        secrets ? `${plural(secrets, 'secret')} in clear` : undefined,
        image.badBlobs ? `${plural(image.badBlobs, 'bad blob')}` : undefined,
        image.parents.length === 2 ? 'merge' : undefined,
        image.name ? agent : undefined,
        image.createdAt?.replace('T', ' ').slice(0, 19),
      ]
        .filter(Boolean)
        .join('  ');
      const broken = image.problems.some((p) => p.severity === 'error') || (image.badBlobs ?? 0) > 0 || ledgerBad;
      item.iconPath = broken
        ? new vscode.ThemeIcon('error', new vscode.ThemeColor('list.errorForeground'))
        : secrets
          ? new vscode.ThemeIcon('key', new vscode.ThemeColor('list.warningForeground'))
          : new vscode.ThemeIcon('package');
      const why = [
        ledgerBad
          ? `**Tool-call record not intact** at entry ${check?.entry ?? '?'}${check?.tool ? ` (${markdownCode(check.tool)})` : ''}: ${markdownText(check?.ledgerReason ?? '')}`
          : undefined,
        ...(check?.secrets ?? []).map(
          (s) =>
            `**Secret in clear**: ${markdownCode(s.variable)} in ${markdownText(s.layer)} (${markdownText(s.why)})`,
        ),
      ].filter((line): line is string => line !== undefined);
      item.tooltip = new vscode.MarkdownString(
        [
          `**${markdownText(image.name ?? image.digest)}**`,
          image.name ? markdownText(image.digest) : undefined,
          [agent, image.createdAt]
            .filter(Boolean)
            .map((t) => markdownText(t!))
            .join(' · '),
          `${formatBytes(image.bytes)} manifest`,
          ...why,
          ...image.problems.map((p) => `- ${p.path ? `${markdownCode(p.path)}: ` : ''}${markdownText(p.message)}`),
        ]
          .filter(Boolean)
          .join('\n\n'),
      );
      item.contextValue = image.digest.startsWith('sha256:') ? 'image' : 'image-invalid';
      if (image.digest.startsWith('sha256:')) {
        item.resourceUri = vscode.Uri.parse(blobUri(image.digest.slice(7)));
      }
      return item;
    }
    case 'reference': {
      const { ref } = node;
      // A top-level layer reads as what it holds ("Conversation — 7 messages"); nested rows keep their path.
      const title = LAYER_TITLES[ref.layer];
      const item = new vscode.TreeItem(
        title ? `${title}${node.about ? ` — ${node.about}` : ''}` : ref.layer,
        vscode.TreeItemCollapsibleState.None,
      );
      item.id = `ref:${node.image}:${ref.layer}:${ref.digest}`;
      const problem = problems.problemOf(ref.digest);
      const state = problem ? 'corrupt' : ref.state;
      item.description = `${title ? `${ref.layer}  ` : ''}${shortDigest(ref.digest)}${ref.storedBytes !== undefined ? `  ${formatBytes(ref.storedBytes)}` : ''}${state === 'missing' ? '  missing' : state === 'corrupt' ? '  corrupt' : ''}`;
      item.iconPath =
        state === 'missing'
          ? new vscode.ThemeIcon('warning', new vscode.ThemeColor('list.warningForeground'))
          : state === 'corrupt'
            ? new vscode.ThemeIcon('error', new vscode.ThemeColor('list.errorForeground'))
            : new vscode.ThemeIcon('file-binary');
      item.resourceUri = vscode.Uri.parse(blobUri(ref.digest.slice(7)));
      item.tooltip = `${ref.digest}${problem ? `\n${problem}` : ''}`;
      item.contextValue = state === 'missing' ? 'blob-missing' : 'blob';
      if (state !== 'missing') {
        item.command = { command: 'processfork.openBlob', title: 'Open', arguments: [node] };
      }
      return item;
    }
    case 'remote': {
      const item = new vscode.TreeItem(node.remote.replace(/^oci:\/\//, ''), vscode.TreeItemCollapsibleState.Collapsed);
      item.id = `remote:${node.remote}`;
      item.iconPath = new vscode.ThemeIcon('server');
      item.contextValue = 'remote';
      return item;
    }
    case 'remoteImage': {
      const e = node.entry;
      // A folder or bucket prefix: the snapshot's name and date, pulled by its location; OCI: the tag.
      const item = new vscode.TreeItem(e.location ? (e.name ?? e.tag) : e.tag, vscode.TreeItemCollapsibleState.None);
      item.id = `remoteImage:${node.remote}:${e.tag}`;
      item.description = e.location
        ? `${e.createdAt ? `${e.createdAt.replace('T', ' ').slice(0, 16)} · ` : ''}${shortDigest(e.image)}`
        : shortDigest(e.image);
      item.tooltip = e.location
        ? `${e.name ?? '(no name)'}\n${e.location}\nimage ${e.image}`
        : `${node.remote}:${e.tag}\nimage ${e.image}\npinned: ${node.remote}@${e.manifest}`;
      item.iconPath = new vscode.ThemeIcon('package');
      item.contextValue = 'remoteImage';
      return item;
    }
    case 'shard': {
      const item = new vscode.TreeItem(node.shard, vscode.TreeItemCollapsibleState.Collapsed);
      item.id = `shard:${node.shard}`;
      item.description = node.count === undefined ? 'counting…' : `${plural(node.count, 'blob')}`;
      item.iconPath = vscode.ThemeIcon.Folder;
      item.contextValue = 'shard';
      return item;
    }
    case 'blob': {
      const { blob } = node;
      // Collapsed: its children are the images that reach it ("Referenced By").
      const item = new vscode.TreeItem(shortHex(blob.digest), vscode.TreeItemCollapsibleState.Collapsed);
      item.id = `blob:${blob.digest}`;
      const problem = blob.problem
        ? (problems.problemOf(blob.digest) ?? blob.problem)
        : problems.problemOf(blob.digest);
      item.description = formatBytes(blob.storedBytes) + (problem ? '  corrupt' : '');
      item.iconPath = problem
        ? new vscode.ThemeIcon('error', new vscode.ThemeColor('list.errorForeground'))
        : new vscode.ThemeIcon('file-binary');
      item.resourceUri = vscode.Uri.parse(blobUri(blob.digest.slice(7)));
      item.tooltip = `${blob.digest}\n${blob.storedBytes} bytes stored${problem ? `\n${problem}` : ''}`;
      item.contextValue = 'blob';
      item.command = { command: 'processfork.openBlob', title: 'Open', arguments: [node] };
      return item;
    }
    case 'use': {
      const item = new vscode.TreeItem(`used by ${shortHex(node.image)}`, vscode.TreeItemCollapsibleState.None);
      item.id = `use:${node.digest}:${node.image}`;
      item.description = node.places.length === 1 ? node.places[0] : `${node.places.length} places`;
      item.tooltip = `${node.image}\n${node.places.join('\n')}`;
      item.iconPath = new vscode.ThemeIcon('references');
      item.contextValue = 'use';
      return item;
    }
    case 'more': {
      const item = new vscode.TreeItem(
        node.total === undefined
          ? `Show more… (${node.loaded.toLocaleString('en-US')} so far)`
          : `Show more… (${node.loaded.toLocaleString('en-US')} of ${node.total.toLocaleString('en-US')})`,
        vscode.TreeItemCollapsibleState.None,
      );
      item.id = `more:${node.shard}`;
      item.iconPath = new vscode.ThemeIcon('ellipsis');
      item.command = { command: 'processfork.loadMore', title: 'Show more', arguments: [node] };
      item.contextValue = 'more';
      return item;
    }
    case 'message': {
      const item = new vscode.TreeItem(node.text, vscode.TreeItemCollapsibleState.None);
      item.tooltip = node.detail;
      item.iconPath = new vscode.ThemeIcon(node.error ? 'warning' : 'info');
      item.contextValue = 'message';
      return item;
    }
  }
}
