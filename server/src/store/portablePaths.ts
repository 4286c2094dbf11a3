// Paths as each platform writes them. The default store is `~/.processfork` everywhere (os.homedir() is
// %USERPROFILE% on Windows); a configured path may start with `~` and, on Windows, hold %VARIABLES%. Windows
// paths compare without regard to case (drive letters come lower-case in VS Code's URIs, upper-case from users).
import * as os from 'node:os';
import * as path from 'node:path';

export interface Platform {
  path: path.PlatformPath;
  home: string;
  env: NodeJS.ProcessEnv;
}

export const HOST: Platform = { path, home: os.homedir(), env: process.env };

const isWindows = (p: Platform) => p.path.sep === '\\';

/** `~`, `~/x` (and `~\x` on Windows) under the home folder; `%NAME%` from the environment on Windows. */
export function expandHome(p: string, platform: Platform = HOST): string {
  let out = p;
  if (isWindows(platform)) {
    out = out.replace(/%([A-Za-z_][A-Za-z0-9_]*)%/g, (whole, name: string) => {
      const key = Object.keys(platform.env).find((k) => k.toUpperCase() === name.toUpperCase());
      return key !== undefined ? (platform.env[key] ?? whole) : whole;
    });
  }
  if (out === '~') {
    return platform.home;
  }
  if (out.startsWith('~/') || (isWindows(platform) && out.startsWith('~\\'))) {
    return platform.path.join(platform.home, out.slice(2));
  }
  return out;
}

/** The same file or folder, by name: case-insensitive on Windows, exact elsewhere. */
export function samePath(a: string, b: string, platform: Platform = HOST): boolean {
  const x = platform.path.resolve(a);
  const y = platform.path.resolve(b);
  return isWindows(platform) ? x.toLowerCase() === y.toLowerCase() : x === y;
}
