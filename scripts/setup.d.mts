// Types for scripts/setup.mjs, so tests can import it: the root tsconfig does not check plain JS (no allowJs).

export interface SystemPackage {
  /** binary looked up on PATH (or, with `file`, the name shown for it) */
  command: string;
  /** a data file checked instead of a command (a model that ships no binary) */
  file?: string;
  /** Debian package that provides it */
  pkg: string;
  /** which entry point needs it: 'build' and 'run' for `npm start`, plus 'test' for `npm test` */
  for: 'build' | 'run' | 'test';
  /** shown to the user when it is missing */
  why: string;
}

export declare const systemPackages: readonly SystemPackage[];
export declare const repoRoot: string;
export declare function requiredPackages(list: readonly SystemPackage[], withTest: boolean): SystemPackage[];
export declare function findOnPath(command: string, pathEnv?: string): string | undefined;
export declare function missingCommands(list: readonly SystemPackage[], pathEnv?: string): SystemPackage[];
export declare function computeInstallStamp(root: string): string;
export declare function installStampMatches(root: string): boolean;
