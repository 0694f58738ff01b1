// Constants that scripts/build.mjs injects with esbuild's `define`; absent when running from source under tsx.
declare const BERTH_VERSION: string | undefined;
