import type { WorkspaceFolderInfo } from './mappingContext';
import { joinFolderPath } from './tracePath';
import type { WorkspaceFile, WorkspaceFileIndex } from './workspaceFileIndex';

/** Where a service's code lives: a workspace folder and a directory below it (segments). */
export interface ServicePlace {
  readonly folder: WorkspaceFolderInfo;
  readonly under: readonly string[];
  /** How it was found, for the explain view (`src/cart/package.json name "cart"`). */
  readonly because: string;
}

/** Reads a manifest's text; undefined when it cannot be read. The worker passes node's fs. */
export type ReadText = (path: string) => Promise<string | undefined>;

const manifestNames = new Set(['package.json', 'pyproject.toml', 'setup.cfg', 'pom.xml', 'build.gradle', 'build.gradle.kts', 'settings.gradle', 'settings.gradle.kts', 'go.mod']);
/** Directories whose manifests and folder names belong to dependencies or builds, not to services. */
const notAService = /^(?:node_modules|site-packages|dist-packages|vendor|_vendor|\.m2|\.git|\.venv|venv|\.tox|target|build|dist|out|bin|obj)$/;

/** Whether a file's name makes it a manifest that may name a service. */
export function isManifest(relativePath: string): boolean {
  const name = relativePath.slice(relativePath.lastIndexOf('/') + 1);
  return manifestNames.has(name) || name.endsWith('.csproj');
}

/**
 * The name a manifest gives its project, or undefined: `package.json` name, `pyproject.toml`
 * `[project]`/`[tool.poetry]` name, `setup.cfg` `[metadata]` name, `pom.xml` own artifactId (not
 * the parent's), Gradle `rootProject.name`, `go.mod` module, a `.csproj` file's own name.
 */
export function manifestName(fileName: string, text: string): string | undefined {
  if (fileName.endsWith('.csproj')) return fileName.slice(0, -'.csproj'.length);
  switch (fileName) {
    case 'package.json': {
      try {
        const parsed = JSON.parse(text) as unknown;
        const name = typeof parsed === 'object' && parsed !== null ? (parsed as Record<string, unknown>)['name'] : undefined;
        return typeof name === 'string' && name !== '' ? name : undefined;
      } catch {
        return undefined;
      }
    }
    case 'pyproject.toml':
      return iniValue(text, /^\[(?:project|tool\.poetry)\]$/, 'name');
    case 'setup.cfg':
      return iniValue(text, /^\[metadata\]$/, 'name');
    case 'pom.xml': {
      const own = text.replace(/<!--[\s\S]*?-->/g, '').replace(/<(parent|dependencies|dependencyManagement|build|profiles|plugins|reporting|modules)\b[\s\S]*?<\/\1>/g, '');
      return /<artifactId>\s*([^<\s]+)\s*<\/artifactId>/.exec(own)?.[1];
    }
    case 'build.gradle':
    case 'build.gradle.kts':
    case 'settings.gradle':
    case 'settings.gradle.kts':
      return /\brootProject\.name\s*=\s*["']([^"']+)["']/.exec(text)?.[1] ?? /\b(?:base\.)?archivesName(?:\.set\(|\s*=\s*)\s*["']([^"']+)["']/.exec(text)?.[1];
    case 'go.mod':
      return /^\s*module\s+"?([^\s"]+)"?/m.exec(text)?.[1];
    default:
      return undefined;
  }
}

function iniValue(text: string, section: RegExp, key: string): string | undefined {
  let inSection = false;
  for (const line of text.split(/\r?\n/)) {
    const trimmed = line.trim();
    if (trimmed.startsWith('[')) inSection = section.test(trimmed);
    else if (inSection) {
      const match = new RegExp(`^${key}\\s*[=:]\\s*["']?([^"'\\s#]+)`).exec(trimmed);
      if (match?.[1]) return match[1];
    }
  }
  return undefined;
}

/**
 * A name as services and projects spell it, reduced to compare: `@shop/Cart-Service`,
 * `github.com/shop/cart-service/v2` and `cart_service` are all `cartservice`.
 */
export function serviceKey(name: string): string {
  const parts = name.split('/').filter((s) => s !== '' && !/^v\d+$/.test(s));
  return (parts[parts.length - 1] ?? '').toLowerCase().replace(/[^a-z0-9]/g, '');
}

