/**
 * Paths as traces record them: POSIX or Windows, `file://` URLs, bundler schemes. Parsed with our
 * own code rather than node:path because a trace recorded on Linux is often read on Windows and
 * the other way round, so the host's path module is the wrong one half of the time.
 */
export interface TracePath {
  /** Normalised segments: no empty, `.` or resolvable `..` segments. */
  readonly segments: readonly string[];
  readonly absolute: boolean;
  /** Lower-case drive letter (`c:`) or UNC host (`//server/share`), when the path has one. */
  readonly root: string | undefined;
  /** True when `..` segments climbed above the root or above the start of a relative path. */
  readonly escapes: boolean;
  /** The bundler scheme that was stripped (`webpack`, `turbopack`, …), if any. */
  readonly scheme: string | undefined;
}

const driveLetter = /^([A-Za-z]):(?:[\\/]|$)/;
const bundlerScheme = /^(webpack|turbopack|meteor|rollup|vite|ng):\/\/[^/]*\/?/i;

export function parseTracePath(raw: string): TracePath {
  let text = raw.trim();
  let scheme: string | undefined;
  if (/^file:\/\//i.test(text)) {
    text = decodeFileUrl(text);
  } else {
    const bundler = bundlerScheme.exec(text);
    if (bundler) {
      // webpack://app/./src/x.ts and webpack:///src/x.ts both name a project-relative source.
      scheme = (bundler[1] ?? '').toLowerCase();
      text = text.slice(bundler[0].length).replace(/^~\//, 'node_modules/');
      const slashes = text.replace(/\\/g, '/');
      return { ...normaliseSegments(slashes.split('/'), false), root: undefined, absolute: false, scheme };
    }
  }
  text = text.replace(/\\/g, '/');
  let root: string | undefined;
  let absolute = false;
  const drive = driveLetter.exec(text);
  if (drive) {
    root = `${(drive[1] ?? '').toLowerCase()}:`;
    absolute = true;
    text = text.slice(2);
  } else if (text.startsWith('//')) {
    const parts = text.slice(2).split('/');
    root = `//${parts[0] ?? ''}/${parts[1] ?? ''}`.toLowerCase();
    absolute = true;
    text = parts.slice(2).join('/');
  } else if (text.startsWith('/')) {
    absolute = true;
  }
  return { ...normaliseSegments(text.split('/'), absolute), root, absolute, scheme };
}

function normaliseSegments(parts: readonly string[], absolute: boolean): { segments: string[]; escapes: boolean } {
  const segments: string[] = [];
  let escapes = false;
  for (const part of parts) {
    if (part === '' || part === '.') continue;
    if (part === '..') {
      if (segments.length > 0 && segments[segments.length - 1] !== '..') segments.pop();
      else {
        escapes = true;
        if (!absolute) segments.push('..');
      }
      continue;
    }
    segments.push(part);
  }
  return { segments, escapes };
}

function decodeFileUrl(url: string): string {
  let rest = url.replace(/^file:\/\//i, '');
  // file:///C:/x → /C:/x → C:/x; file://server/share/x is a UNC path.
  if (/^\/[A-Za-z]:/.test(rest)) rest = rest.slice(1);
  else if (!rest.startsWith('/')) rest = `//${rest}`;
  try {
    return decodeURIComponent(rest);
  } catch {
    return rest;
  }
}

/** Whether a path string looks like Windows (drive letter or backslashes). */
export function isWindowsStylePath(path: string): boolean {
  return driveLetter.test(path) || (path.includes('\\') && !path.includes('/'));
}

/** Folds case for comparison when the file system (or the user's setting) ignores it. */
export function foldCase(segment: string, caseInsensitive: boolean): string {
  return caseInsensitive ? segment.toLowerCase() : segment;
}

/**
 * The segments of `path` below `base`, or undefined when `path` is not inside `base`. Both must be
 * absolute; roots are compared case-insensitively (drive letters), segments per `caseInsensitive`.
 */
export function relativeSegments(base: TracePath, path: TracePath, caseInsensitive: boolean): readonly string[] | undefined {
  if (!base.absolute || !path.absolute || base.root !== path.root) return undefined;
  if (path.segments.length < base.segments.length) return undefined;
  for (let i = 0; i < base.segments.length; i++) {
    if (foldCase(base.segments[i] ?? '', caseInsensitive) !== foldCase(path.segments[i] ?? '', caseInsensitive)) return undefined;
  }
  return path.segments.slice(base.segments.length);
}

/** Joins a workspace folder's path (kept in its own separator style) with relative segments. */
export function joinFolderPath(folderPath: string, segments: readonly string[]): string {
  const separator = isWindowsStylePath(folderPath) ? '\\' : '/';
  const trimmed = folderPath.replace(/[\\/]+$/, '');
  return segments.length === 0 ? trimmed : `${trimmed}${separator}${segments.join(separator)}`;
}

/** A display form with forward slashes, used in steps and rules. */
export function formatTracePath(path: TracePath): string {
  const body = path.segments.join('/');
  if (!path.absolute) return body;
  return `${path.root ?? ''}/${body}`;
}
