// Layer configs map forbidden module names here so that importing them fails to compile
// (see ../../shared/reference/style.md, "The layers"). This file deliberately is not a module.
declare const forbiddenImport: never;