interface Place {
  readonly folder: string;
  readonly under: readonly string[];
  readonly because: string;
}

interface Catalogue {
  readonly byManifest: ReadonlyMap<string, readonly Place[]>;
  readonly byDirectory: ReadonlyMap<string, readonly Place[]>;
}

/**
 * Infers the folder of a service the user did not list in `spanlens.serviceFolders`: the one
 * directory whose manifest names the service, else the one directory named like it. Two
 * candidates are no answer: a guess would send frames into another service's code. The
 * catalogue is built from the file index on first use and dropped when the index changes;
 * manifests are read once each until they change.
 */
export class ServiceFolderFinder {
  private catalogue: Promise<Catalogue> | undefined;
  private readonly names = new Map<string, string | undefined>();

  constructor(private readonly readText: ReadText) {}

  /** The index or the folders changed: rebuild on next use. A changed manifest is read again. */
  invalidate(changed?: readonly WorkspaceFile[]): void {
    this.catalogue = undefined;
    if (changed === undefined) this.names.clear();
    else for (const file of changed) this.names.delete(`${file.folder}\0${file.relativePath}`);
  }

  async find(service: string, folders: readonly WorkspaceFolderInfo[], index: WorkspaceFileIndex): Promise<ServicePlace | undefined> {
    const key = serviceKey(service);
    if (key === '') return undefined;
    this.catalogue ??= this.build(folders, index);
    const catalogue = await this.catalogue;
    const pick = (places: readonly Place[] | undefined): ServicePlace | undefined => {
      if (places?.length !== 1 || !places[0]) return undefined;
      const place = places[0];
      const folder = folders.find((f) => f.name === place.folder);
      return folder ? { folder, under: place.under, because: place.because } : undefined;
    };
    const byManifest = catalogue.byManifest.get(key);
    if (byManifest !== undefined) return pick(byManifest);
    return pick(catalogue.byDirectory.get(key));
  }

  private async build(folders: readonly WorkspaceFolderInfo[], index: WorkspaceFileIndex): Promise<Catalogue> {
    const byManifest = new Map<string, Place[]>();
    const byDirectory = new Map<string, Place[]>();
    const seenDirectories = new Set<string>();
    const manifests: WorkspaceFile[] = [];
    for (const folder of folders) add(byDirectory, serviceKey(folder.name), { folder: folder.name, under: [], because: `workspace folder ${folder.name}` });
    for (const file of index.files()) {
      const segments = file.relativePath.split('/');
      const directories = segments.slice(0, -1);
      if (directories.some((s) => notAService.test(s))) continue;
      if (isManifest(file.relativePath)) manifests.push(file);
      let id = file.folder;
      for (let depth = 1; depth <= directories.length; depth++) {
        id = `${id}/${directories[depth - 1] ?? ''}`;
        if (seenDirectories.has(id)) continue;
        seenDirectories.add(id);
        const under = directories.slice(0, depth);
        add(byDirectory, serviceKey(directories[depth - 1] ?? ''), { folder: file.folder, under, because: `folder ${under.join('/')}` });
      }
    }
    for (const file of manifests) {
      const name = await this.nameOf(file, folders);
      if (name === undefined) continue;
      const under = file.relativePath.split('/').slice(0, -1);
      const place: Place = { folder: file.folder, under, because: `${file.relativePath} names ${name}` };
      // Gradle and Maven modules may name the same project at several levels; one place each.
      const list = byManifest.get(serviceKey(name));
      if (!list?.some((p) => p.folder === place.folder && p.under.join('/') === under.join('/'))) add(byManifest, serviceKey(name), place);
    }
    return { byManifest, byDirectory };
  }

  private async nameOf(file: WorkspaceFile, folders: readonly WorkspaceFolderInfo[]): Promise<string | undefined> {
    const key = `${file.folder}\0${file.relativePath}`;
    if (this.names.has(key)) return this.names.get(key);
    const folder = folders.find((f) => f.name === file.folder);
    const fileName = file.relativePath.slice(file.relativePath.lastIndexOf('/') + 1);
    const text = folder ? await this.readText(joinFolderPath(folder.path, file.relativePath.split('/'))).catch(() => undefined) : undefined;
    const name = text === undefined ? undefined : manifestName(fileName, text);
    this.names.set(key, name);
    return name;
  }
}

function add<V>(map: Map<string, V[]>, key: string, value: V): void {
  if (key === '') return;
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}
